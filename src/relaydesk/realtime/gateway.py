"""The WebSocket gateway: authenticate, then read client frames and write server frames.

Two tasks per connection, because many thousands are held open at once: the reader (client
frames) and the writer, which runs in the connection's own task (the send queue, a `ping`
and a re-check of the credential every heartbeat interval, the idle timeout). Whichever
ends first ends the connection: the reader on a disconnect, the writer on a close the
server decided on (idle, slow consumer, revoked credential).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from relaydesk.api.deps import Principal
from relaydesk.db.base import utcnow
from relaydesk.db.database import shielded
from relaydesk.db.scoped import get_in_workspace
from relaydesk.domains.conversations.models import Conversation
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, CommonError
from relaydesk.realtime import catchup, frames
from relaydesk.realtime.auth import authenticate, recheck, workspace_access
from relaydesk.realtime.connection import Connection, ConnectionClosedError
from relaydesk.realtime.delivery import OutFrame
from relaydesk.realtime.error_codes import RealtimeError
from relaydesk.realtime.frames import CloseCode
from relaydesk.realtime.runtime import Realtime

log = logging.getLogger(__name__)

_MAX_FRAME_CHARS = 64 * 1024
_VERIFIED_LIMIT = 1000
_PING = frames.dump("ping")


class _CloseError(Exception):
    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


async def serve(websocket: WebSocket, realtime: Realtime, token: str | None) -> None:
    await websocket.accept()
    try:
        principal = await _authenticate(websocket, realtime, token)
    except _CloseError as closing:
        await _close(websocket, closing.code, closing.reason)
        return
    except WebSocketDisconnect:
        return
    connection = Connection(principal, realtime.settings.realtime_send_queue)
    del principal  # held open for the connection's life otherwise, ORM user and all
    await _Session(websocket, realtime, connection).run()


async def _authenticate(websocket: WebSocket, realtime: Realtime, token: str | None) -> Principal:
    ref: Any = None
    if token is None:
        text = await _receive(websocket, realtime.settings.realtime_idle_timeout_seconds)
        if text is None:
            raise _CloseError(CloseCode.IDLE_TIMEOUT, RealtimeError.IDLE_TIMEOUT.code)
        try:
            frame = frames.CLIENT_FRAME.validate_json(text)
        except ValidationError:
            frame = None
        if not isinstance(frame, frames.Hello):
            await websocket.send_text(
                frames.error(CommonError.UNAUTHENTICATED, "Send a hello frame with a token first")
            )
            raise _CloseError(CloseCode.UNAUTHENTICATED, CommonError.UNAUTHENTICATED.code)
        token, ref = frame.token, frame.id
    try:
        return await authenticate(websocket, realtime.db, realtime.settings, token)
    except AppError as exc:
        await websocket.send_text(frames.error_of(exc, ref))
        raise _CloseError(CloseCode.UNAUTHENTICATED, exc.code.code) from None


async def _receive(websocket: WebSocket, idle_seconds: float) -> str | None:
    """The next text frame; None after `idle_seconds`; raises WebSocketDisconnect."""
    try:
        message = await asyncio.wait_for(websocket.receive(), idle_seconds)
    except TimeoutError:
        return None
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        return ""  # a binary frame: answered as malformed
    return str(text)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
        await websocket.close(code, reason)


class _Session:
    """One authenticated WebSocket: the reader runs in its own task, the writer (frames,
    heartbeats, the idle timeout and the re-check of the credential) in the caller's."""

    __slots__ = (
        "_busy",
        "_last_received",
        "_verified",
        "connection",
        "realtime",
        "settings",
        "websocket",
    )

    def __init__(self, websocket: WebSocket, realtime: Realtime, connection: Connection) -> None:
        self.websocket = websocket
        self.realtime = realtime
        self.connection = connection
        self.settings = realtime.settings
        # Conversations already checked for typing frames, so keystrokes cost no query.
        self._verified: set[tuple[uuid.UUID, uuid.UUID]] | None = None
        # When the last client frame arrived (loop time), and whether one is being handled:
        # a long catch-up is not idleness.
        self._last_received = asyncio.get_running_loop().time()
        self._busy = False

    async def run(self) -> None:
        connection = self.connection
        principal = connection.principal
        connection.send_nowait(
            OutFrame(
                "welcome",
                frames.dump(
                    "welcome",
                    connection_id=connection.id,
                    user_id=str(connection.user_id) if connection.user_id else None,
                    actor={"type": principal.actor.type.value, "id": str(principal.actor.id)},
                    position=self.realtime.hub.position,
                    heartbeat_seconds=self.settings.realtime_heartbeat_seconds,
                    idle_timeout_seconds=self.settings.realtime_idle_timeout_seconds,
                ),
            )
        )
        reader = asyncio.create_task(self._read())
        try:
            await self._write()
        finally:
            connection.close(connection.close_code, connection.close_reason)
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            self.realtime.hub.remove_connection(connection)
        await _close(self.websocket, connection.close_code, connection.close_reason)

    async def _write(self) -> None:
        """Send queued frames; every heartbeat, re-check the credential and send a ping; close
        a connection that sent nothing for the idle timeout. Returns when the connection ends."""
        heartbeat = self.settings.realtime_heartbeat_seconds
        idle = self.settings.realtime_idle_timeout_seconds
        connection = self.connection
        loop = asyncio.get_running_loop()
        next_ping = loop.time() + heartbeat
        try:
            while True:
                now = loop.time()
                if now >= next_ping:
                    if await self._recheck():
                        return
                    await self.websocket.send_text(_PING)
                    next_ping = loop.time() + heartbeat
                    continue
                idle_at = self._last_received + idle
                if self._busy:
                    wake = next_ping
                elif now >= idle_at:
                    connection.close(CloseCode.IDLE_TIMEOUT, RealtimeError.IDLE_TIMEOUT.code)
                    return
                else:
                    wake = min(next_ping, idle_at)
                frame = await connection.next_frame(wake - now)
                if frame is not None:
                    await self.websocket.send_text(frame.text)
                    frame = None  # not held while waiting for the next one
        except (ConnectionClosedError, WebSocketDisconnect, RuntimeError, OSError):
            return

    async def _recheck(self) -> bool:
        """Once a heartbeat, one query: a sign-out or revoked key ends the connection (4401,
        with the reason; returns True), and a subscription to a workspace the user no longer
        belongs to ends with an error frame while the connection stays."""
        connection = self.connection
        try:
            workspace_ids = list(connection.subscriptions)
            standing = await shielded(
                recheck(self.realtime.db, connection.principal, workspace_ids, utcnow())
            )
        except Exception:
            # The database is unavailable for a moment: the next heartbeat checks again.
            log.warning("realtime re-check failed; retrying at the next heartbeat", exc_info=True)
            return False
        if standing.revoked is not None:
            await self.websocket.send_text(frames.error(standing.revoked))
            connection.close(CloseCode.UNAUTHENTICATED, standing.revoked.code)
            return True
        for workspace_id, subscription in list(connection.subscriptions.items()):
            access = standing.access(subscription.access)
            if access is None:
                self._end_subscription(workspace_id)
            else:
                subscription.access = access
        return False

    def _end_subscription(self, workspace_id: uuid.UUID) -> None:
        catchup.unsubscribe(self.realtime, self.connection, workspace_id)
        if self._verified:
            self._verified = {key for key in self._verified if key[0] != workspace_id}
        self.connection.send_nowait(
            OutFrame(
                "error",
                frames.error(
                    RealtimeError.SUBSCRIPTION_ENDED,
                    "You no longer belong to this workspace",
                    workspace_id=str(workspace_id),
                ),
            )
        )

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                # No timer per frame: the writer closes a connection idle for too long.
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                self._last_received = loop.time()
                text = message.get("text")
                self._busy = True
                try:
                    await self._handle("" if text is None else str(text))  # binary: malformed
                finally:
                    self._busy = False
                    self._last_received = loop.time()
        except (WebSocketDisconnect, ConnectionClosedError, RuntimeError):
            pass
        self.connection.close(CloseCode.NORMAL, "")

    async def _handle(self, text: str) -> None:
        ref: Any = None
        try:
            if len(text) > _MAX_FRAME_CHARS:
                raise AppError(CommonError.PAYLOAD_TOO_LARGE, "A frame holds at most 64 KiB")
            raw = _parse(text)
            ref = raw.get("id") if isinstance(raw.get("id"), str | int) else None
            if raw.get("v", frames.VERSION) != frames.VERSION:
                raise AppError(
                    RealtimeError.UNSUPPORTED_VERSION, f"This server speaks v{frames.VERSION}"
                )
            try:
                frame = frames.CLIENT_FRAME.validate_python(raw)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "frame"
                raise AppError(CommonError.VALIDATION_FAILED, f"{where}: {first['msg']}") from None
            await self._dispatch(frame)
        except AppError as exc:
            self.connection.send_nowait(OutFrame("error", frames.error_of(exc, ref)))
        except (ConnectionClosedError, WebSocketDisconnect):
            raise
        except Exception:
            log.exception("realtime frame failed")
            self.connection.send_nowait(OutFrame("error", frames.error(CommonError.INTERNAL)))

    async def _dispatch(self, frame: frames.ClientFrame) -> None:
        connection = self.connection
        if isinstance(frame, frames.Ping):
            connection.send_nowait(OutFrame("pong", frames.dump("pong", ref=frame.id)))
        elif isinstance(frame, frames.Pong):
            pass  # receiving it was the point: the idle timer restarts
        elif isinstance(frame, frames.Hello):
            raise AppError(RealtimeError.ALREADY_AUTHENTICATED)
        elif isinstance(frame, frames.Subscribe):
            access = await shielded(
                workspace_access(self.realtime.db, connection.principal, frame.workspace_id)
            )
            await catchup.subscribe(
                self.realtime,
                connection,
                access,
                frame.conversation_ids,
                frame.after,
                frame.id,
                frame.seqs,
            )
        elif isinstance(frame, frames.Unsubscribe):
            if not catchup.unsubscribe(self.realtime, connection, frame.workspace_id):
                raise AppError(RealtimeError.NOT_SUBSCRIBED)
            self._ack(frame.id)
        elif isinstance(frame, frames.Typing):
            await self._typing(frame)
            self._ack(frame.id)

    def _ack(self, ref: Any) -> None:
        if ref is not None:
            self.connection.send_nowait(OutFrame("ack", frames.dump("ack", ref=ref)))

    async def _typing(self, frame: frames.Typing) -> None:
        subscription = self.connection.subscriptions.get(frame.workspace_id)
        if subscription is None:
            raise AppError(RealtimeError.NOT_SUBSCRIBED)
        subscription.access.require(Permission.conversations_write)
        key = (frame.workspace_id, frame.conversation_id)
        if self._verified is None or key not in self._verified:
            await _require_conversation(self.realtime, *key)
            if self._verified is None:
                self._verified = set()
            if len(self._verified) < _VERIFIED_LIMIT:
                self._verified.add(key)
        actor = self.connection.principal.actor
        await self.realtime.bus.publish_ephemeral(
            {
                "workspace_id": str(frame.workspace_id),
                "conversation_id": str(frame.conversation_id),
                "origin": self.connection.id,
                "frame_type": "typing",
                "frame": frames.dump(
                    "typing",
                    workspace_id=str(frame.workspace_id),
                    conversation_id=str(frame.conversation_id),
                    actor={"type": actor.type.value, "id": str(actor.id)},
                    user_id=str(actor.user_id) if actor.user_id else None,
                    state=frame.state,
                ),
            }
        )


def _parse(text: str) -> dict[str, Any]:
    try:
        raw = json.loads(text)
    except ValueError:
        raise AppError(CommonError.MALFORMED_BODY, "A frame is one JSON object") from None
    if not isinstance(raw, dict):
        raise AppError(CommonError.MALFORMED_BODY, "A frame is one JSON object")
    return raw


async def _require_conversation(
    realtime: Realtime, workspace_id: uuid.UUID, conversation_id: uuid.UUID
) -> None:
    await shielded(
        get_in_workspace(realtime.db, Conversation, workspace_id, conversation_id, "conversation")
    )
