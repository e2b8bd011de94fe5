"""Inbound provider traffic: the inbox worker that processes stored webhook bodies in batches,
and (re-exported here for the app's lifespan) Telegram's long-polling worker."""

from relaydesk.channels.inbound.worker import InboxWorker
from relaydesk.channels.telegram.polling import TelegramPoller

__all__ = ["InboxWorker", "TelegramPoller"]
