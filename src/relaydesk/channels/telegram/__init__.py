"""Telegram Bot API channel."""

from relaydesk.channels.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
