"""A webhook endpoint for tests: records every request and answers with a scripted status.

Tests point a fake's webhook here to see exactly what the fake sends (body bytes, headers,
order, retries) without involving RelayDesk.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from relaydesk.testing.fakes.server import start_in_thread


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    base_url: str = ""
    requests: list[Received] = field(default_factory=list)
    # Statuses to answer the next POSTs with, in order; 200 once they are used up.
    script: list[int] = field(default_factory=list)
    # Answer to a GET handshake: echo hub.challenge when hub.verify_token equals this.
    verify_token: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.base_url + "/hook"

    def posts(self) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        received = Received(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
            body,
            time.time(),
        )
        with self._lock:
            self.requests.append(received)
            status = self.script.pop(0) if request.method == "POST" and self.script else 200
        if request.method == "GET":
            token = request.query_params.get("hub.verify_token")
            if self.verify_token is not None and token == self.verify_token:
                return PlainTextResponse(request.query_params.get("hub.challenge", ""))
            return PlainTextResponse("Forbidden", status_code=403)
        return PlainTextResponse("ok" if status < 300 else "no", status_code=status)


@contextmanager
def running_receiver(**options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)
    app = Starlette(routes=[Route("/hook", receiver._handle, methods=["GET", "POST"])])
    server = start_in_thread(app)
    receiver.base_url = server.base_url
    try:
        yield receiver
    finally:
        server.stop()
