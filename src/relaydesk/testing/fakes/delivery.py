"""Webhook delivery as the providers do it: POST, retry on a non-2xx answer or a transport
error with exponential backoff, give up after a bounded number of attempts.

The real providers retry for hours; a fake that tests start and stop must stop by itself, so
the attempts and delays are small and configurable (`RetryPolicy`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from relaydesk.testing.fakes.journal import Journal


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0
    # Per attempt; a receiver slower than this counts as a failed attempt.
    timeout: float = 10.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    def update(self, spec: dict[str, Any]) -> None:
        for name in ("attempts", "base_delay", "max_delay", "timeout"):
            if name in spec:
                setattr(self, name, type(getattr(self, name))(spec[name]))


@dataclass
class Outcome:
    delivered: bool
    status: int | None = None
    error: str | None = None


@dataclass
class Poster:
    """Posts webhook bodies with one shared client; every attempt lands in the journal."""

    journal: Journal
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    _client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient()
        return self._client

    async def post_once(
        self, url: str, body: bytes, headers: dict[str, str], *, attempt: int, label: str
    ) -> Outcome:
        try:
            response = await self.client().post(
                url, content=body, headers=headers, timeout=self.policy.timeout
            )
        except httpx.HTTPError as exc:
            message = f"{type(exc).__name__}: {exc}"
            self.journal.delivery(
                url, body, headers, attempt=attempt, status=None, error=message, label=label
            )
            return Outcome(False, error=message)
        ok = 200 <= response.status_code < 300
        error = None if ok else f"Wrong response from the webhook: {response.status_code}"
        self.journal.delivery(
            url,
            body,
            headers,
            attempt=attempt,
            status=response.status_code,
            error=error,
            label=label,
        )
        return Outcome(ok, response.status_code, error)

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Callable[[], dict[str, str]],
        *,
        label: str,
        still_wanted: Callable[[], bool] = lambda: True,
    ) -> Outcome:
        """Deliver with retries; `headers` is asked again for each attempt (faults may differ)."""
        outcome = Outcome(False)
        for attempt in range(1, self.policy.attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self.policy.delay(attempt - 1))
                if not still_wanted():
                    break
            outcome = await self.post_once(url, body, headers(), attempt=attempt, label=label)
            if outcome.delivered:
                break
        return outcome

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class TaskSet:
    """Background tasks owned by a fake, cancelled when it stops."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass
class _Item:
    url: str
    body: bytes
    headers: Callable[[], dict[str, str]]
    label: str
    duplicate: bool


class DeliveryQueue:
    """Deliveries to one URL go out one after another, each with retries; URLs are independent."""

    def __init__(self, poster: Poster, tasks: TaskSet) -> None:
        self._poster = poster
        self._tasks = tasks
        self._queues: dict[str, list[_Item]] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._workers: dict[str, asyncio.Task[Any]] = {}

    def submit(
        self,
        url: str,
        body: bytes,
        headers: Callable[[], dict[str, str]],
        *,
        label: str,
        duplicate: bool = False,
    ) -> None:
        self._queues.setdefault(url, []).append(_Item(url, body, headers, label, duplicate))
        self._wakeups.setdefault(url, asyncio.Event()).set()
        worker = self._workers.get(url)
        if worker is None or worker.done():
            self._workers[url] = self._tasks.spawn(self._work(url))

    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

    async def _work(self, url: str) -> None:
        queue, wakeup = self._queues[url], self._wakeups[url]
        while True:
            if not queue:
                wakeup.clear()
                await wakeup.wait()
                continue
            item = queue[0]
            outcome = await self._poster.post(item.url, item.body, item.headers, label=item.label)
            if outcome.delivered and item.duplicate:
                await self._poster.post_once(
                    item.url, item.body, item.headers(), attempt=1, label=item.label
                )
            queue.pop(0)

    def clear(self) -> None:
        for queue in self._queues.values():
            queue.clear()
