"""Long polling for Telegram accounts in `polling` mode (machines without a public URL).

One task per enabled polling account asks `getUpdates` with the stored offset
(`Channel.poll_offset`) and a long-poll timeout. The updates it gets are stored in the inbox
together with the next offset, in one transaction; only then does the next `getUpdates`
(with that offset) confirm them to Telegram. After a crash or a restart the stored offset
either confirms updates already stored or asks again for updates never stored: none is lost,
none is processed twice.

Errors back off exponentially with jitter; `retry_after` is honoured. A 409 Conflict means a
webhook is set (it is deleted, since this account polls) or another poller is running (this
one backs off: Telegram serves one getUpdates at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid

import httpx
from sqlalchemy import select

from relaydesk.channels.errors import ChannelError, CredentialsBroken, RetryAfter
from relaydesk.channels.outbound.retry import backoff_seconds
from relaydesk.channels.telegram.adapter import TelegramAdapter
from relaydesk.channels.telegram.parse import ALLOWED_UPDATES
from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.domains.channels.accounts import adapter_of
from relaydesk.domains.channels.health import record_status_txn
from relaydesk.domains.channels.inbox import store_polled_updates
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.queries import live_channel
from relaydesk.domains.channels.schemas import ChannelStatus, TelegramMode
from relaydesk.security.credentials import Sealer
from relaydesk.settings import Settings

log = logging.getLogger(__name__)

_BACKOFF_BASE = 1.0
_BACKOFF_CAP = 60.0
_LIMIT = 100
# The HTTP timeout of a getUpdates call: the long poll plus room for the answer.
_ANSWER_SLACK = 10.0


def _conflict_is_webhook(error: ChannelError) -> bool:
    return "webhook" in error.message.lower()


class TelegramPoller:
    """Starts and stops one polling task per enabled Telegram account in `polling` mode,
    looking for added, changed or removed accounts every `inbox_poll_seconds`."""

    def __init__(self, db: Database, sealer: Sealer, settings: Settings) -> None:
        self._db = db
        self._sealer = sealer
        self._settings = settings
        self._tasks: dict[uuid.UUID, tuple[str | None, asyncio.Task[None]]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        timeout = settings.telegram_poll_timeout_seconds + _ANSWER_SLACK
        self._client = httpx.AsyncClient(timeout=timeout)

    async def start(self) -> None:
        self._loop_task = asyncio.create_task(self._supervise(), name="telegram-polling")

    async def stop(self) -> None:
        tasks = [t for _, t in self._tasks.values()]
        if self._loop_task is not None:
            tasks.append(self._loop_task)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self._client.aclose()

    async def _supervise(self) -> None:
        while True:
            try:
                await self._reconcile()
            except Exception:
                log.exception("cannot list Telegram polling accounts")
            await asyncio.sleep(self._settings.inbox_poll_seconds)

    async def _reconcile(self) -> None:
        async with self._db.read("telegram_polling_accounts") as s:
            rows = (
                await s.scalars(
                    select(Channel).where(
                        Channel.type == "telegram",
                        Channel.mode == TelegramMode.polling.value,
                        Channel.enabled.is_(True),
                        Channel.deleted_at.is_(None),
                    )
                )
            ).all()
        wanted = {c.id: c for c in rows}
        for channel_id in list(self._tasks):
            credentials, task = self._tasks[channel_id]
            current = wanted.get(channel_id)
            if current is None or current.credentials != credentials or task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                del self._tasks[channel_id]
        for channel_id, channel in wanted.items():
            if channel_id not in self._tasks:
                task = asyncio.create_task(self._poll(channel), name=f"telegram-poll-{channel_id}")
                self._tasks[channel_id] = (channel.credentials, task)

    async def _poll(self, channel: Channel) -> None:
        adapter = adapter_of(self._sealer, channel, client=self._client)
        assert isinstance(adapter, TelegramAdapter)
        adapter.timeout = self._settings.telegram_poll_timeout_seconds + _ANSWER_SLACK
        offset = channel.poll_offset
        failures = 0
        while True:
            try:
                offset = await self._poll_once(adapter, channel, offset)
                failures = 0
                continue
            except RetryAfter as exc:
                failures += 1
                delay = max(exc.seconds, backoff_seconds(failures, _BACKOFF_BASE, _BACKOFF_CAP))
            except CredentialsBroken as exc:
                failures += 1
                await self._record_status(channel, ChannelStatus.disconnected, str(exc))
                delay = backoff_seconds(failures, _BACKOFF_BASE * 10, _BACKOFF_CAP * 5)
            except ChannelError as exc:
                failures += 1
                if exc.code == 409 and _conflict_is_webhook(exc):
                    # A webhook left behind is in the way, unless the account has just been
                    # switched to webhook mode (this task is then about to be cancelled).
                    if not await self._still_polling(channel.id):
                        return
                    with contextlib.suppress(ChannelError):
                        await adapter.call("deleteWebhook", {"drop_pending_updates": False})
                    log.info("telegram channel %s: webhook deleted to poll", channel.id)
                    continue
                log.info("telegram channel %s: getUpdates failed: %s", channel.id, exc)
                delay = backoff_seconds(failures, _BACKOFF_BASE, _BACKOFF_CAP)
            except Exception:
                failures += 1
                log.exception("telegram channel %s: polling failed", channel.id)
                delay = backoff_seconds(failures, _BACKOFF_BASE, _BACKOFF_CAP)
            await asyncio.sleep(delay)

    async def _still_polling(self, channel_id: uuid.UUID) -> bool:
        current = await live_channel(self._db, channel_id)
        return current is not None and current.mode == TelegramMode.polling.value

    async def _poll_once(
        self, adapter: TelegramAdapter, channel: Channel, offset: int | None
    ) -> int | None:
        params: dict[str, object] = {
            "timeout": self._settings.telegram_poll_timeout_seconds,
            "limit": _LIMIT,
            # chat_member is only sent when asked for; it names the invite link used.
            "allowed_updates": list(ALLOWED_UPDATES),
        }
        if offset is not None:
            params["offset"] = offset
        updates = await adapter.call("getUpdates", params)
        if not isinstance(updates, list) or not updates:
            return offset
        ids: list[int] = [
            u["update_id"]
            for u in updates
            if isinstance(u, dict) and isinstance(u.get("update_id"), int)
        ]
        if not ids:
            return offset
        next_offset = max(ids) + 1
        body = json.dumps(updates, separators=(",", ":")).encode()
        await store_polled_updates(self._db, channel, body, next_offset)
        return next_offset if offset is None else max(offset, next_offset)

    async def _record_status(self, channel: Channel, status: ChannelStatus, error: str) -> None:
        with contextlib.suppress(Exception):
            async with self._db.write("telegram_polling_status") as s:
                await record_status_txn(s, channel.id, status, utcnow(), error)
