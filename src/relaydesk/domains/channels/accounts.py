"""A channel account's adapter, built from its config and its sealed credentials."""

from __future__ import annotations

from typing import Any

import httpx

from relaydesk.channels.base import ChannelAdapter
from relaydesk.channels.registry import adapter_for
from relaydesk.domains.channels.models import Channel
from relaydesk.security.credentials import Sealer


def open_credentials(sealer: Sealer, channel: Channel) -> dict[str, Any]:
    """The channel's config merged with its opened credentials (what adapters are built from)."""
    values: dict[str, Any] = {k: v for k, v in (channel.config or {}).items() if k != "masked"}
    if channel.credentials:
        values.update(sealer.open(channel.id, channel.credentials))
    return values


def adapter_of(
    sealer: Sealer, channel: Channel, *, client: httpx.AsyncClient | None = None
) -> ChannelAdapter:
    """The provider adapter of a Telegram or WhatsApp account (see channels/registry.py)."""
    return adapter_for(channel.type, open_credentials(sealer, channel), client=client)
