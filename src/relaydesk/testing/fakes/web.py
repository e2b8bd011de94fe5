"""Small HTTP helpers shared by the fakes' control APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from relaydesk.testing.fakes.delivery import Poster, TaskSet
from relaydesk.testing.fakes.faults import FaultBook, FaultError


class ControlError(Exception):
    """A control request the fake cannot carry out (answered 422 with the reason)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


async def read_json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise ControlError("the body is not JSON") from None
    if not isinstance(data, dict):
        raise ControlError("the body must be a JSON object")
    return data


def require(data: dict[str, Any], name: str) -> Any:
    if name not in data:
        raise ControlError(f"{name} is required")
    return data[name]


Handler = Callable[[Request], Awaitable[Response]]


def control(handler: Handler) -> Handler:
    """Turn ControlError and FaultError into JSON answers."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except FaultError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        except ControlError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)

    return run


def fault_routes(faults: FaultBook) -> list[tuple[str, Handler, list[str]]]:
    async def add(request: Request) -> Response:
        data = await read_json(request)
        specs = data.get("faults", [data])
        added = [faults.add(spec).describe() for spec in specs]
        return JSONResponse({"faults": added}, status_code=201)

    async def listing(request: Request) -> Response:
        return JSONResponse({"faults": faults.describe()})

    async def clear(request: Request) -> Response:
        faults.clear()
        return JSONResponse({"faults": []})

    return [
        ("/_control/faults", control(add), ["POST"]),
        ("/_control/faults", listing, ["GET"]),
        ("/_control/faults", clear, ["DELETE"]),
    ]


def build_app(routes: list[BaseRoute], poster: Poster, tasks: TaskSet) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await tasks.cancel_all()
            await poster.aclose()

    return Starlette(routes=routes, lifespan=lifespan)


async def stall(seconds: float) -> None:
    """Hold a request open: the fault that makes a client's timeout fire."""
    await asyncio.sleep(seconds)
