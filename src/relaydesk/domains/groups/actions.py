"""The only writers of groups, invite links and group memberships.

`note_group_txn` and `apply_group_event_txn` run inside the inbound worker's write
transaction; the `*_txn` admin writers run inside the API's, after the Bot API call succeeded.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.base import SystemEvent, SystemKind
from relaydesk.db import Database
from relaydesk.db.base import new_id, utcnow
from relaydesk.db.upsert import insert_ignore
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.groups.models import ChannelGroup, GroupMember, InviteLink

# Telegram ChatMember statuses → the bot's standing we keep (creator counts as admin).
_BOT_STATUS = {
    "creator": "administrator",
    "administrator": "administrator",
    "member": "member",
    "restricted": "member",
    "left": "left",
    "kicked": "kicked",
}
GONE = ("left", "kicked")
_HANDLED = frozenset(
    {
        SystemKind.members_joined,
        SystemKind.member_left,
        SystemKind.member_updated,
        SystemKind.bot_added,
        SystemKind.bot_removed,
    }
)


async def _group_by_key(
    s: AsyncSession, channel_id: uuid.UUID, chat_key: str
) -> ChannelGroup | None:
    return await s.scalar(
        select(ChannelGroup).where(
            ChannelGroup.channel_id == channel_id, ChannelGroup.chat_key == chat_key
        )
    )


async def note_group_txn(
    s: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    chat_key: str,
    title: str | None,
    kind: str | None,
    conversation_id: uuid.UUID | None,
) -> uuid.UUID:
    """Create or refresh the group of `chat_key`; its id. None keeps what is stored (a new
    group gets kind "group")."""
    title = title[:255] if title is not None else None
    now = utcnow()
    group = await _group_by_key(s, channel_id, chat_key)
    if group is None:
        # Insert-or-nothing: two workers seeing a new group at once must not collide.
        await insert_ignore(
            s,
            ChannelGroup,
            id=new_id(),
            workspace_id=workspace_id,
            channel_id=channel_id,
            chat_key=chat_key,
            title=title,
            kind=kind or "group",
            conversation_id=conversation_id,
            bot_status="member",
            created_at=now,
            updated_at=now,
        )
        group = await _group_by_key(s, channel_id, chat_key)
    assert group is not None
    changes: dict[str, Any] = {}
    if title is not None and group.title != title:
        changes["title"] = title
    if kind is not None and group.kind != kind:
        changes["kind"] = kind
    if conversation_id is not None and group.conversation_id != conversation_id:
        changes["conversation_id"] = conversation_id
    if changes:
        for name, value in changes.items():
            setattr(group, name, value)
        group.updated_at = now
    return group.id


async def apply_group_event_txn(
    s: AsyncSession,
    *,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    event: SystemEvent,
    member_contact_ids: Mapping[str, uuid.UUID],
    conversation_id: uuid.UUID | None,
) -> None:
    """Apply a group's system event: joins (with the invite link, when it is one of ours),
    leaves, the bot's own standing, a move to a supergroup. Events of private chats and
    members without a contact in `member_contact_ids` are ignored. Applying an event twice
    changes nothing more (a join arrives both as a service message and as a chat_member
    update)."""
    if event.kind is SystemKind.chat_migrated:
        await _migrate_txn(s, channel_id, event)
        return
    if event.kind not in _HANDLED:
        return
    chat_type = event.extra.get("chat_type")
    if chat_type == "private":
        return
    group_id = await note_group_txn(
        s,
        workspace_id=workspace_id,
        channel_id=channel_id,
        chat_key=event.chat_key,
        title=event.extra.get("chat_title"),
        kind=chat_type if chat_type in ("group", "supergroup") else None,
        conversation_id=conversation_id,
    )
    group = await s.get(ChannelGroup, group_id)
    assert group is not None
    if event.kind in (SystemKind.bot_added, SystemKind.bot_removed):
        default = "member" if event.kind is SystemKind.bot_added else "left"
        status = _BOT_STATUS.get(str(event.extra.get("status", default)), default)
        if group.bot_status != status:
            group.bot_status = status
            group.updated_at = utcnow()
        return
    contacts = [
        (m.external_id, member_contact_ids[m.external_id])
        for m in event.members
        if m.external_id in member_contact_ids
    ]
    if event.kind is SystemKind.members_joined:
        link_id = await _our_link_id(s, group.id, event.extra.get("invite_link"))
        status = "restricted" if event.extra.get("status") == "restricted" else "member"
        for _, contact_id in contacts:
            await _join_txn(s, group, contact_id, link_id, status, event.timestamp)
    elif event.kind is SystemKind.member_left:
        status = "kicked" if event.extra.get("status") == "kicked" else "left"
        for _, contact_id in contacts:
            await _leave_txn(s, group, contact_id, status, event.timestamp)
    else:  # member_updated: restricted, lifted, promoted without joining or leaving
        status = "restricted" if event.extra.get("status") == "restricted" else "member"
        for _, contact_id in contacts:
            member = await s.get(GroupMember, (group.id, contact_id))
            if member is None:
                await _join_txn(s, group, contact_id, None, status, event.timestamp)
            elif member.status != status:
                member.status, member.updated_at = status, utcnow()


async def _our_link_id(s: AsyncSession, group_id: uuid.UUID, url: Any) -> uuid.UUID | None:
    if not isinstance(url, str) or not url:
        return None
    return await s.scalar(
        select(InviteLink.id).where(InviteLink.group_id == group_id, InviteLink.url == url)
    )


async def _count_join_txn(s: AsyncSession, link_id: uuid.UUID | None) -> None:
    if link_id is not None:
        # In SQL, not read-modify-write: joins through one link may be applied concurrently.
        await s.execute(
            update(InviteLink)
            .where(InviteLink.id == link_id)
            .values(joined_count=InviteLink.joined_count + 1)
        )


async def _join_txn(
    s: AsyncSession,
    group: ChannelGroup,
    contact_id: uuid.UUID,
    link_id: uuid.UUID | None,
    status: str,
    at: datetime,
) -> None:
    now = utcnow()
    member = await s.get(GroupMember, (group.id, contact_id))
    if member is None:
        s.add(
            GroupMember(
                group_id=group.id,
                contact_id=contact_id,
                workspace_id=group.workspace_id,
                status=status,
                invite_link_id=link_id,
                joined_at=at,
                updated_at=now,
            )
        )
        await s.flush()
        await _count_join_txn(s, link_id)
        return
    if member.status in GONE:
        # A new join: the link of this join (if any) replaces the earlier one.
        member.status, member.invite_link_id = status, link_id
        member.joined_at, member.left_at, member.updated_at = at, None, now
        await _count_join_txn(s, link_id)
        return
    if link_id is not None and member.invite_link_id is None:
        # The same join seen again, now with its link (chat_member after the service message).
        member.invite_link_id, member.updated_at = link_id, now
        await _count_join_txn(s, link_id)
    if status == "restricted" and member.status != status:
        member.status, member.updated_at = status, now


async def _leave_txn(
    s: AsyncSession, group: ChannelGroup, contact_id: uuid.UUID, status: str, at: datetime
) -> None:
    now = utcnow()
    member = await s.get(GroupMember, (group.id, contact_id))
    if member is None:
        s.add(
            GroupMember(
                group_id=group.id,
                contact_id=contact_id,
                workspace_id=group.workspace_id,
                status=status,
                left_at=at,
                updated_at=now,
            )
        )
        return
    if member.status in GONE:
        # Already gone (e.g. removed through the API, then Telegram's own notice of it):
        # a plain "left" must not turn "kicked" back into "left".
        if status == "kicked" and member.status != status:
            member.status, member.updated_at = status, now
        return
    member.status, member.left_at, member.updated_at = status, at, now


async def _migrate_txn(s: AsyncSession, channel_id: uuid.UUID, event: SystemEvent) -> None:
    """The group moved to a supergroup: its row follows the new chat id. Both service
    messages of a migration come here; the second finds nothing left to move."""
    new_key = event.new_chat_key
    old = await _group_by_key(s, channel_id, event.chat_key)
    if old is None or not new_key or new_key == event.chat_key:
        return
    now = utcnow()
    new = await _group_by_key(s, channel_id, new_key)
    if new is None:
        old.chat_key, old.kind, old.updated_at = new_key, "supergroup", now
        return
    # The supergroup was already noted (a message there came first): fold the old row in.
    new.kind, new.updated_at = "supergroup", now
    if new.conversation_id is None:
        new.conversation_id = old.conversation_id
    if new.title is None:
        new.title = old.title
    taken = set(
        await s.scalars(select(GroupMember.contact_id).where(GroupMember.group_id == new.id))
    )
    await s.execute(update(InviteLink).where(InviteLink.group_id == old.id).values(group_id=new.id))
    await s.execute(
        update(GroupMember)
        .where(GroupMember.group_id == old.id, GroupMember.contact_id.not_in(taken))
        .values(group_id=new.id)
        .execution_options(synchronize_session=False)
    )
    await s.delete(old)


# -- admin actions (after Telegram accepted them) ---------------------------------------------


async def do_set_member_counts(
    db: Database, workspace_id: uuid.UUID, counts: Mapping[uuid.UUID, int]
) -> None:
    """Member counts as getChatMemberCount just reported them."""
    if not counts:
        return
    now = utcnow()
    async with db.write("set_group_member_counts") as s:
        for group_id, count in counts.items():
            await s.execute(
                update(ChannelGroup)
                .where(ChannelGroup.workspace_id == workspace_id, ChannelGroup.id == group_id)
                .values(member_count=count, updated_at=now)
            )


async def do_record_invite_link(
    db: Database, actor: Actor, group: ChannelGroup, link: Mapping[str, Any]
) -> InviteLink:
    """Store the ChatInviteLink that createChatInviteLink answered."""
    expire = link.get("expire_date")
    row = InviteLink(
        workspace_id=group.workspace_id,
        channel_id=group.channel_id,
        group_id=group.id,
        url=str(link["invite_link"]),
        name=link.get("name"),
        expire_at=datetime.fromtimestamp(int(expire), UTC) if expire else None,
        member_limit=link.get("member_limit"),
        revoked=bool(link.get("is_revoked", False)),
        joined_count=0,
    )
    async with db.write("record_invite_link") as s:
        s.add(row)
        await s.flush()
        record_txn(
            s,
            actor,
            "group.invite_link_created",
            workspace_id=group.workspace_id,
            target_type="channel_group",
            target_id=group.id,
            data={"invite_link_id": str(row.id), "name": row.name},
        )
    return row


async def _set_member_status_txn(
    s: AsyncSession, group: ChannelGroup, contact_id: uuid.UUID, status: str
) -> None:
    member = await s.get(GroupMember, (group.id, contact_id), with_for_update=True)
    if member is None:
        return
    now = utcnow()
    if status in GONE and member.status not in GONE:
        member.left_at = now
    member.status, member.updated_at = status, now


async def do_member_removed(
    db: Database,
    actor: Actor,
    group: ChannelGroup,
    contact_id: uuid.UUID,
    *,
    banned: bool,
    until: datetime | None,
) -> None:
    async with db.write("group_member_removed") as s:
        await _set_member_status_txn(s, group, contact_id, "kicked")
        record_txn(
            s,
            actor,
            "group.member_removed",
            workspace_id=group.workspace_id,
            target_type="channel_group",
            target_id=group.id,
            data={
                "contact_id": str(contact_id),
                "banned": banned,
                "until": until.isoformat() if until else None,
            },
        )


async def do_member_restricted(
    db: Database,
    actor: Actor,
    group: ChannelGroup,
    contact_id: uuid.UUID,
    *,
    permissions: Mapping[str, bool],
    until: datetime | None,
) -> str:
    """The member's new status: restricted, or member again when everything is allowed."""
    status = "member" if all(permissions.values()) else "restricted"
    async with db.write("group_member_restricted") as s:
        await _set_member_status_txn(s, group, contact_id, status)
        record_txn(
            s,
            actor,
            "group.member_restricted",
            workspace_id=group.workspace_id,
            target_type="channel_group",
            target_id=group.id,
            data={
                "contact_id": str(contact_id),
                "permissions": dict(permissions),
                "until": until.isoformat() if until else None,
            },
        )
    return status


async def do_announcement_pinned(
    db: Database, actor: Actor, group: ChannelGroup, external_id: str, *, pinned: bool
) -> None:
    """Recorded even when the pin failed: the announcement itself went out."""
    async with db.write("group_announcement") as s:
        record_txn(
            s,
            actor,
            "group.announcement_pinned" if pinned else "group.announcement_sent",
            workspace_id=group.workspace_id,
            target_type="channel_group",
            target_id=group.id,
            data={"external_id": external_id},
        )
