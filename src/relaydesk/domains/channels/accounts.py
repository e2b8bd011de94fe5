"""A channel account's adapter, built from its config and its sealed credentials, and the
provider calls that connect, check and disconnect an account. Nothing here writes: the
actions record what these calls find (docs/channels.md, "Accounts and credentials")."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from relaydesk.channels.base import ChannelAdapter
from relaydesk.channels.errors import ChannelError, ErrorKind, redact
from relaydesk.channels.registry import adapter_for
from relaydesk.channels.telegram import TelegramAdapter
from relaydesk.channels.telegram.parse import ALLOWED_UPDATES
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.schemas import ChannelStatus, ChannelType, TelegramMode
from relaydesk.security.credentials import CredentialsError, Sealer

log = logging.getLogger(__name__)

# Every update kind the inbound side understands; Telegram leaves out chat_member and
# message_reaction unless they are asked for by name.
SECRET_FIELDS = ("bot_token", "secret_token", "access_token", "app_secret", "verify_token")
UNREADABLE = (
    "the stored credentials do not open with the configured keys (RELAYDESK_CREDENTIALS_KEYS)"
)


def open_credentials(sealer: Sealer, channel: Channel) -> dict[str, Any]:
    """The channel's config merged with its opened credentials (what adapters are built from).
    Raises `CredentialsError` when no configured key opens them."""
    values: dict[str, Any] = {k: v for k, v in (channel.config or {}).items() if k != "masked"}
    if channel.credentials:
        values.update(sealer.open(channel.id, channel.credentials))
    return values


def adapter_of(
    sealer: Sealer, channel: Channel, *, client: httpx.AsyncClient | None = None
) -> ChannelAdapter:
    """The provider adapter of a Telegram or WhatsApp account (see channels/registry.py)."""
    return adapter_for(channel.type, open_credentials(sealer, channel), client=client)


@dataclass(frozen=True)
class Probe:
    """What a provider call found: the status to record and, if it failed, why (secret-free)."""

    status: ChannelStatus
    error: str | None = None
    detail: dict[str, Any] | None = None


def _failed(exc: ChannelError, values: dict[str, Any]) -> Probe:
    status = (
        ChannelStatus.disconnected
        if exc.kind is ErrorKind.credentials_broken
        else ChannelStatus.degraded
    )
    return Probe(status, redact(str(exc), [values.get(k) for k in SECRET_FIELDS]))


async def connect(sealer: Sealer, channel: Channel) -> Probe:
    """Tell the provider about the account as stored. Telegram: `setWebhook` (webhook mode,
    with the sealed secret token) or `deleteWebhook` (polling, which getUpdates needs);
    WhatsApp: a health check (its webhook is configured in Meta's dashboard)."""
    if channel.type != ChannelType.telegram:
        return await check(sealer, channel)
    try:
        values = open_credentials(sealer, channel)
    except CredentialsError:
        return Probe(ChannelStatus.disconnected, UNREADABLE)
    async with TelegramAdapter.from_credentials(values) as telegram:
        try:
            if channel.mode == TelegramMode.polling:
                await telegram.call("deleteWebhook", {"drop_pending_updates": False})
            else:
                await telegram.call(
                    "setWebhook",
                    {
                        "url": values["webhook_url"],
                        "secret_token": values["secret_token"],
                        "allowed_updates": list(ALLOWED_UPDATES),
                    },
                )
        except ChannelError as exc:
            return _failed(exc, values)
    return Probe(ChannelStatus.connected)


async def check(sealer: Sealer, channel: Channel) -> Probe:
    """Test the connection: the adapter's health check, and for a Telegram webhook account
    whether Telegram still has our webhook URL."""
    try:
        values = open_credentials(sealer, channel)
    except CredentialsError:
        return Probe(ChannelStatus.disconnected, UNREADABLE)
    async with adapter_for(channel.type, values) as adapter:
        health = await adapter.health_check()
        if not health.ok:
            status = (
                ChannelStatus.disconnected
                if health.error_kind is ErrorKind.credentials_broken
                else ChannelStatus.degraded
            )
            secrets = [values.get(k) for k in SECRET_FIELDS]
            return Probe(status, redact(health.error or "health check failed", secrets))
        detail = dict(health.detail)
        if isinstance(adapter, TelegramAdapter) and channel.mode != TelegramMode.polling:
            try:
                info = await adapter.call("getWebhookInfo")
            except ChannelError as exc:
                return _failed(exc, values)
            if info.get("url") != values.get("webhook_url"):
                return Probe(
                    ChannelStatus.degraded,
                    "Telegram has another webhook URL for this bot; save the channel again "
                    "(PATCH with its mode) to register it",
                    detail,
                )
    return Probe(ChannelStatus.connected, None, detail)


async def disconnect(sealer: Sealer, channel: Channel) -> None:
    """Best effort: a deleted Telegram webhook account stops receiving webhooks."""
    if channel.type != ChannelType.telegram or channel.mode == TelegramMode.polling:
        return
    try:
        values = open_credentials(sealer, channel)
    except CredentialsError:
        log.warning("channel %s: cannot remove its webhook: %s", channel.id, UNREADABLE)
        return
    await remove_webhook(channel, values)


async def remove_webhook(channel: Channel, values: dict[str, Any]) -> None:
    """Best effort `deleteWebhook` with the given (opened) Telegram credentials."""
    async with TelegramAdapter.from_credentials(values) as telegram:
        try:
            await telegram.call("deleteWebhook", {"drop_pending_updates": False})
        except ChannelError as exc:
            error = _failed(exc, values).error
            log.warning("channel %s: cannot remove its webhook: %s", channel.id, error)
