"""The outbound queue: the only writer of `outbound_queue` rows and of what a send's outcome
changes (the message's status and provider id, the channel's counters and health).

A queued message's job is added in the transaction that stores the message. Senders claim
due jobs in batches (a claim is a lease: a crashed sender's claims run out, and a restarted
process releases its own at once), send them, and record each batch's outcomes in small
transactions. Per conversation, jobs go in `seq` order: a job is claimed only when no
earlier job of its conversation is left outside the claim (waiting for a retry, or held by
another sender); a failed job leaves the queue and so releases the next.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.base import SystemEvent, SystemKind
from relaydesk.db import Database
from relaydesk.domains.actor import Actor
from relaydesk.domains.channels.health import record_outbound_txn, record_status_txn
from relaydesk.domains.channels.models import Channel, OutboundJob
from relaydesk.domains.channels.schemas import ChannelStatus
from relaydesk.domains.contacts.actions.channel_identities import do_move_identity_txn
from relaydesk.domains.contacts.models import ContactIdentity
from relaydesk.domains.conversations.actions.delivery import (
    do_apply_early_statuses_txn,
    do_apply_status_txn,
    lock_external_ids_txn,
)
from relaydesk.domains.conversations.models import Attachment, Conversation, Message
from relaydesk.domains.conversations.schemas import MessageOut, MessageStatus
from relaydesk.domains.groups.actions import apply_group_event_txn
from relaydesk.domains.groups.models import ChannelGroup

# Channel types whose replies leave through the queue (an API channel only with a URL).
PROVIDER_TYPES = frozenset({"telegram", "whatsapp_cloud"})
# Retryable failures in a row (of one message) after which the channel shows as degraded.
DEGRADED_AFTER = 3


def delivers(channel: Channel) -> bool:
    if channel.type == "api":
        return channel.outbound_url is not None
    return channel.type in PROVIDER_TYPES


def do_enqueue_txn(s: AsyncSession, message: Message) -> None:
    """Queue a stored outbound message (status `queued`) for its channel's sender."""
    s.add(
        OutboundJob(
            message_id=message.id,
            workspace_id=message.workspace_id,
            channel_id=message.channel_id,
            conversation_id=message.conversation_id,
            seq=message.seq,
            next_attempt_at=message.created_at,
        )
    )


# -- claims -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    message_id: uuid.UUID
    workspace_id: uuid.UUID
    channel_id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    attempts: int


def _free(now: datetime) -> Any:
    return or_(OutboundJob.claim_id.is_(None), OutboundJob.claimed_until < now)


async def release_claims(db: Database, prefix: str) -> int:
    """Give back every claim taken by an earlier run of this executor (it is dead now)."""
    async with db.write("outbound_release_claims") as s:
        result = await s.execute(
            update(OutboundJob)
            .where(OutboundJob.claim_id.like(f"{prefix}:%"))
            .values(claim_id=None, claimed_until=None)
        )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Due:
    """Channels with unclaimed jobs due now, and when the next later job falls due."""

    channels: list[uuid.UUID]
    next_at: datetime | None


async def due_channels(db: Database, now: datetime) -> Due:
    async with db.read("outbound_due") as s:
        rows = await s.execute(
            select(OutboundJob.channel_id, func.min(OutboundJob.next_attempt_at))
            .where(_free(now))
            .group_by(OutboundJob.channel_id)
        )
        due = [channel_id for channel_id, first in rows if first <= now]
        next_at = await s.scalar(
            select(func.min(OutboundJob.next_attempt_at)).where(
                OutboundJob.next_attempt_at > now, _free(now)
            )
        )
        claimed_until = await s.scalar(
            select(func.min(OutboundJob.claimed_until)).where(OutboundJob.claimed_until >= now)
        )
    # A claim that runs out makes its jobs due again.
    candidates = [t for t in (next_at, claimed_until) if t is not None]
    return Due(due, min(candidates) if candidates else None)


async def claim_batch(
    db: Database,
    channel_id: uuid.UUID,
    claim_id: str,
    *,
    limit: int,
    lease_seconds: float,
    now: datetime,
) -> list[Job]:
    """Claim up to `limit` due jobs of one channel, in order: by conversation, then seq."""
    async with db.write("outbound_claim") as s:
        # Claimers of one account take turns (PostgreSQL; SQLite writers take turns anyway),
        # so two of them never split one conversation between them.
        channel = await s.scalar(select(Channel).where(Channel.id == channel_id).with_for_update())
        if channel is None or not channel.enabled or channel.deleted_at is not None:
            return []
        rows = (
            await s.execute(
                select(
                    OutboundJob.message_id,
                    OutboundJob.workspace_id,
                    OutboundJob.conversation_id,
                    OutboundJob.seq,
                    OutboundJob.attempts,
                )
                .where(
                    OutboundJob.channel_id == channel_id,
                    OutboundJob.next_attempt_at <= now,
                    _free(now),
                )
                .order_by(OutboundJob.next_attempt_at, OutboundJob.seq)
                .limit(limit)
            )
        ).all()
        if not rows:
            return []
        taken = {r.message_id for r in rows}
        # The earliest job of each conversation that this claim would leave behind: only
        # jobs before it may go now.
        blockers = dict(
            (
                await s.execute(
                    select(OutboundJob.conversation_id, func.min(OutboundJob.seq))
                    .where(
                        OutboundJob.channel_id == channel_id,
                        OutboundJob.conversation_id.in_({r.conversation_id for r in rows}),
                        OutboundJob.message_id.not_in(taken),
                    )
                    .group_by(OutboundJob.conversation_id)
                )
            ).all()
        )
        chosen = [r for r in rows if r.seq < blockers.get(r.conversation_id, math.inf)]
        if not chosen:
            return []
        await s.execute(
            update(OutboundJob)
            .where(OutboundJob.message_id.in_([r.message_id for r in chosen]))
            .values(claim_id=claim_id, claimed_until=now + timedelta(seconds=lease_seconds))
        )
    chosen.sort(key=lambda r: (str(r.conversation_id), r.seq))
    return [
        Job(r.message_id, r.workspace_id, channel_id, r.conversation_id, r.seq, r.attempts)
        for r in chosen
    ]


# -- what a send needs ------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentRef:
    storage_key: str
    filename: str
    content_type: str


@dataclass(frozen=True)
class Outgoing:
    """One claimed job with everything its send needs, read in one transaction.
    `chat_key` is the provider's chat (the contact's id on the channel, or the group's)."""

    job: Job
    message: MessageOut
    chat_key: str | None
    group: bool = False
    reply_to: str | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    gone: str | None = None  # why it must not be sent (deleted, recalled, no longer queued)


async def load_outgoing(db: Database, jobs: Sequence[Job]) -> list[Outgoing]:
    """The jobs' sends, in the order given."""
    ids = [j.message_id for j in jobs]
    async with db.read("outbound_load") as s:
        messages = {m.id: m for m in await s.scalars(select(Message).where(Message.id.in_(ids)))}
        conversations = {j.conversation_id for j in jobs}
        contact_of = dict(
            (
                await s.execute(
                    select(Conversation.id, Conversation.contact_id).where(
                        Conversation.id.in_(conversations)
                    )
                )
            ).all()
        )
        groups = dict(
            (
                await s.execute(
                    select(ChannelGroup.conversation_id, ChannelGroup.chat_key).where(
                        ChannelGroup.conversation_id.in_(conversations)
                    )
                )
            ).all()
        )
        identities: dict[tuple[uuid.UUID, uuid.UUID], str] = {}
        for person, channel_id, external_id in await s.execute(
            select(
                ContactIdentity.contact_id, ContactIdentity.channel_id, ContactIdentity.external_id
            )
            .where(ContactIdentity.contact_id.in_(set(contact_of.values())))
            .order_by(ContactIdentity.created_at.desc())
        ):
            identities[(person, channel_id)] = external_id  # the oldest wins
        replied = {m.reply_to_message_id for m in messages.values() if m.reply_to_message_id}
        reply_ids = dict(
            (
                await s.execute(
                    select(Message.id, Message.external_id).where(Message.id.in_(replied))
                )
            ).all()
        )
        attachments: dict[uuid.UUID, list[AttachmentRef]] = {}
        for a in await s.scalars(
            select(Attachment).where(Attachment.message_id.in_(ids)).order_by(Attachment.created_at)
        ):
            assert a.message_id is not None
            ref = AttachmentRef(a.storage_key, a.filename, a.content_type)
            attachments.setdefault(a.message_id, []).append(ref)
    result = []
    for job in jobs:
        message = messages.get(job.message_id)
        if message is None:
            continue  # deleted with its conversation; the job went with it
        gone = None
        if message.recalled_at is not None:
            gone = "recalled"
        elif message.status != MessageStatus.queued.value:
            gone = "not_queued"
        group_key = groups.get(job.conversation_id)
        contact_id = contact_of.get(job.conversation_id)
        chat_key = group_key or (
            identities.get((contact_id, job.channel_id)) if contact_id else None
        )
        result.append(
            Outgoing(
                job=job,
                message=MessageOut.model_validate(message),
                chat_key=chat_key,
                group=group_key is not None,
                reply_to=reply_ids.get(message.reply_to_message_id)
                if message.reply_to_message_id
                else None,
                attachments=tuple(attachments.get(job.message_id, ())),
                gone=gone,
            )
        )
    return result


# -- outcomes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    message_id: uuid.UUID
    external_id: str | None


@dataclass(frozen=True)
class Retry:
    message_id: uuid.UUID
    reason: dict[str, Any]
    delay: float


@dataclass(frozen=True)
class Failed:
    message_id: uuid.UUID
    reason: dict[str, Any]
    contact_unreachable: bool = False


@dataclass(frozen=True)
class Release:
    """Not attempted (an earlier message of its conversation must go first): back to the
    queue as it was."""

    message_id: uuid.UUID


@dataclass(frozen=True)
class Dropped:
    """Must not be sent (recalled, or no longer queued): leaves the queue, status as it is."""

    message_id: uuid.UUID


@dataclass(frozen=True)
class ChatMoved:
    """The provider says the conversation's chat has a new id (a Telegram group became a
    supergroup): the group and its contact identity follow it. The message's own outcome
    comes separately (it was sent again to the new chat)."""

    message_id: uuid.UUID
    workspace_id: uuid.UUID
    conversation_id: uuid.UUID
    old_chat_key: str
    new_chat_key: str


Outcome = Sent | Retry | Failed | Release | Dropped | ChatMoved


@dataclass
class Recorded:
    sent: int = 0
    failed: int = 0
    retried: list[uuid.UUID] = field(default_factory=list)


async def record_outcomes(
    db: Database,
    channel_id: uuid.UUID,
    claim_id: str,
    outcomes: Sequence[Outcome],
    *,
    max_attempts: int,
    now: datetime,
    channel_status: tuple[ChannelStatus, str] | None = None,
) -> Recorded:
    """Apply one group of outcomes in one transaction."""
    actor = Actor.system()
    recorded = Recorded()
    ids = [o.message_id for o in outcomes]
    async with db.write("outbound_record") as s:
        if any(isinstance(o, Sent) and o.external_id for o in outcomes):
            await lock_external_ids_txn(s, channel_id)  # before the messages' row locks
        jobs = {
            j.message_id: j
            for j in await s.scalars(
                select(OutboundJob).where(
                    OutboundJob.message_id.in_(ids), OutboundJob.claim_id == claim_id
                )
            )
        }
        final = [o for o in outcomes if isinstance(o, Sent | Failed | Retry)]
        messages = {
            m.id: m
            for m in await s.scalars(
                select(Message)
                .where(Message.id.in_([o.message_id for o in final]))
                .with_for_update()
            )
        }
        wanted = {o.external_id for o in outcomes if isinstance(o, Sent) and o.external_id}
        taken = set(
            await s.scalars(
                select(Message.external_id).where(
                    Message.channel_id == channel_id, Message.external_id.in_(wanted)
                )
            )
        )
        done: list[uuid.UUID] = []
        unreachable: list[uuid.UUID] = []
        identified: list[Message] = []  # provider ids recorded now
        for outcome in outcomes:
            if isinstance(outcome, ChatMoved):
                await _move_chat_txn(s, channel_id, outcome, now)
                continue
            job = jobs.get(outcome.message_id)
            message = messages.get(outcome.message_id)
            if isinstance(outcome, Sent):
                # Applied even when the claim was lost: the provider has the message.
                if message is not None:
                    new_id = outcome.external_id
                    if new_id and new_id not in taken and message.external_id is None:
                        message.external_id = new_id
                        taken.add(new_id)
                        identified.append(message)
                    do_apply_status_txn(s, actor, message, MessageStatus.sent)
                    recorded.sent += 1
                done.append(outcome.message_id)
                continue
            if job is None:
                continue  # the claim ran out and another sender has it now
            if isinstance(outcome, Release):
                job.claim_id, job.claimed_until = None, None
            elif isinstance(outcome, Dropped):
                done.append(job.message_id)
            elif isinstance(outcome, Retry):
                job.attempts += 1
                if job.attempts >= max_attempts:
                    reason = {
                        **outcome.reason,
                        "code": "retries_exhausted",
                        "attempts": job.attempts,
                    }
                    if message is not None and do_apply_status_txn(
                        s, actor, message, MessageStatus.failed, reason
                    ):
                        recorded.failed += 1
                    done.append(job.message_id)
                else:
                    job.next_attempt_at = now + timedelta(seconds=outcome.delay)
                    job.last_error = outcome.reason
                    job.claim_id, job.claimed_until = None, None
                    recorded.retried.append(job.message_id)
                    if job.attempts >= DEGRADED_AFTER and channel_status is None:
                        channel_status = (
                            ChannelStatus.degraded,
                            str(outcome.reason.get("message") or outcome.reason.get("code")),
                        )
            else:  # Failed
                if message is not None and do_apply_status_txn(
                    s, actor, message, MessageStatus.failed, outcome.reason
                ):
                    recorded.failed += 1
                done.append(job.message_id)
                if outcome.contact_unreachable:
                    unreachable.append(job.conversation_id)
        await do_apply_early_statuses_txn(s, actor, channel_id, identified)
        if done:
            await s.execute(delete(OutboundJob).where(OutboundJob.message_id.in_(done)))
        if unreachable:
            await _mark_unreachable_txn(s, channel_id, unreachable, now)
        if recorded.sent or recorded.failed:
            await record_outbound_txn(
                s, channel_id, sent=recorded.sent, failed=recorded.failed, at=now
            )
        if channel_status is not None:
            await record_status_txn(s, channel_id, channel_status[0], now, channel_status[1])
    return recorded


async def _move_chat_txn(
    s: AsyncSession, channel_id: uuid.UUID, moved: ChatMoved, now: datetime
) -> None:
    """As the inbound migration notice does: the group's contact identity (so its one
    conversation) and the group's record move to the new chat id. Applying it again, or after
    the notice came in, changes nothing."""
    await do_move_identity_txn(s, channel_id, moved.old_chat_key, moved.new_chat_key)
    await apply_group_event_txn(
        s,
        workspace_id=moved.workspace_id,
        channel_id=channel_id,
        event=SystemEvent(
            SystemKind.chat_migrated, moved.old_chat_key, now, new_chat_key=moved.new_chat_key
        ),
        member_contact_ids={},
        conversation_id=moved.conversation_id,
    )


async def _mark_unreachable_txn(
    s: AsyncSession, channel_id: uuid.UUID, conversation_ids: list[uuid.UUID], now: datetime
) -> None:
    contacts = select(Conversation.contact_id).where(Conversation.id.in_(conversation_ids))
    await s.execute(
        update(ContactIdentity)
        .where(
            ContactIdentity.channel_id == channel_id,
            ContactIdentity.contact_id.in_(contacts),
            ContactIdentity.unreachable_at.is_(None),
        )
        .values(unreachable_at=now)
    )


async def channel_for_sending(db: Database, channel_id: uuid.UUID) -> Channel | None:
    async with db.read("outbound_channel") as s:
        return await s.scalar(select(Channel).where(Channel.id == channel_id))
