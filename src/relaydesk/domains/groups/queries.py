"""Reads of groups, invite links and members; every read names the workspace (foreign → 404)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.pagination import Page, page_of, paginate_desc
from relaydesk.db.scoped import list_in_workspace
from relaydesk.domains.contacts.models import Contact, ContactIdentity
from relaydesk.domains.groups.models import ChannelGroup, GroupMember, InviteLink
from relaydesk.domains.groups.schemas import MemberOut
from relaydesk.errors import not_found


async def get_group_txn(
    s: AsyncSession, workspace_id: uuid.UUID, channel_id: uuid.UUID, group_id: uuid.UUID
) -> ChannelGroup:
    group = await s.scalar(
        select(ChannelGroup).where(
            ChannelGroup.workspace_id == workspace_id,
            ChannelGroup.channel_id == channel_id,
            ChannelGroup.id == group_id,
        )
    )
    if group is None:
        raise not_found("group")
    return group


async def list_groups(
    db: Database, workspace_id: uuid.UUID, channel_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[ChannelGroup]:
    """Newest first."""
    return await list_in_workspace(
        db, ChannelGroup, workspace_id, cursor, limit, ChannelGroup.channel_id == channel_id
    )


async def list_invite_links(
    db: Database, workspace_id: uuid.UUID, group_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[InviteLink]:
    return await list_in_workspace(
        db, InviteLink, workspace_id, cursor, limit, InviteLink.group_id == group_id
    )


def _members_stmt(group: ChannelGroup) -> Any:
    return (
        select(GroupMember, Contact.name, ContactIdentity.external_id, InviteLink.name)
        .join(Contact, Contact.id == GroupMember.contact_id)
        .outerjoin(
            ContactIdentity,
            and_(
                ContactIdentity.contact_id == GroupMember.contact_id,
                ContactIdentity.channel_id == group.channel_id,
            ),
        )
        .outerjoin(InviteLink, InviteLink.id == GroupMember.invite_link_id)
        .where(GroupMember.group_id == group.id, GroupMember.workspace_id == group.workspace_id)
    )


def _member_out(row: Any) -> MemberOut:
    member, name, user_id, link_name = row
    return MemberOut(
        contact_id=member.contact_id,
        name=name,
        telegram_user_id=user_id,
        status=member.status,
        invite_link_id=member.invite_link_id,
        invite_link_name=link_name,
        joined_at=member.joined_at,
        left_at=member.left_at,
        updated_at=member.updated_at,
    )


async def list_members(
    db: Database, group: ChannelGroup, status: str | None, cursor: str | None, limit: int
) -> Page[MemberOut]:
    """Most recently changed first."""
    stmt = _members_stmt(group)
    if status is not None:
        stmt = stmt.where(GroupMember.status == status)
    stmt = paginate_desc(stmt, [GroupMember.updated_at, GroupMember.contact_id], cursor, limit)
    async with db.read("list_group_members") as s:
        rows = (await s.execute(stmt)).all()
    members = [_member_out(r) for r in rows]
    return page_of(members, limit, lambda m: (m.updated_at, m.contact_id))


async def member_txn(s: AsyncSession, group: ChannelGroup, contact_id: uuid.UUID) -> MemberOut:
    """One member with their Telegram user id; 404 when the contact is not in the group's
    records (a contact of another workspace included)."""
    row = (
        await s.execute(_members_stmt(group).where(GroupMember.contact_id == contact_id))
    ).first()
    if row is None:
        raise not_found("group member")
    return _member_out(row)
