"""Liveness, readiness and metrics for operators and load balancers."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from relaydesk import __version__
from relaydesk.api.deps import DbDep

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", response_model=None)
async def readyz(db: DbDep) -> dict[str, str] | JSONResponse:
    """The process can serve traffic: its database answers."""
    try:
        await db.ping()
    except Exception as exc:
        log.warning("readiness check failed", extra={"error": str(exc)})
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return {"status": "ok", "database": "ok"}


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
