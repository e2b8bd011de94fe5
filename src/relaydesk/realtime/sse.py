"""Server-sent events: the same subscription and resume as the WebSocket, one workspace.

Each event is sent with `id: <position>`, so a reconnecting EventSource resumes with
`Last-Event-ID` by itself. A comment line goes out every heartbeat interval to keep
proxies from closing a quiet stream; at the same interval the stream checks that its
sign-in or API key still holds and that its caller still belongs to the workspace, and ends
with an `error` event when not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator

from relaydesk.db.base import utcnow
from relaydesk.db.database import shielded
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.errors import CommonError
from relaydesk.realtime import catchup, frames
from relaydesk.realtime.auth import recheck
from relaydesk.realtime.connection import Connection, ConnectionClosedError
from relaydesk.realtime.delivery import OutFrame
from relaydesk.realtime.error_codes import RealtimeError
from relaydesk.realtime.frames import CloseCode
from relaydesk.realtime.runtime import Realtime

log = logging.getLogger(__name__)

# Sent before anything else: how long an EventSource waits before reconnecting (ms).
_RETRY_MS = 2000


def _end_on_failure(task: asyncio.Task[None], connection: Connection) -> None:
    if task.cancelled() or isinstance(task.exception(), ConnectionClosedError | None):
        return
    log.error("catching up an event stream failed", exc_info=task.exception())
    connection.close(CloseCode.GOING_AWAY, CommonError.INTERNAL.code)


def _format(frame: OutFrame) -> str:
    lines = []
    if frame.position is not None:
        lines.append(f"id: {frame.position}")
    lines.append(f"event: {frame.type}")
    lines.append(f"data: {frame.text}")
    return "\n".join(lines) + "\n\n"


async def stream(
    realtime: Realtime,
    connection: Connection,
    access: WorkspaceAccess,
    conversation_ids: list[uuid.UUID] | None,
    after: int | None,
) -> AsyncIterator[str]:
    heartbeat = realtime.settings.realtime_heartbeat_seconds
    subscribing = asyncio.create_task(
        catchup.subscribe(realtime, connection, access, conversation_ids, after)
    )
    subscribing.add_done_callback(lambda task: _end_on_failure(task, connection))
    loop = asyncio.get_running_loop()
    next_ping = loop.time() + heartbeat
    try:
        yield f"retry: {_RETRY_MS}\n\n"
        while True:
            now = loop.time()
            if now >= next_ping:
                ended = await _recheck(realtime, connection, access)
                if ended is not None:
                    yield _format(OutFrame("error", ended))
                    return
                yield ": ping\n\n"
                next_ping = loop.time() + heartbeat
                continue
            try:
                frame = await connection.next_frame(next_ping - now)
            except ConnectionClosedError:
                if connection.close_code is CloseCode.SLOW_CONSUMER:
                    yield _format(OutFrame("error", frames.error(RealtimeError.SLOW_CONSUMER)))
                return
            if frame is not None:
                yield _format(frame)
    finally:
        connection.close(CloseCode.NORMAL, "")
        subscribing.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosedError):
            await subscribing
        realtime.hub.remove_connection(connection)


async def _recheck(
    realtime: Realtime, connection: Connection, access: WorkspaceAccess
) -> str | None:
    """Once a heartbeat, one query: the error frame that ends the stream when the sign-in or
    key was revoked or the caller left the workspace, else None."""
    try:
        standing = await shielded(
            recheck(realtime.db, connection.principal, [access.workspace_id], utcnow())
        )
    except Exception:
        # The database is unavailable for a moment: the next heartbeat checks again.
        log.warning("event stream re-check failed; retrying at the next heartbeat", exc_info=True)
        return None
    if standing.revoked is not None:
        return frames.error(standing.revoked)
    subscription = connection.subscriptions.get(access.workspace_id)
    current = access if subscription is None else subscription.access
    now = standing.access(current)
    if now is None:
        return frames.error(
            RealtimeError.SUBSCRIPTION_ENDED,
            "You no longer belong to this workspace",
            workspace_id=str(access.workspace_id),
        )
    if subscription is not None:
        subscription.access = now
    return None
