"""The publisher: gives committed outbox rows their positions, then hands them on.

One publisher at a time positions rows, across every process sharing the database: on
SQLite the write transaction (BEGIN IMMEDIATE) already excludes every other writer, on
PostgreSQL an advisory lock held until commit does. Positions are therefore dense and
become visible in order, which ids cannot promise: on PostgreSQL a transaction that took an
id early may commit late.

It runs after each committed write that emitted events (a commit listener wakes it), polls
at `outbox_poll_seconds` as a safety net, and at start-up positions whatever a crash left
unpublished. On SQLite a write transaction positions its own events (`events/outbox.py`);
the publisher only hands those on, in commit order. Handing on happens after the positions
are committed; a sink that fails loses nothing, because the hub repairs gaps from the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.database import shielded
from relaydesk.events.models import OutboxEvent
from relaydesk.events.outbox import OUTBOX_WRITTEN, PUBLISHED
from relaydesk.events.published import PublishedEvent

log = logging.getLogger(__name__)

Sink = Callable[[list[PublishedEvent]], Awaitable[None]]

# pg_advisory_xact_lock key: "relaydesk outbox" in a 64-bit integer, fixed forever.
_ADVISORY_KEY = 0x52445F4F5554424F
_RETRY_SECONDS = 1.0


async def position_pending(db: Database, batch_size: int) -> list[PublishedEvent]:
    """Give the oldest unpublished rows the next positions; returns them, in position order."""
    async with db.write("publish_outbox") as s:
        if not db.is_sqlite:
            await s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
        rows = (
            await s.execute(
                select(OutboxEvent.id, *PublishedEvent.COLUMNS)
                .where(OutboxEvent.published_at.is_(None))  # ix_outbox_events_unpublished
                .order_by(OutboxEvent.id)
                .limit(batch_size)
            )
        ).all()
        if not rows:
            return []
        last = await _last_position_txn(s)
        now = utcnow()
        events = [PublishedEvent(last + n, *row[1:]) for n, row in enumerate(rows, start=1)]
        # Plain rows and one bulk UPDATE by id: loading ORM objects costs more than the work.
        await s.execute(
            update(OutboxEvent),
            [
                {"id": row[0], "position": event.position, "published_at": now}
                for row, event in zip(rows, events, strict=True)
            ],
        )
    return events


async def _last_position_txn(s: AsyncSession) -> int:
    return int(await s.scalar(select(func.max(OutboxEvent.position))) or 0)


class Publisher:
    def __init__(self, db: Database, sink: Sink, *, poll_seconds: float, batch_size: int) -> None:
        self._db = db
        self._sink = sink
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        # Positioned in their own transaction (SQLite): handed on in commit order.
        self._ready: list[list[PublishedEvent]] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._unpositioned = True  # at start-up, whatever a crash left behind

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._db.add_commit_listener(self._on_commit)
        self._task = asyncio.create_task(self._run(), name="relaydesk-outbox-publisher")

    async def stop(self) -> None:
        """Finish the round in progress (never cut a transaction short), then stop."""
        self._db.remove_commit_listener(self._on_commit)
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    def _on_commit(self, session: AsyncSession) -> None:
        published = session.info.pop(PUBLISHED, None)
        if published:
            self._ready.append(published)
            self._wake.set()
        elif session.info.get(OUTBOX_WRITTEN):
            self._unpositioned = True
            self._wake.set()

    async def _hand_on(self, events: list[PublishedEvent]) -> None:
        try:
            await self._sink(events)
        except Exception:
            # Positions are committed: the hub will read these back from the outbox.
            log.exception("handing %d published events on failed", len(events))

    async def publish_pending(self) -> int:
        """Position and hand on one batch; returns how many rows it published."""
        events = await shielded(position_pending(self._db, self._batch_size))
        if events:
            await self._hand_on(events)
        return len(events)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            while self._ready:
                ready, self._ready = self._ready, []
                await self._hand_on([e for events in ready for e in events])
            if self._unpositioned:
                self._unpositioned = False
                try:
                    published = await self.publish_pending()
                except Exception:
                    log.exception("publishing the outbox failed; retrying")
                    self._unpositioned = True
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), _RETRY_SECONDS)
                    continue
                if published >= self._batch_size:
                    self._unpositioned = True
                    continue  # more may be waiting: drain before sleeping
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            except TimeoutError:
                self._unpositioned = True  # the safety net: look for rows nobody announced
