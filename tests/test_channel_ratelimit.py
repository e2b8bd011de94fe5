"""Token buckets per account, chat and group, driven by a hand-moved clock (no sleeps)."""

from __future__ import annotations

import asyncio

import pytest

from relaydesk.channels.ratelimit import Limit, RateLimiter, RateLimits
from relaydesk.channels.telegram.adapter import RATE_LIMITS as TELEGRAM
from relaydesk.channels.whatsapp.adapter import RATE_LIMITS as WHATSAPP


class Clock:
    """Time that moves only when a waiter sleeps (or a test moves it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(limits: RateLimits, clock: Clock, **kwargs: int) -> RateLimiter:
    return RateLimiter(limits, clock=clock, sleep=clock.sleep, **kwargs)


def test_account_bucket_bursts_then_holds_the_rate() -> None:
    clock = Clock()
    buckets = limiter(RateLimits(account=Limit(80, 1.0)), clock)
    assert all(buckets.reserve() == 0 for _ in range(80))
    assert buckets.reserve() == pytest.approx(1 / 80)

    async def send(count: int) -> None:
        for _ in range(count):
            await buckets.acquire()

    start = clock.now
    asyncio.run(send(800))
    # After the burst, 800 more take 10 s at 80/s.
    assert clock.now - start == pytest.approx(10.0, rel=0.01)


def test_telegram_chat_group_and_bot_limits() -> None:
    clock = Clock()
    buckets = limiter(TELEGRAM, clock)
    assert buckets.reserve("1") == 0
    # 1 per second in a private chat, while another chat may go at once.
    assert buckets.reserve("1") == pytest.approx(1.0)
    assert buckets.reserve("2") == 0
    clock.now += 1.0
    assert buckets.reserve("1") == 0

    # A group: a burst of 3, then one every 3 s (20 a minute).
    clock.now += 1.0
    assert [buckets.reserve("-5", group=True) for _ in range(3)] == [0, 0, 0]
    assert buckets.reserve("-5", group=True) == pytest.approx(3.0)

    # 30 a second over the bot, whatever the chats, after a burst of 3 only.
    clock.now += 60
    granted = sum(buckets.reserve(str(chat)) == 0 for chat in range(100, 140))
    assert granted == 3

    async def send(count: int) -> None:
        for chat in range(count):
            await buckets.acquire(str(200 + chat))

    start = clock.now
    asyncio.run(send(30))
    assert clock.now - start == pytest.approx(1.0, rel=0.01)


def test_a_refused_reservation_takes_nothing() -> None:
    clock = Clock()
    buckets = limiter(RateLimits(account=Limit(2, 1.0), chat=Limit(1, 1.0)), clock)
    assert buckets.reserve("a") == 0
    assert buckets.reserve("a") > 0  # the chat is empty: the account keeps its token
    assert buckets.reserve("b") == 0
    assert buckets.reserve("c") > 0  # now the account is empty


def test_pause_holds_a_chat_or_the_account() -> None:
    clock = Clock()
    buckets = limiter(TELEGRAM, clock)
    buckets.pause(2.0, "7")
    assert buckets.reserve("7") == pytest.approx(2.0)
    assert buckets.reserve("8") == 0
    buckets.pause(5.0)
    assert buckets.reserve("9") == pytest.approx(5.0)

    waited = asyncio.run(buckets.acquire("9"))
    assert waited == pytest.approx(5.0)
    assert clock.slept == [pytest.approx(5.0)]


def test_idle_buckets_are_forgotten() -> None:
    clock = Clock()
    buckets = limiter(RateLimits(account=None, chat=Limit(1, 1.0)), clock, max_buckets=10)
    for chat in range(10):
        buckets.reserve(str(chat))
    clock.now += 5
    buckets.reserve("new")
    assert buckets.reserve("0") == 0  # a forgotten bucket comes back full
    assert len(buckets._chats) <= 10
    assert WHATSAPP.account == Limit(80, 1.0, burst=8)


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="count"):
        Limit(0)
    with pytest.raises(ValueError, match="burst"):
        Limit(1, 1.0, burst=0)
