"""Admin actions on a channel's groups: check, ask Telegram, then record what it accepted.

Telegram is called outside any transaction (no side effects inside one); a refusal stores
nothing. The announcement of `pin_announcement` is sent straight through the bot, not through
the outbound queue: it is an admin action whose result (the message to pin) is needed at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from relaydesk.channels.telegram.parse import message_id
from relaydesk.db import Database
from relaydesk.domains.actor import Actor
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.queries import get_channel_txn
from relaydesk.domains.groups import actions, telegram
from relaydesk.domains.groups.error_codes import GroupError
from relaydesk.domains.groups.models import ChannelGroup, InviteLink
from relaydesk.domains.groups.queries import get_group_txn, member_txn
from relaydesk.domains.groups.schemas import (
    InviteLinkIn,
    MemberOut,
    PinIn,
    PinOut,
    RemoveMemberIn,
    RestrictMemberIn,
)
from relaydesk.errors import AppError
from relaydesk.security.credentials import Sealer

_GONE_BOT = ("left", "kicked")


@dataclass(frozen=True)
class Target:
    channel: Channel
    group: ChannelGroup


async def load_target(
    db: Database, workspace_id: uuid.UUID, channel_id: uuid.UUID, group_id: uuid.UUID
) -> Target:
    async with db.read("load_group") as s:
        channel = await get_channel_txn(s, workspace_id, channel_id)
        telegram.require_telegram(channel)
        group = await get_group_txn(s, workspace_id, channel_id, group_id)
    return Target(channel, group)


async def refresh_member_counts(
    db: Database, sealer: Sealer, channel: Channel, groups: list[ChannelGroup]
) -> None:
    """Best effort: a group Telegram will not answer for keeps its last count."""
    live = [g for g in groups if g.bot_status not in _GONE_BOT]
    if not live or not channel.enabled:
        return
    counts: dict[uuid.UUID, int] = {}
    async with telegram.bot_of(sealer, channel) as bot:
        for group in live:
            try:
                count = await telegram.call(
                    bot, "getChatMemberCount", {"chat_id": telegram.chat_id(group.chat_key)}
                )
            except AppError:
                continue
            if isinstance(count, int):
                counts[group.id] = count
                group.member_count = count
    await actions.do_set_member_counts(db, channel.workspace_id, counts)


async def create_invite_link(
    db: Database, sealer: Sealer, actor: Actor, target: Target, body: InviteLinkIn
) -> InviteLink:
    params: dict[str, object] = {"chat_id": telegram.chat_id(target.group.chat_key)}
    if body.name is not None:
        params["name"] = body.name
    if body.expire_at is not None:
        params["expire_date"] = int(body.expire_at.timestamp())
    if body.member_limit is not None:
        params["member_limit"] = body.member_limit
    async with telegram.bot_of(sealer, target.channel) as bot:
        link = await telegram.call(bot, "createChatInviteLink", params)
    if not isinstance(link, dict) or not link.get("invite_link"):
        raise AppError(GroupError.TELEGRAM_REJECTED, "Telegram answered without an invite link")
    return await actions.do_record_invite_link(db, actor, target.group, link)


async def _member(db: Database, target: Target, contact_id: uuid.UUID) -> tuple[MemberOut, int]:
    """The member and their Telegram user id."""
    async with db.read("load_group_member") as s:
        member = await member_txn(s, target.group, contact_id)
    if member.telegram_user_id is None:
        raise AppError(GroupError.NO_TELEGRAM_USER)
    try:
        return member, int(member.telegram_user_id)
    except ValueError:
        raise AppError(GroupError.NO_TELEGRAM_USER) from None


async def _reload(db: Database, target: Target, contact_id: uuid.UUID) -> MemberOut:
    async with db.read("load_group_member") as s:
        return await member_txn(s, target.group, contact_id)


async def remove_member(
    db: Database,
    sealer: Sealer,
    actor: Actor,
    target: Target,
    contact_id: uuid.UUID,
    body: RemoveMemberIn,
) -> MemberOut:
    """banChatMember; then, unless `ban`, unbanChatMember (only_if_banned) so that the person
    may come back through an invite link, as a "remove" in Telegram's own apps does."""
    _, user_id = await _member(db, target, contact_id)
    chat = telegram.chat_id(target.group.chat_key)
    params: dict[str, object] = {"chat_id": chat, "user_id": user_id}
    if body.ban and body.until is not None:
        params["until_date"] = int(body.until.timestamp())
    if body.revoke_messages:
        params["revoke_messages"] = True
    async with telegram.bot_of(sealer, target.channel) as bot:
        await telegram.call(bot, "banChatMember", params)
        if not body.ban:
            await telegram.call(
                bot,
                "unbanChatMember",
                {"chat_id": chat, "user_id": user_id, "only_if_banned": True},
            )
    await actions.do_member_removed(
        db, actor, target.group, contact_id, banned=body.ban, until=body.until
    )
    return await _reload(db, target, contact_id)


async def restrict_member(
    db: Database,
    sealer: Sealer,
    actor: Actor,
    target: Target,
    contact_id: uuid.UUID,
    body: RestrictMemberIn,
) -> MemberOut:
    _, user_id = await _member(db, target, contact_id)
    permissions = body.permissions()
    params: dict[str, object] = {
        "chat_id": telegram.chat_id(target.group.chat_key),
        "user_id": user_id,
        "permissions": permissions,
        # Each permission counts as given: no implied ones (can_send_polls → can_send_messages).
        "use_independent_chat_permissions": True,
    }
    if body.until is not None:
        params["until_date"] = int(body.until.timestamp())
    async with telegram.bot_of(sealer, target.channel) as bot:
        await telegram.call(bot, "restrictChatMember", params)
    await actions.do_member_restricted(
        db, actor, target.group, contact_id, permissions=permissions, until=body.until
    )
    return await _reload(db, target, contact_id)


async def pin_announcement(
    db: Database, sealer: Sealer, actor: Actor, target: Target, body: PinIn
) -> PinOut:
    """sendMessage, then pinChatMessage. When the pin is refused the announcement has still
    gone out: the problem carries its `external_id`."""
    chat = telegram.chat_id(target.group.chat_key)
    async with telegram.bot_of(sealer, target.channel) as bot:
        sent = await telegram.call(bot, "sendMessage", {"chat_id": chat, "text": body.text})
        external_id = message_id(sent["chat"]["id"], sent["message_id"])
        try:
            await telegram.call(
                bot,
                "pinChatMessage",
                {
                    "chat_id": chat,
                    "message_id": sent["message_id"],
                    "disable_notification": body.disable_notification,
                },
            )
        except AppError as exc:
            await actions.do_announcement_pinned(db, actor, target.group, external_id, pinned=False)
            exc.extra["external_id"] = external_id
            raise
    await actions.do_announcement_pinned(db, actor, target.group, external_id, pinned=True)
    return PinOut(group_id=target.group.id, external_id=external_id, pinned=True)
