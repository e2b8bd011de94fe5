"""Inbound events of one channel → domain calls, inside the inbox worker's transaction.

Set-based: a batch's messages (and callbacks, and the system messages of a group) are stored
with one ingest call, its edits, reactions and statuses with one call each. Events that change
who a contact is (a group migrating, a user blocking the bot) are applied in their place in
the stream, after everything before them, so a message in a new supergroup that follows its
migration lands in the same conversation. Group messages and group system events are
recorded with the groups domain (groups, members, invite-link attribution) in the same
transaction.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.base import (
    CallbackEvent,
    CallbackKind,
    ChatKind,
    InboundEdit,
    InboundEvent,
    InboundMessage,
    InboundStatus,
    MediaRef,
    Reaction,
    Sender,
    SystemEvent,
    SystemKind,
    Unparseable,
)
from relaydesk.channels.registry import ADAPTERS
from relaydesk.domains.actor import Actor
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.contacts.actions import do_resolve_identities_txn
from relaydesk.domains.contacts.actions.channel_identities import (
    do_move_identity_txn,
    do_set_reachable_txn,
)
from relaydesk.domains.contacts.schemas import ContactRef
from relaydesk.domains.conversations.actions.inbound_events import (
    InboundEditIn,
    ReactionIn,
    StatusIn,
    do_apply_channel_statuses_txn,
    do_apply_inbound_edits_txn,
    do_apply_reactions_txn,
    do_infer_read_txn,
)
from relaydesk.domains.conversations.actions.ingest import (
    ChannelInbound,
    do_ingest_channel_messages_txn,
)
from relaydesk.domains.conversations.schemas import MEDIA_TYPES, MessageType, SenderType
from relaydesk.domains.groups.actions import apply_group_event_txn, note_group_txn

_MAX_NAME = 200
# System events that become messages in the conversation, in stream order with the others.
_AS_MESSAGES = frozenset(
    {SystemKind.members_joined, SystemKind.member_left, SystemKind.identity_changed}
)
# Events that change who a contact is: applied in their place in the stream.
_IDENTITY_MOVES = frozenset(
    {SystemKind.chat_migrated, SystemKind.contact_unreachable, SystemKind.contact_reachable}
)
# Parser notes about the chat, kept by the groups domain rather than in each message.
_CHAT_EXTRA = ("chat_type", "chat_title")


@dataclass
class FollowUps:
    """Work for after the commit: provider calls never run inside a transaction."""

    # (channel id, message id, provider file) to download into attachment storage.
    downloads: list[tuple[uuid.UUID, uuid.UUID, MediaRef]] = field(default_factory=list)
    # (channel id, Telegram callback query id) to answer; only those stored the first time.
    callbacks: list[tuple[uuid.UUID, str]] = field(default_factory=list)

    def extend(self, other: FollowUps) -> None:
        self.downloads.extend(other.downloads)
        self.callbacks.extend(other.callbacks)


def contact_ref(sender: Sender) -> ContactRef:
    name = sender.name or (f"@{sender.username}" if sender.username else None)
    name = name[:_MAX_NAME] if name else None
    try:
        return ContactRef(external_id=sender.external_id, name=name, phone=sender.phone)
    except ValidationError:
        # A phone number the provider sent but we cannot read as E.164: keep the rest.
        return ContactRef(external_id=sender.external_id, name=name)


def _group_ref(chat_key: str, title: str | None) -> ContactRef:
    return ContactRef(external_id=chat_key, name=(title or f"Group {chat_key}")[:_MAX_NAME])


def _people(senders: Sequence[Sender]) -> list[dict[str, Any]]:
    return [{"external_id": p.external_id, "name": p.name, "username": p.username} for p in senders]


def _message_item(event: InboundMessage) -> ChannelInbound:
    payload: dict[str, Any] = {}
    if event.type in MEDIA_TYPES:
        # Downloaded after commit; until then (or if that fails) the reference is kept.
        payload = {"attachments": [], "media": [dataclasses.asdict(m) for m in event.media]}
    elif event.type is MessageType.location and event.location is not None:
        payload = event.location.model_dump(mode="json")
    if event.provider_type != event.type.value:
        payload["provider_type"] = event.provider_type
    extra = {k: v for k, v in event.extra.items() if k not in _CHAT_EXTRA}
    if extra:
        payload["extra"] = extra
    group = event.chat_kind is ChatKind.group
    return ChannelInbound(
        external_id=event.external_id,
        contact=_group_ref(event.chat_key, event.chat_title)
        if group
        else contact_ref(event.sender),
        member=contact_ref(event.sender) if group else None,
        type=event.type,
        text=event.text,
        payload=payload,
        reply_to=event.reply_to,
    )


def _callback_item(event: CallbackEvent) -> ChannelInbound:
    # A press in a group chat names the group as its chat; in a private chat, the presser.
    group = event.chat_key != event.sender.external_id
    return ChannelInbound(
        external_id=event.external_id,
        contact=_group_ref(event.chat_key, None) if group else contact_ref(event.sender),
        member=contact_ref(event.sender) if group else None,
        type=MessageType.text,
        text=event.title or event.data,
        payload={"callback": {"kind": event.kind.value, "data": event.data, "title": event.title}},
        reply_to=event.reply_to,
    )


def _system_text(event: SystemEvent) -> str:
    names = ", ".join(p.name or p.username or p.external_id for p in event.members)
    if event.kind is SystemKind.members_joined:
        return f"{names} joined"
    if event.kind is SystemKind.member_left:
        return f"{names} left"
    return event.text or "The contact changed their phone number"


def _system_item(event: SystemEvent) -> ChannelInbound:
    assert event.external_id is not None  # only service messages become messages
    external_id = event.external_id
    if event.kind is SystemKind.identity_changed and event.actor is not None:
        contact = contact_ref(event.actor)
    else:
        contact = _group_ref(event.chat_key, None)
    payload: dict[str, Any] = {"event": event.kind.value, "members": _people(event.members)}
    if event.actor is not None:
        payload["actor"] = _people([event.actor])[0]
    extra = {k: v for k, v in event.extra.items() if k not in _CHAT_EXTRA}
    if extra:
        payload["extra"] = extra
    return ChannelInbound(
        external_id=external_id,
        contact=contact,
        type=MessageType.system,
        text=_system_text(event),
        payload=payload,
        sender_type=SenderType.system,
    )


def _error_of(event: InboundStatus) -> dict[str, Any] | None:
    if event.error is None:
        return None
    return {
        "code": event.error.code,
        "title": event.error.title,
        "details": event.error.details,
        "kind": event.error.kind.value,
    }


def _infers_read(channel: Channel) -> bool:
    adapter = ADAPTERS.get(channel.type)
    return adapter is not None and adapter.infers_read_on_reply


class _Run:
    """Events of one channel accumulated between two ordering points."""

    def __init__(self) -> None:
        self.items: list[ChannelInbound] = []
        self.sources: list[InboundMessage | CallbackEvent | SystemEvent] = []
        self.edits: list[InboundEditIn] = []
        self.reactions: list[ReactionIn] = []
        self.group_events: list[SystemEvent] = []

    async def flush(
        self, s: AsyncSession, actor: Actor, channel: Channel, now: datetime
    ) -> FollowUps:
        follow = FollowUps()
        threads: dict[str, uuid.UUID] = {}  # chat key → its conversation, as seen here
        groups: dict[str, InboundMessage] = {}
        replies: dict[uuid.UUID, int] = {}  # conversation → seq of the contact's latest reply
        if self.items:
            results = await do_ingest_channel_messages_txn(
                s, actor, channel.workspace_id, channel.id, self.items, now
            )
            for result, source in zip(results, self.sources, strict=True):
                threads[source.chat_key] = result.conversation_id
                if isinstance(source, InboundMessage) and source.chat_kind is ChatKind.group:
                    groups[source.chat_key] = source
                if result.duplicate:
                    continue
                if isinstance(source, InboundMessage) and source.chat_kind is ChatKind.private:
                    replies[result.conversation_id] = max(
                        result.seq, replies.get(result.conversation_id, 0)
                    )
                if isinstance(source, InboundMessage):
                    follow.downloads.extend(
                        (channel.id, result.message_id, m) for m in source.media
                    )
                elif (
                    isinstance(source, CallbackEvent) and source.kind is CallbackKind.callback_query
                ):
                    follow.callbacks.append((channel.id, source.external_id))
        if _infers_read(channel):
            # In a group, one member writing says nothing of what the others have read.
            await do_infer_read_txn(s, actor, replies)
        # Edits and reactions after the messages they may refer to.
        await do_apply_inbound_edits_txn(s, actor, channel.id, self.edits)
        await do_apply_reactions_txn(s, actor, channel.id, self.reactions)
        for chat_key, message in groups.items():
            await note_group_txn(
                s,
                workspace_id=channel.workspace_id,
                channel_id=channel.id,
                chat_key=chat_key,
                title=message.chat_title,
                kind=message.extra.get("chat_type"),
                conversation_id=threads[chat_key],
            )
        for event in self.group_events:
            await _apply_group_event_txn(s, actor, channel, event, threads.get(event.chat_key), now)
        return follow


async def _apply_group_event_txn(
    s: AsyncSession,
    actor: Actor,
    channel: Channel,
    event: SystemEvent,
    conversation_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """Record a group's system event with the groups domain (members, the bot's standing,
    invite-link attribution, migrations); its members become contacts first."""
    members: dict[str, uuid.UUID] = {}
    if event.members:
        refs = [contact_ref(m) for m in event.members]
        contacts = await do_resolve_identities_txn(
            s, actor, channel.workspace_id, channel.id, refs, now
        )
        members = {key: contact.id for key, contact in contacts.items()}
    await apply_group_event_txn(
        s,
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
        event=event,
        member_contact_ids=members,
        conversation_id=conversation_id,
    )


async def apply_events_txn(
    s: AsyncSession,
    actor: Actor,
    channel: Channel,
    events: Sequence[InboundEvent],
    now: datetime,
) -> FollowUps:
    """Apply one channel's parsed events (in arrival order; `Unparseable` ones are the
    caller's). The same events applied twice store nothing twice."""
    follow = FollowUps()
    run = _Run()
    statuses: list[StatusIn] = []
    for event in events:
        if isinstance(event, InboundMessage):
            run.items.append(_message_item(event))
            run.sources.append(event)
        elif isinstance(event, CallbackEvent):
            run.items.append(_callback_item(event))
            run.sources.append(event)
        elif isinstance(event, InboundEdit):
            run.edits.append(InboundEditIn(event.external_id, event.text, event.timestamp))
        elif isinstance(event, Reaction):
            run.reactions.append(
                ReactionIn(
                    event.target_external_id, event.sender.external_id, event.emoji, event.timestamp
                )
            )
        elif isinstance(event, InboundStatus):
            statuses.append(StatusIn(event.external_id, event.status, _error_of(event)))
        elif isinstance(event, SystemEvent):
            if event.kind in _IDENTITY_MOVES:
                # Everything before it first, so later events see the contact where it moved.
                follow.extend(await run.flush(s, actor, channel, now))
                run = _Run()
                await _apply_identity_event_txn(s, channel, event)
                if event.kind is SystemKind.chat_migrated:
                    await _apply_group_event_txn(s, actor, channel, event, None, now)
                continue
            # Service messages (with an id) show in the thread; a chat_member update that
            # repeats a join, or the bot's own standing, only updates the group's record.
            if event.kind in _AS_MESSAGES and event.external_id is not None:
                run.items.append(_system_item(event))
                run.sources.append(event)
            run.group_events.append(event)
        elif isinstance(event, Unparseable):
            raise TypeError("Unparseable events go to the dead letters, not here")
    follow.extend(await run.flush(s, actor, channel, now))
    await do_apply_channel_statuses_txn(s, actor, channel.id, statuses)
    return follow


async def _apply_identity_event_txn(s: AsyncSession, channel: Channel, event: SystemEvent) -> None:
    if event.kind in (SystemKind.contact_unreachable, SystemKind.contact_reachable):
        reachable = event.kind is SystemKind.contact_reachable
        await do_set_reachable_txn(s, channel.id, event.chat_key, reachable, event.timestamp)
    elif event.kind is SystemKind.chat_migrated and event.new_chat_key:
        # The group's contact (and so its one conversation) follows the group to its new id.
        await do_move_identity_txn(s, channel.id, event.chat_key, event.new_chat_key)
