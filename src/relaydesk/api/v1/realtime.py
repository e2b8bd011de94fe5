"""Realtime endpoints: the server-sent-events fallback of the WebSocket gateway.

The gateway itself, `/api/v1/ws`, is served ahead of the router (realtime/asgi.py). The
protocol is described in docs/realtime-protocol.md.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from fastapi.security.utils import get_authorization_scheme_param

from relaydesk.api.deps import DbDep, SettingsDep
from relaydesk.errors import AppError, CommonError
from relaydesk.realtime import sse
from relaydesk.realtime.auth import authenticate, workspace_access
from relaydesk.realtime.connection import Connection
from relaydesk.realtime.frames import MAX_CONVERSATIONS
from relaydesk.realtime.runtime import Realtime

router = APIRouter(tags=["realtime"])
Token = Annotated[
    str | None,
    Query(
        max_length=4096,
        description="An access token or API key, for clients that cannot send headers.",
    ),
]


def _realtime(request: Request) -> Realtime:
    realtime: Realtime = request.app.state.realtime
    return realtime


@router.get(
    "/workspaces/{workspace_id}/events/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_events(
    workspace_id: uuid.UUID,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    token: Token = None,
    last_event_id: Annotated[
        int | None,
        Header(ge=0, description="The last position applied; the stream resumes after it."),
    ] = None,
    after: Annotated[int | None, Query(ge=0, description="As `Last-Event-ID`.")] = None,
    conversation_id: Annotated[
        list[uuid.UUID] | None,
        Query(max_length=MAX_CONVERSATIONS, description="Only these conversations."),
    ] = None,
) -> StreamingResponse:
    """A workspace's events as `text/event-stream`, with the WebSocket's resume rules."""
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    bearer = credentials if scheme.lower() == "bearer" and credentials else None
    if bearer is None and token is None:
        raise AppError(
            CommonError.UNAUTHENTICATED,
            "Send 'Authorization: Bearer …' or ?token=",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = await authenticate(request, db, settings, bearer or token or "")
    access = await workspace_access(db, principal, workspace_id)
    realtime = _realtime(request)
    connection = Connection(principal, settings.realtime_send_queue)
    resume_after = last_event_id if last_event_id is not None else after
    return StreamingResponse(
        sse.stream(realtime, connection, access, conversation_id, resume_after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
