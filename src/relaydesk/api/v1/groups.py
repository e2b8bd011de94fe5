"""The groups a Telegram channel's bot is in: listing, invite links, members, moderation."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status

from relaydesk.api.deps import PAGE_SIZE, Cursor, DbDep, Limit, ReadAccess, workspace_access
from relaydesk.api.v1.pages import PageOut
from relaydesk.domains.channels.queries import get_channel
from relaydesk.domains.groups import admin, queries
from relaydesk.domains.groups.schemas import (
    GroupOut,
    InviteLinkIn,
    InviteLinkOut,
    MemberOut,
    PinIn,
    PinOut,
    RemoveMemberIn,
    RestrictMemberIn,
)
from relaydesk.domains.groups.telegram import require_telegram
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.security.credentials import Sealer

router = APIRouter(
    prefix="/workspaces/{workspace_id}/channels/{channel_id}/groups", tags=["groups"]
)
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.workspace_manage))]
MemberStatus = Literal["member", "restricted", "left", "kicked"]


def _sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.sealer
    return sealer


SealerDep = Annotated[Sealer, Depends(_sealer)]


@router.get("")
async def list_groups(
    channel_id: uuid.UUID,
    access: ReadAccess,
    db: DbDep,
    sealer: SealerDep,
    refresh: Annotated[
        bool, Query(description="Ask Telegram for current member counts first (best effort).")
    ] = False,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[GroupOut]:
    """The groups the bot is or was in, newest first, as the inbound updates recorded them."""
    channel = await get_channel(db, access.workspace_id, channel_id)
    require_telegram(channel)
    page = await queries.list_groups(db, access.workspace_id, channel_id, cursor, limit)
    if refresh:
        await admin.refresh_member_counts(db, sealer, channel, page.items)
    return PageOut(
        items=[GroupOut.model_validate(g) for g in page.items], next_cursor=page.next_cursor
    )


@router.get("/{group_id}")
async def get_group(
    channel_id: uuid.UUID, group_id: uuid.UUID, access: ReadAccess, db: DbDep
) -> GroupOut:
    target = await admin.load_target(db, access.workspace_id, channel_id, group_id)
    return GroupOut.model_validate(target.group)


@router.post("/{group_id}/invite-links", status_code=status.HTTP_201_CREATED)
async def create_invite_link(
    channel_id: uuid.UUID,
    group_id: uuid.UUID,
    body: InviteLinkIn,
    access: Manage,
    db: DbDep,
    sealer: SealerDep,
) -> InviteLinkOut:
    """createChatInviteLink (the bot must be an admin allowed to invite). Members who join
    through the link are counted in `joined_count` and named on their membership."""
    target = await admin.load_target(db, access.workspace_id, channel_id, group_id)
    link = await admin.create_invite_link(db, sealer, access.actor, target, body)
    return InviteLinkOut.model_validate(link)


@router.get("/{group_id}/invite-links")
async def list_invite_links(
    channel_id: uuid.UUID,
    group_id: uuid.UUID,
    access: ReadAccess,
    db: DbDep,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[InviteLinkOut]:
    target = await admin.load_target(db, access.workspace_id, channel_id, group_id)
    page = await queries.list_invite_links(db, access.workspace_id, target.group.id, cursor, limit)
    return PageOut(
        items=[InviteLinkOut.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/{group_id}/members")
async def list_members(
    channel_id: uuid.UUID,
    group_id: uuid.UUID,
    access: ReadAccess,
    db: DbDep,
    member_status: Annotated[MemberStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[MemberOut]:
    """Members as the group's updates recorded them (most recently changed first), with the
    invite link each joined through when it was one of ours."""
    target = await admin.load_target(db, access.workspace_id, channel_id, group_id)
    page = await queries.list_members(db, target.group, member_status, cursor, limit)
    return PageOut(items=page.items, next_cursor=page.next_cursor)


@router.post("/{group_id}/members/{contact_id}/remove")
async def remove_member(
    channel_id: uuid.UUID,
    group_id: uuid.UUID,
    contact_id: uuid.UUID,
    access: Manage,
    db: DbDep,
    sealer: SealerDep,
    body: RemoveMemberIn | None = None,
) -> MemberOut:
    """Remove the member (banChatMember, then unbanChatMember so they may rejoin through an
    invite link); `ban: true` keeps them banned. The membership becomes `kicked`."""
    target = await admin.load_target(db, access.workspace_id, channel_id, group_id)
    return await admin.remove_member(
        db, sealer, access.actor, target, contact_id, body or RemoveMemberIn()
    )


@router.post("/{group_id}/members/{contact_id}/restrict")
async def restrict_member(
    channel_id: uuid.UUID,
    group_id: uuid.UUID,
    contact_id: uuid.UUID,
    body: RestrictMemberIn,
    access: Manage,
    db: DbDep,
    sealer: SealerDep,
) -> MemberOut:
    """restrictChatMember (supergroups only): the permissions given true are kept, the rest
    refused; all true lifts the restriction."""
    target = await admin.load_target(db, access.workspace_id, channel_id, group_id)
    return await admin.restrict_member(db, sealer, access.actor, target, contact_id, body)


@router.post("/{group_id}/pin")
async def pin_announcement(
    channel_id: uuid.UUID,
    group_id: uuid.UUID,
    body: PinIn,
    access: Manage,
    db: DbDep,
    sealer: SealerDep,
) -> PinOut:
    """Send an announcement to the group and pin it. Sent directly, not through the outbound
    queue. If the pin is refused the problem names the sent message (`external_id`)."""
    target = await admin.load_target(db, access.workspace_id, channel_id, group_id)
    return await admin.pin_announcement(db, sealer, access.actor, target, body)
