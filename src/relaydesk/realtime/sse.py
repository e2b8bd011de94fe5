"""Server-sent events: the same subscription and resume as the WebSocket, one workspace.

Each event is sent with `id: <position>`, so a reconnecting EventSource resumes with
`Last-Event-ID` by itself. A comment line goes out every heartbeat interval to keep
proxies from closing a quiet stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator

from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.errors import CommonError
from relaydesk.realtime import catchup, frames
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
    try:
        yield f"retry: {_RETRY_MS}\n\n"
        while True:
            try:
                frame = await connection.next_frame(heartbeat)
            except ConnectionClosedError:
                if connection.close_code is CloseCode.SLOW_CONSUMER:
                    yield _format(OutFrame("error", frames.error(RealtimeError.SLOW_CONSUMER)))
                return
            yield ": ping\n\n" if frame is None else _format(frame)
    finally:
        subscribing.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionClosedError):
            await subscribing
        realtime.hub.remove_connection(connection)
