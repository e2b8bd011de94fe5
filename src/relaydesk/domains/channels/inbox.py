"""The inbound inbox: raw webhook bodies stored before the provider gets its 200, processed
later in batches; what cannot be processed goes to the dead letters, where admins replay it.

The only writers of `channel_inbox` and `channel_dead_letters` (and of a polling channel's
`poll_offset`, which moves in the transaction that stores the updates it confirms).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.group_commit import GroupCommit
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.channels.models import Channel, DeadLetter, InboxPayload
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission

# Set on a write session that stored inbox payloads, so the inbox worker wakes after commit.
INBOX_STORED = "relaydesk_inbox_stored"
PENDING, DONE, DEAD = "pending", "done", "dead"
_MAX_REASON = 1000


@dataclass(frozen=True)
class Incoming:
    workspace_id: uuid.UUID
    channel_id: uuid.UUID
    body: bytes


def do_store_payloads_txn(s: AsyncSession, items: Sequence[Incoming], now: datetime) -> None:
    s.add_all(
        [
            InboxPayload(
                id=uuid.uuid4(),
                workspace_id=i.workspace_id,
                channel_id=i.channel_id,
                body=i.body,
                state=PENDING,
                attempts=0,
                created_at=now,
            )
            for i in items
        ]
    )
    s.info[INBOX_STORED] = True


async def store_payloads(db: Database, items: Sequence[Incoming]) -> None:
    """Store verified webhook bodies, all in one transaction."""
    async with db.write("inbox_store") as s:
        do_store_payloads_txn(s, items, utcnow())


class InboxWriter:
    """Webhook bodies that arrive together share one insert transaction (group commit), so a
    burst of deliveries costs one commit per round, not one per request."""

    def __init__(self, db: Database, max_batch: int = 500) -> None:
        self._db = db
        self._group: GroupCommit[str, Incoming, None] = GroupCommit(self._run, max_batch)

    async def store(self, item: Incoming) -> None:
        await self._group.submit("inbox", item)

    async def _run(self, _key: str, items: list[Incoming]) -> list[None]:
        await store_payloads(self._db, items)
        return [None] * len(items)


async def store_polled_updates(
    db: Database, channel: Channel, body: bytes, next_offset: int
) -> None:
    """Updates fetched with getUpdates, and the offset that confirms them, in one transaction:
    after a crash either both are stored or neither, so no update is lost or taken twice."""
    async with db.write("inbox_store_polled") as s:
        do_store_payloads_txn(s, [Incoming(channel.workspace_id, channel.id, body)], utcnow())
        await s.execute(
            update(Channel)
            .where(
                Channel.id == channel.id,
                (Channel.poll_offset.is_(None)) | (Channel.poll_offset < next_offset),
            )
            .values(poll_offset=next_offset)
        )


async def claim_pending_txn(
    s: AsyncSession, limit: int, ids: Sequence[uuid.UUID] | None = None
) -> list[InboxPayload]:
    """Up to `limit` pending payloads, oldest first, locked for this transaction. On
    PostgreSQL rows another worker holds are skipped (several processes share the inbox);
    SQLite's single writer makes the lock the transaction itself."""
    stmt = select(InboxPayload).where(InboxPayload.state == PENDING)
    if ids is not None:
        stmt = stmt.where(InboxPayload.id.in_(ids))
    stmt = stmt.order_by(InboxPayload.created_at, InboxPayload.id).limit(limit)
    if s.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(skip_locked=True)
    return list((await s.scalars(stmt)).all())


def do_mark_done_txn(payloads: Sequence[InboxPayload], now: datetime) -> None:
    for payload in payloads:
        payload.state = DONE
        payload.processed_at = now


def do_dead_letter_txn(
    s: AsyncSession,
    payload: InboxPayload,
    reason: str,
    item: Any | None,
    now: datetime,
) -> None:
    """Keep what could not be processed: the whole raw body and the failing item."""
    s.add(
        DeadLetter(
            id=uuid.uuid4(),
            workspace_id=payload.workspace_id,
            channel_id=payload.channel_id,
            inbox_id=payload.id,
            reason=reason[:_MAX_REASON],
            body=payload.body,
            item=item,
            replay_count=0,
            created_at=now,
        )
    )


async def note_failure(db: Database, payload_id: uuid.UUID, reason: str, max_attempts: int) -> bool:
    """Processing `payload_id` raised: count the attempt, and after `max_attempts` move the
    payload to the dead letters. True when it went there."""
    now = utcnow()
    async with db.write("inbox_failure") as s:
        payload = await s.scalar(
            select(InboxPayload)
            .where(InboxPayload.id == payload_id, InboxPayload.state == PENDING)
            .with_for_update()
        )
        if payload is None:
            return False  # processed or dead-lettered meanwhile
        payload.attempts += 1
        if payload.attempts < max_attempts:
            return False
        payload.state = DEAD
        payload.processed_at = now
        do_dead_letter_txn(
            s, payload, f"processing failed {payload.attempts} times: {reason}", None, now
        )
        return True


async def pending_count(db: Database) -> int:
    async with db.read("inbox_pending_count") as s:
        return int(await s.scalar(select(func.count()).where(InboxPayload.state == PENDING)) or 0)


async def replay_dead_letter(
    db: Database, actor: Actor, workspace_id: uuid.UUID, dead_letter_id: uuid.UUID
) -> DeadLetter:
    """Queue the dead letter's raw body again; it is processed like a new delivery (messages
    already stored stay single: external ids are idempotent)."""
    now = utcnow()
    async with db.write("replay_dead_letter") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        letter = await get_in_workspace_txn(
            s, DeadLetter, workspace_id, dead_letter_id, "dead letter", lock=True
        )
        do_store_payloads_txn(s, [Incoming(workspace_id, letter.channel_id, letter.body)], now)
        letter.replay_count += 1
        letter.replayed_at = now
        record_txn(
            s,
            actor,
            "channel.dead_letter_replayed",
            workspace_id=workspace_id,
            target_type="dead_letter",
            target_id=letter.id,
            data={"channel_id": str(letter.channel_id), "replay_count": letter.replay_count},
        )
        await s.flush()
        return letter
