"""One client connection (WebSocket or SSE): a bounded send queue and its subscriptions.

An idle connection is held by many thousands at once, so it is kept small: slots, no
queue object until a frame is waiting, and at most one future for the writer's wait (no
task per wait).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import replace

from relaydesk.api.deps import Principal
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.realtime.delivery import Delivery, OutFrame
from relaydesk.realtime.frames import CloseCode


class ConnectionClosedError(Exception):
    """The connection was closed (by the client, or by the server with a reason)."""


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Connection:
    __slots__ = (
        "_frames",
        "_limit",
        "_room",
        "_waiter",
        "close_code",
        "close_reason",
        "closed",
        "id",
        "principal",
        "subscriptions",
        "user_id",
    )

    def __init__(self, principal: Principal, queue_size: int) -> None:
        self.id = uuid.uuid4().hex
        self.user_id = principal.user.id if principal.user else None
        # Who it is and its sign-in are all an open connection needs: the ORM user is let go.
        self.principal = principal if principal.user is None else replace(principal, user=None)
        self.subscriptions: dict[uuid.UUID, Subscription] = {}
        self.closed = False
        self.close_code = CloseCode.NORMAL
        self.close_reason = ""
        self._limit = queue_size
        # Frames waiting to be written; None while there are none.
        self._frames: deque[OutFrame] | None = None
        # The writer waiting for a frame, and a catch-up waiting for room in the queue.
        self._waiter: asyncio.Future[None] | None = None
        self._room: asyncio.Future[None] | None = None

    def close(self, code: CloseCode, reason: str) -> None:
        if not self.closed:
            self.closed = True
            self.close_code, self.close_reason = code, reason
            for waiter in (self._waiter, self._room):
                if waiter is not None:
                    _release(waiter)

    def send_nowait(self, frame: OutFrame) -> None:
        """Queue a frame without waiting; a full queue means a slow consumer, who is dropped."""
        if self.closed:
            return
        frames = self._frames
        if frames is None:
            frames = self._frames = deque()
        elif len(frames) >= self._limit:
            self.close(CloseCode.SLOW_CONSUMER, "realtime.slow_consumer")
            return
        frames.append(frame)
        if self._waiter is not None:
            _release(self._waiter)

    async def send(self, frame: OutFrame, wait_seconds: float) -> None:
        """Queue a frame, waiting up to `wait_seconds` for room (back-pressure for catch-up).
        One sender at a time: the catch-up of the subscription being made."""
        await self.wait_for_room(1, wait_seconds)
        self.send_nowait(frame)

    def has_room(self, frames: int) -> bool:
        return len(self._frames or ()) + frames <= self._limit

    async def wait_for_room(self, frames: int, wait_seconds: float) -> None:
        """Wait until `frames` more fit in the queue; a client that does not read for
        `wait_seconds` is a slow consumer, and dropped."""
        if self.closed:
            raise ConnectionClosedError
        if self.has_room(frames):
            return
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(wait_seconds):
                while not self.closed and not self.has_room(frames):
                    self._room = loop.create_future()
                    await self._room
        except TimeoutError:
            self.close(CloseCode.SLOW_CONSUMER, "realtime.slow_consumer")
            raise ConnectionClosedError from None
        finally:
            self._room = None
        if self.closed:
            raise ConnectionClosedError

    async def next_frame(self, wait_seconds: float | None) -> OutFrame | None:
        """The next frame to send; None after `wait_seconds`; ConnectionClosedError once closed.
        One reader at a time: the connection's writer."""
        if self.closed:
            raise ConnectionClosedError
        if not self._frames:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = None
            if wait_seconds is not None:
                timer = loop.call_later(wait_seconds, _release, waiter)
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
            if self.closed:
                raise ConnectionClosedError
            if not self._frames:
                return None
        frames = self._frames
        assert frames is not None
        frame = frames.popleft()
        if not frames:
            self._frames = None  # an idle connection holds no queue
        if self._room is not None:
            _release(self._room)
        return frame


class Subscription:
    """A connection's interest in one workspace: its inbox, or some of its conversations.

    While `buffer` is a list the subscription is catching up: the hub parks live events
    there, and the catch-up drops those it has already replayed. `seqs` holds, for the
    conversations a client resumed by seq, the last seq it has (sent or given): a
    `message.created` at or below it is not sent again.
    """

    __slots__ = (
        "_buffer_limit",
        "access",
        "buffer",
        "connection",
        "conversation_ids",
        "last_position",
        "overflowed",
        "seqs",
        "workspace_id",
    )

    def __init__(
        self,
        connection: Connection,
        access: WorkspaceAccess,
        conversation_ids: Iterable[uuid.UUID] | None,
        buffer_limit: int,
    ) -> None:
        self.connection = connection
        self.access = access
        self.workspace_id = access.workspace_id
        self.conversation_ids = None if conversation_ids is None else frozenset(conversation_ids)
        self.last_position = 0
        self.buffer: list[Delivery] | None = None
        self.overflowed = False
        self.seqs: Mapping[uuid.UUID, int] | None = None
        self._buffer_limit = buffer_limit

    def wants(self, delivery: Delivery) -> bool:
        if delivery.user_id is not None and delivery.user_id != self.connection.user_id:
            return False
        if not self.follows(delivery.conversation_id):
            return False
        if delivery.seq is not None and self.seqs and delivery.conversation_id is not None:
            # Already replayed by seq (or held by the client): never twice.
            return delivery.seq > self.seqs.get(delivery.conversation_id, -1)
        return True

    def follows(self, conversation_id: uuid.UUID | None) -> bool:
        return self.conversation_ids is None or conversation_id in self.conversation_ids

    def offer(self, delivery: Delivery) -> None:
        """Called by the hub for every live event of the workspace, in position order."""
        if self.buffer is not None:
            if len(self.buffer) < self._buffer_limit:
                self.buffer.append(delivery)
            else:
                # The catch-up re-reads from the outbox instead of holding more in memory.
                self.overflowed = True
            return
        if delivery.position <= self.last_position:
            return
        self.last_position = delivery.position
        if self.wants(delivery):
            self.connection.send_nowait(delivery.frame)

    def go_live(self, replayed_upto: int, hub_position: int) -> int:
        """End the catch-up: flush buffered events past the replay; returns the position."""
        buffered, self.buffer = self.buffer or [], None
        self.last_position = replayed_upto
        for delivery in buffered:
            self.offer(delivery)
        self.last_position = max(self.last_position, hub_position)
        return self.last_position
