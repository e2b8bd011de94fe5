"""Reads of channel accounts. A deleted channel is gone from every read here; its
conversations and messages stay readable through the conversations domain."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.pagination import Page
from relaydesk.db.scoped import list_in_workspace
from relaydesk.domains.channels.models import Channel
from relaydesk.errors import not_found


async def live_channel_txn(s: AsyncSession, channel_id: uuid.UUID) -> Channel | None:
    """The channel if it is enabled and not deleted, else None (whatever its workspace:
    webhooks know only the channel id)."""
    channel: Channel | None = await s.scalar(
        select(Channel).where(
            Channel.id == channel_id, Channel.enabled.is_(True), Channel.deleted_at.is_(None)
        )
    )
    return channel


async def live_channel(db: Database, channel_id: uuid.UUID) -> Channel | None:
    """For inbound webhooks and senders: None means refuse the webhook and send nothing."""
    async with db.read("live_channel") as s:
        return await live_channel_txn(s, channel_id)


async def live_channels(
    db: Database, channel_type: str | None = None, mode: str | None = None
) -> list[Channel]:
    """Every enabled, undeleted channel (of one type and Telegram mode, if given), for
    workers that serve all accounts (the Telegram poller asks for telegram / polling)."""
    stmt = select(Channel).where(Channel.enabled.is_(True), Channel.deleted_at.is_(None))
    if channel_type is not None:
        stmt = stmt.where(Channel.type == channel_type)
    if mode is not None:
        stmt = stmt.where(Channel.mode == mode)
    async with db.read("live_channels") as s:
        return list((await s.scalars(stmt.order_by(Channel.created_at, Channel.id))).all())


async def get_channel_txn(
    s: AsyncSession, workspace_id: uuid.UUID, channel_id: uuid.UUID, *, lock: bool = False
) -> Channel:
    """A workspace's undeleted channel; 404 for a deleted or foreign one."""
    stmt = select(Channel).where(
        Channel.workspace_id == workspace_id,
        Channel.id == channel_id,
        Channel.deleted_at.is_(None),
    )
    channel: Channel | None = await s.scalar(stmt.with_for_update() if lock else stmt)
    if channel is None:
        raise not_found("channel")
    return channel


async def get_channel(db: Database, workspace_id: uuid.UUID, channel_id: uuid.UUID) -> Channel:
    async with db.read("get_channel") as s:
        return await get_channel_txn(s, workspace_id, channel_id)


async def list_channels(
    db: Database, workspace_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[Channel]:
    """Newest first, deleted ones left out."""
    return await list_in_workspace(
        db, Channel, workspace_id, cursor, limit, Channel.deleted_at.is_(None)
    )
