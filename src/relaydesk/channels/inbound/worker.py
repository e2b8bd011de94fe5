"""The inbox worker: processes stored webhook bodies in batches.

It wakes after a commit that stored payloads (this process's webhooks and pollers) and every
`inbox_poll_seconds` (other processes'). A batch is claimed, parsed, applied and marked done
in one transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several processes share the
inbox). An unreadable payload or item goes to the dead letters; the rest of the batch goes on.
If applying the batch raises, each payload is tried alone, and one that keeps failing is
dead-lettered after `inbox_max_attempts`: nothing is lost and the worker never stops.

Provider calls (media downloads, answering Telegram callback queries) run after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.base import (
    DEFAULT_TIMEOUT,
    ChannelAdapter,
    InboundEvent,
    MediaRef,
    Unparseable,
)
from relaydesk.channels.errors import ChannelError, PayloadError
from relaydesk.channels.inbound.events import FollowUps, apply_events_txn
from relaydesk.channels.telegram.adapter import TelegramAdapter
from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.domains.actor import Actor
from relaydesk.domains.channels.accounts import adapter_of
from relaydesk.domains.channels.health import record_inbound_txn
from relaydesk.domains.channels.inbox import (
    DEAD,
    INBOX_STORED,
    InboxWriter,
    claim_pending_txn,
    do_dead_letter_txn,
    do_mark_done_txn,
    note_failure,
)
from relaydesk.domains.channels.models import Channel, InboxPayload
from relaydesk.domains.conversations.actions.inbound_events import (
    DownloadedMedia,
    attach_downloads,
)
from relaydesk.security.credentials import Sealer
from relaydesk.settings import Settings
from relaydesk.storage import storage_for

log = logging.getLogger(__name__)

_DOWNLOADS_AT_ONCE = 4


class InboxWorker:
    def __init__(self, db: Database, sealer: Sealer, settings: Settings) -> None:
        self._db = db
        self._sealer = sealer
        self._settings = settings
        self._actor = Actor.system()
        self.writer = InboxWriter(db)
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._follow_tasks: set[asyncio.Task[None]] = set()
        self._downloads = asyncio.Semaphore(_DOWNLOADS_AT_ONCE)
        self._client = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
        self._adapters: dict[uuid.UUID, tuple[Any, ChannelAdapter]] = {}

    async def start(self) -> None:
        self._db.add_commit_listener(self._after_commit)
        self._loop_task = asyncio.create_task(self._run(), name="channel-inbox")
        self.wake()

    async def stop(self) -> None:
        self._db.remove_commit_listener(self._after_commit)
        tasks = [t for t in (self._loop_task, *self._follow_tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._client.aclose()

    def wake(self) -> None:
        self._wake.set()

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.get(INBOX_STORED):
            self.wake()

    def adapter(self, channel: Channel) -> ChannelAdapter:
        """The channel's adapter, built once per set of credentials and config."""
        fingerprint = (channel.credentials, json.dumps(channel.config, sort_keys=True))
        cached = self._adapters.get(channel.id)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        adapter = adapter_of(self._sealer, channel, client=self._client)
        self._adapters[channel.id] = (fingerprint, adapter)
        return adapter

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.inbox_poll_seconds)
            self._wake.clear()
            try:
                # A full batch means more may be waiting: go on at once.
                while await self.run_once() >= self._settings.inbox_batch_size:
                    pass
            except Exception:
                log.exception("inbox worker round failed")

    async def run_once(self) -> int:
        """Process one batch of pending payloads; the number claimed."""
        claimed: list[uuid.UUID] = []
        try:
            return await self._batch(self._settings.inbox_batch_size, None, claimed)
        except Exception as exc:
            if not claimed:
                raise
            log.warning("inbox batch of %d failed (%s); trying each alone", len(claimed), exc)
        for payload_id in claimed:
            try:
                await self._batch(1, [payload_id], [])
            except Exception as exc:
                log.exception("inbox payload %s failed", payload_id)
                reason = f"{type(exc).__name__}: {exc}"
                await note_failure(self._db, payload_id, reason, self._settings.inbox_max_attempts)
        return len(claimed)

    async def _batch(
        self, limit: int, ids: Sequence[uuid.UUID] | None, claimed: list[uuid.UUID]
    ) -> int:
        now = utcnow()
        follow = FollowUps()
        async with self._db.write("inbox_batch") as s:
            rows = await claim_pending_txn(s, limit, ids)
            if not rows:
                return 0
            claimed.extend(r.id for r in rows)
            channels = {
                c.id: c
                for c in (
                    await s.scalars(
                        select(Channel).where(Channel.id.in_({r.channel_id for r in rows}))
                    )
                ).all()
            }
            by_channel: dict[uuid.UUID, list[InboundEvent]] = {}
            done: list[InboxPayload] = []
            for row in rows:
                events = self._parse(s, channels[row.channel_id], row, now)
                if events is None:
                    continue
                by_channel.setdefault(row.channel_id, []).extend(events)
                done.append(row)
            for channel_id, events in by_channel.items():
                if events:
                    channel = channels[channel_id]
                    follow.extend(await apply_events_txn(s, self._actor, channel, events, now))
                    await record_inbound_txn(s, channel_id, len(events), now)
            do_mark_done_txn(done, now)
        if follow.downloads or follow.callbacks:
            self._follow_up(channels, follow)
        return len(rows)

    def _parse(
        self, s: AsyncSession, channel: Channel, row: InboxPayload, now: Any
    ) -> list[InboundEvent] | None:
        """The payload's readable events; the unreadable ones go to the dead letters. None
        when the whole payload did."""
        try:
            events = self.adapter(channel).parse(row.body)
        except PayloadError as exc:
            do_dead_letter_txn(s, row, str(exc), None, now)
            row.state, row.processed_at = DEAD, now
            return None
        good: list[InboundEvent] = []
        for event in events:
            if isinstance(event, Unparseable):
                do_dead_letter_txn(s, row, event.reason, _jsonable(event.item), now)
            else:
                good.append(event)
        return good

    # -- after the commit -------------------------------------------------------------------

    def _follow_up(self, channels: dict[uuid.UUID, Channel], follow: FollowUps) -> None:
        task = asyncio.create_task(self._run_follow_ups(channels, follow))
        self._follow_tasks.add(task)
        task.add_done_callback(self._follow_tasks.discard)

    async def _run_follow_ups(self, channels: dict[uuid.UUID, Channel], follow: FollowUps) -> None:
        try:
            await self._answer_callbacks(channels, follow.callbacks)
            await self._download(channels, follow)
        except Exception:
            log.exception("inbound follow-up failed")

    async def _answer_callbacks(
        self, channels: dict[uuid.UUID, Channel], queries: list[tuple[uuid.UUID, str]]
    ) -> None:
        # Telegram shows a spinner on the button until the query is answered: best effort.
        for channel_id, query_id in queries:
            adapter = self.adapter(channels[channel_id])
            if isinstance(adapter, TelegramAdapter):
                with contextlib.suppress(ChannelError):
                    await adapter.call("answerCallbackQuery", {"callback_query_id": query_id})

    async def _download(self, channels: dict[uuid.UUID, Channel], follow: FollowUps) -> None:
        results = await asyncio.gather(
            *(
                self._download_one(channels[channel_id], message_id, ref)
                for channel_id, message_id, ref in follow.downloads
            )
        )
        await attach_downloads(self._db, self._actor, [r for r in results if r], utcnow())

    async def _download_one(
        self, channel: Channel, message_id: uuid.UUID, ref: MediaRef
    ) -> DownloadedMedia | None:
        limit = self._settings.attachment_max_bytes
        if ref.size is not None and ref.size > limit:
            log.info("inbound media %s is over the attachment limit; kept as a reference", ref)
            return None
        async with self._downloads:
            try:
                download = await self.adapter(channel).download_media(ref)
            except ChannelError as exc:
                # The message keeps its provider reference; nothing is lost.
                log.warning("inbound media of message %s not downloaded: %s", message_id, exc)
                return None
        if len(download.content) > limit:
            return None
        digest = hashlib.sha256(download.content).hexdigest()
        await storage_for(self._settings.data_dir).put(digest, download.content)
        return DownloadedMedia(
            message_id=message_id,
            provider_id=ref.provider_id,
            filename=download.filename,
            content_type=download.content_type,
            size=len(download.content),
            sha256=digest,
        )


def _jsonable(item: Any) -> Any:
    try:
        json.dumps(item)
    except (TypeError, ValueError):
        return repr(item)
    return item
