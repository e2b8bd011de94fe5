"""The outbound pipeline of one application: a dispatcher finds channel accounts with due
messages and runs one sender task per account, on the application's event loop.

An account's sender claims a batch (`outbound_batch_size`), sends each conversation's
messages in seq order (conversations side by side, at most `outbound_concurrency` sends in
flight), paced by the account's token buckets,
and commits outcomes in small groups while the batch is still going, so that a crash
re-sends as little as possible. Each send carries the message id as its idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.api.outbound import ApiSender
from relaydesk.channels.errors import (
    ChannelError,
    ChatMigrated,
    CredentialsBroken,
    Permanent,
    Retryable,
    RetryAfter,
)
from relaydesk.channels.outbound.http import sending_client
from relaydesk.channels.outbound.retry import MAX_RETRY_AFTER, backoff_seconds, reason_of
from relaydesk.channels.outbound.senders import AdapterSender, Delivered, Sender
from relaydesk.channels.ratelimit import Limit, RateLimiter, RateLimits
from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.domains.channels.accounts import adapter_of
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.outbound import (
    ChatMoved,
    Dropped,
    Failed,
    Job,
    Outcome,
    Outgoing,
    Release,
    Retry,
    Sent,
    channel_for_sending,
    claim_batch,
    due_channels,
    load_outgoing,
    record_outcomes,
    release_claims,
)
from relaydesk.domains.channels.schemas import ChannelStatus
from relaydesk.domains.conversations.actions.common import OUTBOUND_QUEUED
from relaydesk.runtime.executor import claim_prefix, executor_id, new_claim_id
from relaydesk.security.credentials import Sealer
from relaydesk.settings import Settings
from relaydesk.storage import storage_for

log = logging.getLogger(__name__)


def rate_limits_of(channel: Channel, default: RateLimits | None) -> RateLimits | None:
    """The account's limits: `config.rate_limits` ({account|chat|group: {count, per,
    burst?} or null}) over the adapter's defaults."""
    given = (channel.config or {}).get("rate_limits")
    if not isinstance(given, dict):
        return default
    base = default or RateLimits(account=None)
    values: dict[str, Limit | None] = {
        "account": base.account,
        "chat": base.chat,
        "group": base.group,
    }
    for scope in values:
        if scope in given:
            spec = given[scope]
            values[scope] = None if spec is None else Limit(**spec)
    return RateLimits(**values)


@dataclass
class _Account:
    channel: Channel
    sender: Sender
    limiter: RateLimiter | None
    # Chats the provider said moved (old key → new) while this sender ran.
    moved: dict[str, str] = field(default_factory=dict)


class OutboundPipeline:
    def __init__(self, db: Database, settings: Settings, sealer: Sealer) -> None:
        self._db = db
        self._settings = settings
        self._sealer = sealer
        self._storage = storage_for(settings.data_dir)
        self.executor_id = executor_id(settings)
        self._claim_id = new_claim_id(self.executor_id)
        self._wake = asyncio.Event()
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}
        # Accounts whose last claim came back empty (their due jobs wait behind a retry):
        # left alone until something changes.
        self._idle: set[uuid.UUID] = set()
        # Token buckets outlive one sender task: the account's pace holds across batches.
        self._limiters: dict[uuid.UUID, tuple[Any, RateLimiter | None]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = sending_client(
            self._settings.api_outbound_timeout_seconds, "RelayDesk-Outbound/1"
        )
        released = await release_claims(self._db, claim_prefix(self.executor_id))
        if released:
            log.info("outbound: took back %d claims of this executor's previous run", released)
        self._db.add_commit_listener(self._after_commit)
        self._loop_task = asyncio.create_task(self._run(), name="outbound-dispatcher")

    async def stop(self) -> None:
        self._db.remove_commit_listener(self._after_commit)
        tasks = [t for t in (self._loop_task, *self._tasks.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()

    def wake(self) -> None:
        self._idle.clear()
        self._wake.set()

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.get(OUTBOUND_QUEUED):
            self.wake()

    # -- dispatching ------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            timeout = self._settings.outbound_poll_seconds
            try:
                now = utcnow()
                due = await due_channels(self._db, now)
                for channel_id in due.channels:
                    running = self._tasks.get(channel_id)
                    if channel_id in self._idle or (running is not None and not running.done()):
                        continue
                    self._tasks[channel_id] = asyncio.create_task(
                        self._account_loop(channel_id), name=f"outbound-{channel_id}"
                    )
                if due.next_at is not None:
                    timeout = min(timeout, max(0.0, (due.next_at - now).total_seconds()))
            except Exception:
                log.exception("outbound: cannot read the queue")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                self._idle.clear()  # time passed: blocked heads may be due now
            self._wake.clear()

    async def _account_loop(self, channel_id: uuid.UUID) -> None:
        account = None
        try:
            account = await self._open(channel_id)
            if account is None:
                return
            while True:
                jobs = await claim_batch(
                    self._db,
                    channel_id,
                    self._claim_id,
                    limit=self._settings.outbound_batch_size,
                    lease_seconds=self._settings.outbound_claim_seconds,
                    now=utcnow(),
                )
                if not jobs:
                    self._idle.add(channel_id)
                    return
                await self._send_batch(account, jobs)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbound: the sender of channel %s failed", channel_id)
        finally:
            if account is not None:
                await account.sender.aclose()
            self._wake.set()  # retries were scheduled: the dispatcher recomputes its wake-up

    async def _open(self, channel_id: uuid.UUID) -> _Account | None:
        channel = await channel_for_sending(self._db, channel_id)
        if channel is None:
            return None
        assert self._client is not None
        sender: Sender
        default: RateLimits | None = None
        if channel.type == "api":
            sender = ApiSender(channel, self._client, self._settings.secret_key)
        else:
            adapter = adapter_of(self._sealer, channel, client=self._client)
            sender = AdapterSender(adapter, self._storage)
            default = adapter.rate_limits
        limits = rate_limits_of(channel, default)
        known = self._limiters.get(channel_id)
        if known is None or known[0] != limits:
            limiter = RateLimiter(limits) if limits is not None else None
            self._limiters[channel_id] = (limits, limiter)
        return _Account(channel, sender, self._limiters[channel_id][1])

    # -- one batch --------------------------------------------------------------------------

    async def _send_batch(self, account: _Account, jobs: Sequence[Job]) -> None:
        items = await load_outgoing(self._db, jobs)
        recorder = _Recorder(self, account.channel.id)
        loaded = {i.job.message_id for i in items}
        by_conversation: dict[uuid.UUID, list[Outgoing]] = {}
        for item in items:
            by_conversation.setdefault(item.job.conversation_id, []).append(item)

        # A bound on sends in flight: httpcore's pool walks every open connection for each
        # request, so a hundred at once cost several times the CPU of a few (and providers
        # limit connections anyway).
        in_flight = asyncio.Semaphore(self._settings.outbound_concurrency)

        async def conversation(queue: list[Outgoing]) -> None:
            for index, item in enumerate(queue):
                async with in_flight:
                    outcome = await self._send_one(account, item, recorder)
                recorder.add(outcome)
                if isinstance(outcome, Retry):
                    # Order holds: the rest of this conversation waits for the retry.
                    for rest in queue[index + 1 :]:
                        recorder.add(Release(rest.job.message_id))
                    return

        writer = asyncio.create_task(recorder.run())
        try:
            await asyncio.gather(*(conversation(q) for q in by_conversation.values()))
        finally:
            recorder.close()
            await writer
        missing = [j for j in jobs if j.message_id not in loaded]
        if missing:  # deleted meanwhile: their jobs went with them
            log.debug("outbound: %d jobs had no message", len(missing))

    async def _send_one(self, account: _Account, item: Outgoing, recorder: _Recorder) -> Outcome:
        message_id = item.job.message_id
        if item.gone is not None:
            return Dropped(message_id)
        attempt = item.job.attempts + 1
        settings = self._settings
        if item.chat_key in account.moved:
            # An earlier message of this batch found the chat moved: no need to ask again.
            item = replace(item, chat_key=account.moved[item.chat_key])
        try:
            delivered = await self._deliver(account, item, recorder)
        except RetryAfter as exc:
            seconds = min(exc.seconds, MAX_RETRY_AFTER)
            if account.limiter is not None:
                account.limiter.pause(seconds, item.chat_key, group=item.group)
            delay = max(seconds, backoff_seconds(attempt, settings.outbound_backoff_seconds, 1.0))
            return Retry(message_id, reason_of(exc), delay)
        except Retryable as exc:
            delay = max(
                exc.backoff,
                backoff_seconds(
                    attempt,
                    settings.outbound_backoff_seconds,
                    settings.outbound_max_backoff_seconds,
                ),
            )
            return Retry(message_id, reason_of(exc), delay)
        except CredentialsBroken as exc:
            # The account is broken, not the message: it waits (a fixed token lets it go).
            recorder.status = (ChannelStatus.disconnected, str(exc))
            delay = backoff_seconds(
                attempt, settings.outbound_backoff_seconds, settings.outbound_max_backoff_seconds
            )
            return Retry(message_id, reason_of(exc), delay)
        except Permanent as exc:
            return Failed(message_id, reason_of(exc), contact_unreachable=exc.contact_unreachable)
        except ChannelError as exc:
            return Failed(message_id, reason_of(exc))
        except Exception:
            log.exception("outbound: sending message %s crashed", message_id)
            delay = backoff_seconds(
                attempt, settings.outbound_backoff_seconds, settings.outbound_max_backoff_seconds
            )
            return Retry(message_id, {"code": "internal_error"}, delay)
        return Sent(message_id, delivered.external_id)

    async def _deliver(self, account: _Account, item: Outgoing, recorder: _Recorder) -> Delivered:
        """Send, paced; when Telegram answers that the group became a supergroup, the chat's
        move is recorded and the message goes at once to the new chat (the same attempt: the
        message did nothing wrong). A second move answer fails it as any permanent error."""
        if account.limiter is not None:
            await account.limiter.acquire(item.chat_key, group=item.group)
        try:
            return await account.sender.send(item)
        except ChatMigrated as exc:
            if item.chat_key is None or exc.new_chat_id == item.chat_key:
                raise
            old, new = item.chat_key, exc.new_chat_id
        job = item.job
        recorder.add(ChatMoved(job.message_id, job.workspace_id, job.conversation_id, old, new))
        account.moved[old] = new
        log.info("outbound: chat %s of channel %s moved to %s", old, job.channel_id, new)
        item = replace(item, chat_key=new)
        if account.limiter is not None:
            await account.limiter.acquire(item.chat_key, group=item.group)
        return await account.sender.send(item)


class _Recorder:
    """Commits a batch's outcomes while it is being sent: whatever has come in since the
    last commit goes in the next one (a commit per outcome when sends are slow, larger groups
    when they are fast)."""

    def __init__(self, pipeline: OutboundPipeline, channel_id: uuid.UUID) -> None:
        self._pipeline = pipeline
        self._channel_id = channel_id
        self._pending: list[Outcome] = []
        self._more = asyncio.Event()
        self._closed = False
        self.status: tuple[ChannelStatus, str] | None = None

    def add(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        self._more.set()

    def close(self) -> None:
        self._closed = True
        self._more.set()

    async def run(self) -> None:
        pipeline = self._pipeline
        while True:
            await self._more.wait()
            self._more.clear()
            while self._pending:
                outcomes, self._pending = self._pending, []
                status, self.status = self.status, None
                try:
                    await record_outcomes(
                        pipeline._db,
                        self._channel_id,
                        pipeline._claim_id,
                        outcomes,
                        max_attempts=pipeline._settings.outbound_max_attempts,
                        now=utcnow(),
                        channel_status=status,
                    )
                except Exception:
                    # Left claimed: the claim runs out and the messages go again (the
                    # idempotency key keeps the provider from delivering them twice).
                    log.exception("outbound: cannot record %d outcomes", len(outcomes))
            if self._closed and not self._pending:
                return
