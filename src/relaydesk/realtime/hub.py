"""The hub: delivers published events, in position order, to this process's subscriptions.

Events reach it from the bus (in-process, or Redis between processes), at most once each
per process: positions are dense, so the hub drops those it has delivered already and, on
seeing a gap (a lost Redis message, a publisher that died after commit), reads the missing
events back from the outbox before going on. A periodic check of the outbox's last
position catches a gap at the tail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from relaydesk.db import Database
from relaydesk.db.database import shielded
from relaydesk.events import queries
from relaydesk.events.published import PublishedEvent
from relaydesk.realtime.connection import Connection, Subscription
from relaydesk.realtime.delivery import Delivery, OutFrame

log = logging.getLogger(__name__)

_INBOX_BATCHES = 1000
_REPAIR_PAGE = 1000
_CHECK = None  # an inbox item asking the pump to compare with the outbox


class Hub:
    def __init__(self, db: Database, *, check_seconds: float) -> None:
        self._db = db
        self._check_seconds = check_seconds
        self.position = 0
        self._subscriptions: dict[uuid.UUID, set[Subscription]] = {}
        self._inbox: asyncio.Queue[list[PublishedEvent] | None] = asyncio.Queue(_INBOX_BATCHES)
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = False
        self._stopping = False

    async def start(self) -> None:
        self.position = await queries.max_position(self._db)
        self._tasks = [
            asyncio.create_task(self._tick(), name="relaydesk-hub-check"),
            asyncio.create_task(self._pump(), name="relaydesk-hub-pump"),
        ]

    async def stop(self) -> None:
        self._stopping = True
        tick, pump = self._tasks
        tick.cancel()
        if not self._busy:
            pump.cancel()  # idle on its inbox; a busy pump stops after its current item
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    # Registry -------------------------------------------------------------------------------

    def add(self, subscription: Subscription) -> None:
        self._subscriptions.setdefault(subscription.workspace_id, set()).add(subscription)

    def remove(self, subscription: Subscription) -> None:
        subscribers = self._subscriptions.get(subscription.workspace_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscriptions[subscription.workspace_id]

    def remove_connection(self, connection: Connection) -> None:
        for subscription in connection.subscriptions.values():
            self.remove(subscription)
        connection.subscriptions.clear()

    @property
    def connection_count(self) -> int:
        return len({s.connection for subs in self._subscriptions.values() for s in subs})

    # Input ----------------------------------------------------------------------------------

    def receive(self, events: list[PublishedEvent]) -> None:
        """Published events from the bus (any order, maybe repeated, maybe with gaps)."""
        try:
            self._inbox.put_nowait(events)
        except asyncio.QueueFull:
            # Dropped here, read back from the outbox by the next check.
            log.warning("realtime hub inbox full; %d events will be read back", len(events))

    def request_check(self) -> None:
        """Compare with the outbox soon (after a reconnect to the bus, for example)."""
        # A full inbox needs no more: the next tick asks again.
        with contextlib.suppress(asyncio.QueueFull):
            self._inbox.put_nowait(_CHECK)

    def receive_ephemeral(self, message: dict[str, Any]) -> None:
        """An ephemeral frame (typing) for one conversation's live subscribers; never stored."""
        try:
            workspace_id = uuid.UUID(message["workspace_id"])
            conversation_id = uuid.UUID(message["conversation_id"])
            frame = OutFrame(str(message["frame_type"]), str(message["frame"]))
            origin = str(message["origin"])
        except (KeyError, ValueError, TypeError):
            log.warning("ignoring a malformed ephemeral message")
            return
        for subscription in list(self._subscriptions.get(workspace_id, ())):
            live = subscription.buffer is None
            own = subscription.connection.id == origin
            if live and not own and subscription.follows(conversation_id):
                subscription.connection.send_nowait(frame)

    # Delivery -------------------------------------------------------------------------------

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._check_seconds)
            self.request_check()

    async def _pump(self) -> None:
        while not self._stopping:
            item = await self._inbox.get()
            self._busy = True
            try:
                if item is _CHECK:
                    await self._catch_up(await shielded(queries.max_position(self._db)))
                else:
                    await self._accept(item)
            except Exception:
                log.exception("realtime hub failed to deliver; will retry from the outbox")
            finally:
                self._busy = False

    async def _accept(self, events: list[PublishedEvent]) -> None:
        for event in sorted(events, key=lambda e: e.position):
            if event.position <= self.position:
                continue
            if event.position > self.position + 1:
                await self._catch_up(event.position - 1)
            self._deliver(event)

    async def _catch_up(self, upto: int) -> None:
        while self.position < upto:
            missing = await shielded(
                queries.events_between(self._db, self.position, upto, _REPAIR_PAGE)
            )
            for event in missing:
                self._deliver(event)
            if len(missing) < _REPAIR_PAGE:
                self.position = max(self.position, upto)  # the rest was pruned
                return

    def _deliver(self, event: PublishedEvent) -> None:
        # No await in here: a subscription sees each event whole, and in position order.
        self.position = event.position
        subscribers = self._subscriptions.get(event.workspace_id)
        if not subscribers:
            return
        delivery = Delivery.of(event)
        for subscription in list(subscribers):
            subscription.offer(delivery)
