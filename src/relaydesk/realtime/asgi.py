"""The WebSocket gateway's place in the application: `/api/v1/ws`, served ahead of the router.

An open WebSocket holds every layer of the ASGI stack it passed through for as long as it
lasts, and the gateway keeps many thousands open: the router, its dependency stacks and the
exception middleware would cost more memory per connection than the gateway itself. So
this middleware sits inside the request-context middleware (request ids, the log line) and
serves the gateway's path before the rest; the gateway answers its own errors with error
frames and close codes (docs/realtime-protocol.md).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from relaydesk.realtime import gateway

GATEWAY_PATH = "/api/v1/ws"
# Longer than any access token or API key; a longer one is refused as invalid.
_MAX_TOKEN = 4096


async def _serve(websocket: WebSocket) -> None:
    """The realtime gateway; authenticate with `?token=` or a first `hello` frame."""
    await gateway.serve(websocket, websocket.app.state.realtime, _token(websocket.scope))


# The route the gateway answers, for the request log line (it is not in the router).
ROUTE = WebSocketRoute(GATEWAY_PATH, _serve, name="websocket_gateway")


class GatewayMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("root_path", "") + GATEWAY_PATH
        if scope["type"] == "websocket" and scope["path"] == path:
            scope["route"] = ROUTE
            await _serve(WebSocket(scope, receive, send))
            return
        await self.app(scope, receive, send)


def _token(scope: Scope) -> str | None:
    # Parsed here rather than through `websocket.query_params`, which would keep the parsed
    # query for the life of the connection.
    query: bytes = scope.get("query_string", b"")
    for name, value in parse_qsl(query.decode("latin-1")):
        if name == "token":
            return value[: _MAX_TOKEN + 1]
    return None
