"""One client connection (WebSocket or SSE): a bounded send queue and its subscriptions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable

from relaydesk.api.deps import Principal
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.realtime.delivery import Delivery, OutFrame
from relaydesk.realtime.frames import CloseCode


class ConnectionClosedError(Exception):
    """The connection was closed (by the client, or by the server with a reason)."""


class Connection:
    def __init__(self, principal: Principal, queue_size: int) -> None:
        self.id = uuid.uuid4().hex
        self.principal = principal
        self.user_id = principal.user.id if principal.user else None
        self.subscriptions: dict[uuid.UUID, Subscription] = {}
        self._queue: asyncio.Queue[OutFrame] = asyncio.Queue(queue_size)
        self.closed = asyncio.Event()
        self.close_code = CloseCode.NORMAL
        self.close_reason = ""

    def close(self, code: CloseCode, reason: str) -> None:
        if not self.closed.is_set():
            self.close_code, self.close_reason = code, reason
            self.closed.set()

    def send_nowait(self, frame: OutFrame) -> None:
        """Queue a frame without waiting; a full queue means a slow consumer, who is dropped."""
        if self.closed.is_set():
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.close(CloseCode.SLOW_CONSUMER, "realtime.slow_consumer")

    async def send(self, frame: OutFrame, wait_seconds: float) -> None:
        """Queue a frame, waiting up to `wait_seconds` for room (back-pressure for catch-up)."""
        if self.closed.is_set():
            raise ConnectionClosedError
        try:
            await asyncio.wait_for(self._queue.put(frame), wait_seconds)
        except TimeoutError:
            self.close(CloseCode.SLOW_CONSUMER, "realtime.slow_consumer")
            raise ConnectionClosedError from None

    async def next_frame(self, wait_seconds: float | None) -> OutFrame | None:
        """The next frame to send; None after `wait_seconds`; ConnectionClosedError once closed."""
        if self.closed.is_set():
            raise ConnectionClosedError
        if not self._queue.empty():
            return self._queue.get_nowait()
        getter = asyncio.ensure_future(self._queue.get())
        closing = asyncio.ensure_future(self.closed.wait())
        try:
            done, _ = await asyncio.wait(
                {getter, closing}, timeout=wait_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            closing.cancel()
            if not getter.done():
                getter.cancel()
        if getter in done:
            return getter.result()
        if closing in done or self.closed.is_set():
            raise ConnectionClosedError
        return None


class Subscription:
    """A connection's interest in one workspace: its inbox, or some of its conversations.

    While `buffer` is a list the subscription is catching up: the hub parks live events
    there, and the catch-up drops those it has already replayed.
    """

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
        self._buffer_limit = buffer_limit

    def wants(self, delivery: Delivery) -> bool:
        if delivery.user_id is not None and delivery.user_id != self.connection.user_id:
            return False
        return self.follows(delivery.conversation_id)

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
