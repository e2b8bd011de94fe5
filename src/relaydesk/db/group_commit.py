"""Group commit: concurrent calls with the same key share one write transaction.

A round starts as soon as a call arrives and nothing is running for its key; calls that
arrive while a round runs go together in the next one. Nobody waits on a timer, so a quiet
system answers as fast as before and a busy one pays one transaction per round instead of
one per call. When a shared round fails, its calls run again one by one, so a bad item fails
only its own caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
I = TypeVar("I")  # noqa: E741 - the item, as K is the key and R the result
R = TypeVar("R")


class GroupCommit(Generic[K, I, R]):
    def __init__(self, run: Callable[[K, list[I]], Awaitable[list[R]]], max_batch: int) -> None:
        self._run = run
        self._max_batch = max_batch
        self._waiting: dict[K, list[tuple[I, asyncio.Future[R]]]] = {}
        self._rounds: dict[K, asyncio.Task[None]] = {}

    async def submit(self, key: K, item: I) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append((item, future))
        if key not in self._rounds:
            # A task, not the caller, runs the rounds: a caller that goes away (a closed
            # request) neither cuts a transaction short nor strands the others.
            self._rounds[key] = asyncio.create_task(self._drain(key), name="relaydesk-group")
        return await asyncio.shield(future)

    async def _drain(self, key: K) -> None:
        batch: list[tuple[I, asyncio.Future[R]]] = []
        try:
            while batch := self._take(key):
                await self._round(key, batch)
        finally:
            del self._rounds[key]
            # Only when cancelled (at shutdown): nobody may wait forever.
            for _, future in [*batch, *self._waiting.pop(key, [])]:
                future.cancel()

    def _take(self, key: K) -> list[tuple[I, asyncio.Future[R]]]:
        waiting = self._waiting.get(key, [])
        batch, self._waiting[key] = waiting[: self._max_batch], waiting[self._max_batch :]
        return batch

    async def _round(self, key: K, batch: list[tuple[I, asyncio.Future[R]]]) -> None:
        try:
            results = await self._run(key, [item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch[0][1], exc)
                return
            for item, future in batch:
                try:
                    _resolve(future, (await self._run(key, [item]))[0])
                except Exception as alone:
                    _fail(future, alone)
            return
        for (_, future), result in zip(batch, results, strict=True):
            _resolve(future, result)


def _resolve(future: asyncio.Future[R], result: R) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[R], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
