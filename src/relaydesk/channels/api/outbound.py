"""Delivers the API channel's outbound messages to each channel's `outbound_url`.

A small in-process deliverer: it looks for queued messages at start-up, after every commit
that queued one, and every `api_outbound_poll_seconds`. Each conversation's messages leave
one at a time in seq order. A post is signed (see signing.py) and carries the message id as
`Idempotency-Key`, so a receiver can drop a repeat after a crash between its 2xx and our
commit. 5xx, 429 and network errors are retried with exponential backoff and jitter
(`Retry-After` honoured); other answers fail the message and keep the reason. Retry state
lives in memory: after a restart a queued message starts its attempts again. Moving this
onto durable DBOS queues is the Channels work's.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.api.signing import SIGNATURE_HEADER, sign, signing_secret
from relaydesk.db import Database
from relaydesk.domains.actor import Actor
from relaydesk.domains.conversations.actions.common import OUTBOUND_QUEUED
from relaydesk.domains.conversations.actions.delivery import record_delivery
from relaydesk.domains.conversations.queries import (
    OutboundDelivery,
    QueuedOutbound,
    outbound_delivery,
    queued_api_outbound,
)
from relaydesk.domains.conversations.schemas import MessageStatus
from relaydesk.settings import Settings

log = logging.getLogger(__name__)

_MAX_IN_FLIGHT = 16
_MAX_RETRY_AFTER = 3600.0
_ERROR_BODY_CHARS = 500


class _RetryError(Exception):
    def __init__(self, reason: dict[str, Any], retry_after: float | None = None) -> None:
        super().__init__(reason.get("code"))
        self.reason = reason
        self.retry_after = retry_after


class _FailedError(Exception):
    def __init__(self, reason: dict[str, Any]) -> None:
        super().__init__(reason.get("code"))
        self.reason = reason


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Exponential with "equal jitter": half fixed, half random, so retries spread out."""
    ceiling = min(cap, base * 2.0 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not secrecy


def body_of(delivery: OutboundDelivery) -> bytes:
    message = delivery.message
    document = {
        "message_id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "channel_id": str(delivery.channel_id),
        "seq": message.seq,
        "type": message.type.value,
        "text": message.text,
        "attachments": message.payload.get("attachments", []),
        "location": message.payload if message.type.value == "location" else None,
        "template": message.payload if message.type.value == "template" else None,
        "contact": {"external_id": delivery.contact_external_id},
        "created_at": message.created_at.isoformat(),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


class ApiOutboundDeliverer:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings
        self._actor = Actor.system()
        self._wake = asyncio.Event()
        self._in_flight: dict[uuid.UUID, uuid.UUID] = {}  # conversation → message
        self._attempts: dict[uuid.UUID, int] = {}
        self._not_before: dict[uuid.UUID, float] = {}
        # Posted with a 2xx but not yet recorded as sent: never posted again, only recorded.
        self._posted: dict[uuid.UUID, str | None] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self._settings.api_outbound_timeout_seconds),
            follow_redirects=False,
            headers={"User-Agent": "RelayDesk-Outbound/1"},
        )
        self._db.add_commit_listener(self._after_commit)
        self._loop_task = asyncio.create_task(self._run(), name="api-outbound")
        self.wake()

    async def stop(self) -> None:
        self._db.remove_commit_listener(self._after_commit)
        tasks = [t for t in (self._loop_task, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()

    def wake(self) -> None:
        self._wake.set()

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.get(OUTBOUND_QUEUED):
            self.wake()

    def _seconds_to_next_retry(self) -> float:
        poll = self._settings.api_outbound_poll_seconds
        if not self._not_before:
            return poll
        return max(0.0, min(poll, min(self._not_before.values()) - time.monotonic()))

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._seconds_to_next_retry())
            self._wake.clear()
            try:
                queued = await queued_api_outbound(self._db)
            except Exception:
                log.exception("cannot read queued outbound messages")
                continue
            now = time.monotonic()
            for item in queued:
                if len(self._tasks) >= _MAX_IN_FLIGHT:
                    break
                if item.conversation_id in self._in_flight:
                    continue
                if self._not_before.get(item.message_id, 0.0) > now:
                    continue
                self._in_flight[item.conversation_id] = item.message_id
                task = asyncio.create_task(self._deliver(item))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _deliver(self, item: QueuedOutbound) -> None:
        try:
            await self._attempt(item)
        except Exception:
            log.exception("outbound delivery of %s crashed", item.message_id)
            self._schedule_retry(item, {"code": "internal_error"}, None)
        finally:
            self._in_flight.pop(item.conversation_id, None)
            self.wake()  # the conversation's next message may go now

    async def _attempt(self, item: QueuedOutbound) -> None:
        if item.message_id in self._posted:
            await self._finish(item, MessageStatus.sent, external_id=self._posted[item.message_id])
            return
        delivery = await outbound_delivery(self._db, item.workspace_id, item.message_id)
        if (
            delivery is None
            or delivery.message.status is not MessageStatus.queued
            or not delivery.outbound_url
            or not delivery.enabled
        ):
            self._forget(item.message_id)
            return
        attempt = self._attempts.get(item.message_id, 0) + 1
        self._attempts[item.message_id] = attempt
        try:
            external_id = await self._post(delivery, attempt)
        except _RetryError as retry:
            if attempt >= self._settings.api_outbound_max_attempts:
                reason = {**retry.reason, "code": "retries_exhausted", "attempts": attempt}
                await self._finish(item, MessageStatus.failed, error=reason)
            else:
                self._schedule_retry(item, retry.reason, retry.retry_after)
            return
        except _FailedError as failed:
            await self._finish(item, MessageStatus.failed, error=failed.reason)
            return
        self._posted[item.message_id] = external_id
        await self._finish(item, MessageStatus.sent, external_id=external_id)

    async def _post(self, delivery: OutboundDelivery, attempt: int) -> str | None:
        assert self._client is not None
        assert delivery.outbound_url is not None
        body = body_of(delivery)
        secret = signing_secret(self._settings.secret_key, delivery.channel_id)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
            "Idempotency-Key": str(delivery.message.id),
            "X-RelayDesk-Attempt": str(attempt),
        }
        try:
            response = await self._client.post(delivery.outbound_url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise _RetryError({"code": "timeout"}) from None
        except httpx.TransportError as exc:
            raise _RetryError({"code": "network_error", "detail": type(exc).__name__}) from None
        status = response.status_code
        if 200 <= status < 300:
            return _external_id_of(response)
        reason = {"code": "http_error", "status": status, "body": response.text[:_ERROR_BODY_CHARS]}
        if status == 429 or status >= 500:
            raise _RetryError(reason, retry_after_seconds(response.headers.get("retry-after")))
        raise _FailedError(reason)

    def _schedule_retry(
        self, item: QueuedOutbound, reason: dict[str, Any], retry_after: float | None
    ) -> None:
        attempt = self._attempts.get(item.message_id, 1)
        delay = backoff_seconds(
            attempt,
            self._settings.api_outbound_backoff_seconds,
            self._settings.api_outbound_max_backoff_seconds,
        )
        if retry_after is not None:
            delay = max(delay, min(retry_after, _MAX_RETRY_AFTER))
        log.info(
            "outbound message %s: %s; retry %d in %.1fs",
            item.message_id,
            reason.get("code"),
            attempt + 1,
            delay,
        )
        self._not_before[item.message_id] = time.monotonic() + delay

    async def _finish(
        self,
        item: QueuedOutbound,
        status: MessageStatus,
        *,
        error: dict[str, Any] | None = None,
        external_id: str | None = None,
    ) -> None:
        await record_delivery(
            self._db,
            self._actor,
            item.workspace_id,
            item.message_id,
            status,
            error=error,
            external_id=external_id,
        )
        self._forget(item.message_id)

    def _forget(self, message_id: uuid.UUID) -> None:
        self._attempts.pop(message_id, None)
        self._not_before.pop(message_id, None)
        self._posted.pop(message_id, None)


def _external_id_of(response: httpx.Response) -> str | None:
    """A receiver may answer `{"external_id": "…"}`; status reports can then use that id."""
    try:
        data = response.json()
    except ValueError:
        return None
    value = data.get("external_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 200 else None
