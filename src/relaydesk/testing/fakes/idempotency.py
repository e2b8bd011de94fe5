"""Idempotent sends: a repeat of a send with the same `X-Idempotency-Key` answers the first
result and is not delivered again (real providers ignore the header; the fakes honour it so
that tests can prove a client sends each message once)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

HEADER = "x-idempotency-key"


class Replays:
    """First results by key. A repeat that arrives while the first is still being processed
    (a client that timed out and retried) waits for it; a first attempt that failed leaves
    no trace, so the next one is processed afresh."""

    def __init__(self) -> None:
        self._results: dict[str, asyncio.Future[Any]] = {}
        self.replayed = 0

    async def run(self, key: str | None, work: Callable[[], Awaitable[Any]]) -> tuple[Any, bool]:
        """`(result, replayed)`."""
        if not key:
            return await work(), False
        known = self._results.get(key)
        if known is not None:
            await asyncio.wait({known})
            if not known.cancelled():  # cancelled: the first attempt failed, process this one
                self.replayed += 1
                return known.result(), True
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._results[key] = future
        try:
            result = await work()
        except BaseException:
            del self._results[key]
            future.cancel()
            raise
        future.set_result(result)
        return result, False

    def clear(self) -> None:
        self._results.clear()
        self.replayed = 0
