"""Request ids, one structured log line per request, and HTTP metrics (pure ASGI, no buffering)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relaydesk.api.problems import PROBLEM_JSON, problem_body
from relaydesk.errors import CommonError
from relaydesk.observability.context import request_id_var
from relaydesk.observability.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS

log = logging.getLogger("relaydesk.http")
REQUEST_ID_HEADER = b"x-request-id"
_VALID_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")


def _incoming_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER and _VALID_ID.match(value):
            return bytes(value).decode()
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The matched route with its parameters as placeholders (bounded metric labels).

    Rebuilt from the path and its parameters, because routes of included routers carry
    only their own part of the path.
    """
    if scope.get("route") is None:
        return "unmatched"
    by_value = {str(v): k for k, v in scope.get("path_params", {}).items()}
    segments = scope["path"].split("/")
    return "/".join(f"{{{by_value[s]}}}" if s in by_value else s for s in segments)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here, inside the request context, so the 500 carries the request id.
            log.exception("unhandled error", extra={"path": scope["path"]})
            if scope["type"] != "http" or response_started:
                raise
            body = problem_body(CommonError.INTERNAL, scope["path"])
            await JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)(
                scope, receive, send_with_id
            )
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            if scope["type"] == "http":
                HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
                HTTP_REQUEST_SECONDS.labels(scope["method"], route).observe(elapsed)
            # The path only: query strings may carry tokens.
            log.info(
                "request",
                extra={
                    "method": scope.get("method", "WS"),
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
            request_id_var.reset(token)
