"""WhatsApp's customer-service window: free-form replies only within 24 hours of the
contact's last message. One rule for the send check and for what clients are shown."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.whatsapp.adapter import WhatsAppAdapter
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.conversations.schemas import ConversationOut

WHATSAPP_WINDOW = timedelta(hours=24)
# Only WhatsApp limits free-form replies.
WINDOWED_CHANNEL_TYPES = frozenset({WhatsAppAdapter.channel_type})


def window_closes_at(channel_type: str | None, last_inbound_at: datetime | None) -> datetime | None:
    """When free-form replies stop being allowed; None where the channel has no window (or
    the contact never wrote, so it never opened)."""
    if channel_type not in WINDOWED_CHANNEL_TYPES or last_inbound_at is None:
        return None
    return last_inbound_at + WHATSAPP_WINDOW


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is not None and now - last_inbound_at < WHATSAPP_WINDOW


async def channel_types_txn(
    s: AsyncSession, channel_ids: Iterable[uuid.UUID]
) -> Mapping[uuid.UUID, str]:
    """The type of each channel: from the session where loaded already (ingest has them),
    the rest in one query."""
    wanted = set(channel_ids)
    found: dict[uuid.UUID, str] = {}
    for obj in s.identity_map.values():
        if isinstance(obj, Channel) and obj.id in wanted and "type" in obj.__dict__:
            found[obj.id] = obj.type
    missing: Sequence[uuid.UUID] = [c for c in wanted if c not in found]
    if missing:
        rows = await s.execute(select(Channel.id, Channel.type).where(Channel.id.in_(missing)))
        found.update({row[0]: row[1] for row in rows})
    return found


async def set_reply_windows_txn(s: AsyncSession, outs: Sequence[ConversationOut]) -> None:
    """Fill in `reply_window_closes_at` of conversations about to be shown or sent."""
    if not outs:
        return
    types = await channel_types_txn(s, {o.channel_id for o in outs})
    for out in outs:
        out.reply_window_closes_at = window_closes_at(
            types.get(out.channel_id), out.last_inbound_at
        )
