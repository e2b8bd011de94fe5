"""Channel health and counters: the only writers of a channel's status, last times and counts.

Inbound and outbound workers call these inside their own transactions, once per batch (one
UPDATE per channel per batch, not per message, so a busy account's row is not a hot spot).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.schemas import ChannelStatus

_MAX_ERROR = 1000


async def record_inbound_txn(
    s: AsyncSession, channel_id: uuid.UUID, count: int, at: datetime
) -> None:
    """`count` inbound items processed; the channel is evidently reachable."""
    await s.execute(
        update(Channel)
        .where(Channel.id == channel_id)
        .values(
            inbound_count=Channel.inbound_count + count,
            last_inbound_at=at,
        )
    )


async def record_outbound_txn(
    s: AsyncSession, channel_id: uuid.UUID, *, sent: int, failed: int, at: datetime
) -> None:
    """A sender's batch: `sent` accepted by the provider, `failed` given up on. A batch that
    sent something moves a degraded channel back to connected."""
    values: dict[str, object] = {
        "outbound_count": Channel.outbound_count + sent,
        "failed_count": Channel.failed_count + failed,
    }
    if sent:
        values["last_outbound_at"] = at
    await s.execute(update(Channel).where(Channel.id == channel_id).values(**values))
    if sent:
        await s.execute(
            update(Channel)
            .where(Channel.id == channel_id, Channel.status == ChannelStatus.degraded.value)
            .values(status=ChannelStatus.connected.value)
        )


async def record_status_txn(
    s: AsyncSession,
    channel_id: uuid.UUID,
    status: ChannelStatus,
    at: datetime,
    error: str | None = None,
) -> None:
    """Set the channel's status; an error (already free of secrets) is kept as the last one."""
    values: dict[str, object] = {"status": status.value}
    if error is not None:
        values["last_error"] = error[:_MAX_ERROR]
        values["last_error_at"] = at
    await s.execute(update(Channel).where(Channel.id == channel_id).values(**values))
