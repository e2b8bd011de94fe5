"""Admin calls to the Bot API for a channel's groups, with Telegram's refusals mapped to our
error codes. Calls are made outside any database transaction; the caller records the outcome.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from relaydesk.channels.errors import (
    ChannelError,
    ChatMigrated,
    CredentialsBroken,
    Retryable,
    RetryAfter,
)
from relaydesk.channels.telegram import TelegramAdapter
from relaydesk.domains.channels.accounts import adapter_of
from relaydesk.domains.channels.error_codes import ChannelError as ChannelCode
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.groups.error_codes import GroupError
from relaydesk.errors import AppError
from relaydesk.security.credentials import Sealer

# Fragments of Telegram's descriptions, lower-cased (e.g. "Bad Request: not enough rights to
# manage pinned messages in the chat", "Bad Request: CHAT_ADMIN_REQUIRED").
_NOT_ADMIN = ("not enough rights", "chat_admin_required", "administrator rights")
_NOT_SUPERGROUP = ("only for supergroups",)
_NOT_IN_GROUP = ("bot was kicked", "bot is not a member", "chat not found")


def require_telegram(channel: Channel) -> None:
    if channel.type != "telegram":
        raise AppError(GroupError.WRONG_CHANNEL_TYPE)


@asynccontextmanager
async def bot_of(sealer: Sealer, channel: Channel) -> AsyncIterator[TelegramAdapter]:
    """The channel's bot, for admin calls; 409 for a disabled channel."""
    require_telegram(channel)
    if not channel.enabled:
        raise AppError(ChannelCode.DISABLED)
    adapter = adapter_of(sealer, channel)
    async with adapter:
        assert isinstance(adapter, TelegramAdapter)
        yield adapter


def problem_of(error: ChannelError) -> AppError:
    """A failed Bot API call as the problem the API answers."""
    text = error.message.lower()
    if isinstance(error, RetryAfter):
        seconds = max(1, math.ceil(error.seconds))
        return AppError(
            GroupError.RATE_LIMITED,
            error.message,
            headers={"Retry-After": str(seconds)},
            retry_after=seconds,
        )
    if isinstance(error, Retryable):
        return AppError(GroupError.TELEGRAM_UNAVAILABLE, error.message)
    if isinstance(error, CredentialsBroken):
        return AppError(GroupError.CREDENTIALS_BROKEN)
    if isinstance(error, ChatMigrated):
        return AppError(
            GroupError.CHAT_MIGRATED, error.message, migrate_to_chat_id=error.new_chat_id
        )
    if any(f in text for f in _NOT_ADMIN):
        return AppError(GroupError.NOT_ADMIN, error.message)
    if any(f in text for f in _NOT_SUPERGROUP):
        return AppError(GroupError.NOT_SUPERGROUP, error.message)
    if error.http_status == 403 or any(f in text for f in _NOT_IN_GROUP):
        return AppError(GroupError.BOT_NOT_IN_GROUP, error.message)
    return AppError(GroupError.TELEGRAM_REJECTED, error.message)


async def call(bot: TelegramAdapter, method: str, params: Mapping[str, Any]) -> Any:
    try:
        return await bot.call(method, params)
    except ChannelError as exc:
        raise problem_of(exc) from None


def chat_id(chat_key: str) -> int | str:
    try:
        return int(chat_key)
    except ValueError:
        return chat_key
