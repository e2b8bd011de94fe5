"""Token buckets that keep our sends inside a provider's limits: one per channel account, and
for Telegram one per private chat and one per group (docs/channels.md).

Pure asyncio: the clock and the sleep are injected, so tests drive time by hand.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """`count` sends per `per` seconds; `burst` (default `count`) sends may go at once after a
    quiet spell. A token bucket bounds the average rate; within any window of `per` seconds it
    allows up to `burst + count`, so set `burst` low where a window limit is strict."""

    count: int
    per: float = 1.0
    burst: int | None = None

    def __post_init__(self) -> None:
        if self.count < 1 or self.per <= 0 or (self.burst is not None and self.burst < 1):
            raise ValueError("a limit needs count >= 1, per > 0 and burst >= 1")

    @property
    def capacity(self) -> float:
        return float(self.burst if self.burst is not None else self.count)

    @property
    def rate(self) -> float:
        """Tokens per second."""
        return self.count / self.per


@dataclass(frozen=True)
class RateLimits:
    """What one account may send: overall, per private chat, per group (None: no limit)."""

    account: Limit | None
    chat: Limit | None = None
    group: Limit | None = None


_EPSILON = 1e-9


class TokenBucket:
    def __init__(self, limit: Limit, now: float) -> None:
        self.limit = limit
        self.tokens = limit.capacity
        self.updated = now
        # Set by a provider's "retry after": nothing is taken before this time.
        self.blocked_until = 0.0

    def _refill(self, now: float) -> None:
        if now > self.updated:
            gained = (now - self.updated) * self.limit.rate
            self.tokens = min(self.limit.capacity, self.tokens + gained)
            self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until a token can be taken (0 when one can be now)."""
        self._refill(now)
        blocked = self.blocked_until - now
        missing = 1.0 - self.tokens
        wait = max(blocked, missing / self.limit.rate)
        # Below the clock's resolution a wait would never end: `now + wait == now`.
        return wait if wait > _EPSILON else 0.0

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0

    def idle(self, now: float) -> bool:
        """A full, unblocked bucket behaves like a new one and can be forgotten."""
        self._refill(now)
        return self.tokens >= self.limit.capacity and self.blocked_until <= now


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """The buckets of one channel account. `reserve` takes a token from every bucket that
    applies (account, and the chat's or group's) or from none, and says how long to wait."""

    def __init__(
        self,
        limits: RateLimits,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        max_buckets: int = 10_000,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._max_buckets = max_buckets
        now = clock()
        self._account = TokenBucket(limits.account, now) if limits.account else None
        self._chats: dict[tuple[bool, str], TokenBucket] = {}

    def _buckets(self, chat_key: str | None, group: bool, now: float) -> list[TokenBucket]:
        buckets = [self._account] if self._account else []
        limit = self.limits.group if group else self.limits.chat
        if chat_key is not None and limit is not None:
            bucket = self._chats.get((group, chat_key))
            if bucket is None:
                if len(self._chats) >= self._max_buckets:
                    self._forget_idle(now)
                bucket = self._chats[(group, chat_key)] = TokenBucket(limit, now)
            buckets.append(bucket)
        return buckets

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, b in self._chats.items() if b.idle(now)]:
            del self._chats[key]

    def reserve(self, chat_key: str | None = None, *, group: bool = False) -> float:
        """0 when a send may go now (its tokens taken); else the seconds to wait, nothing
        taken."""
        now = self._clock()
        buckets = self._buckets(chat_key, group, now)
        wait = max((b.wait(now) for b in buckets), default=0.0)
        if wait > 0:
            return wait
        for bucket in buckets:
            bucket.take(now)
        return 0.0

    async def acquire(self, chat_key: str | None = None, *, group: bool = False) -> float:
        """Wait until a send may go and take its tokens; the seconds waited."""
        waited = 0.0
        while (wait := self.reserve(chat_key, group=group)) > 0:
            await self._sleep(wait)
            waited += wait
        return waited

    def pause(self, seconds: float, chat_key: str | None = None, *, group: bool = False) -> None:
        """Hold sends for `seconds` (a provider's retry-after): the chat's bucket when a chat is
        named and limited, else the whole account."""
        now = self._clock()
        limit = self.limits.group if group else self.limits.chat
        if chat_key is not None and limit is not None:
            targets = self._buckets(chat_key, group, now)[-1:]
        else:
            targets = [self._account] if self._account else []
        for bucket in targets:
            bucket.blocked_until = max(bucket.blocked_until, now + seconds)
