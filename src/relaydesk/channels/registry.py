"""The one place a channel type string picks its adapter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from relaydesk.channels.base import ChannelAdapter
from relaydesk.channels.telegram import TelegramAdapter
from relaydesk.channels.whatsapp import WhatsAppAdapter

ADAPTERS: Mapping[str, type[ChannelAdapter]] = {
    TelegramAdapter.channel_type: TelegramAdapter,
    WhatsAppAdapter.channel_type: WhatsAppAdapter,
}


class UnknownChannelTypeError(LookupError):
    pass


def adapter_class(channel_type: str) -> type[ChannelAdapter]:
    try:
        return ADAPTERS[channel_type]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise UnknownChannelTypeError(
            f"unknown channel type {channel_type!r}; one of {known}"
        ) from None


def adapter_for(
    channel_type: str,
    credentials: Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
) -> ChannelAdapter:
    """An adapter for one account, from its stored settings and decrypted credentials."""
    return adapter_class(channel_type).from_credentials(credentials, client=client)
