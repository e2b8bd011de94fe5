"""The outbound pipeline's HTTP client: CPU of one POST, httpx's own transport against the
pipeline's (httpx on aiohttp's connections, channels/outbound/http.py).

2,000 POSTs of a 350-byte JSON body to a local receiver (relaydesk.testing.receiver) at
several concurrencies; the client thread's CPU time per request (time.thread_time), after
a warm-up round on the same client. Environment: BENCH_HTTP_REQUESTS (2000).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

import httpx
import uvloop

from bench.stats import console, machine, print_table
from relaydesk.channels.outbound.http import sending_client
from relaydesk.testing.receiver import receiver

REQUESTS = int(os.environ.get("BENCH_HTTP_REQUESTS", "2000"))
CONCURRENCY = (1, 4, 16, 64)
BODY = b'{"message_id":"m","text":"' + b"x" * 320 + b'"}'


def _httpx_own(timeout: float, user_agent: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout), follow_redirects=False, headers={"User-Agent": user_agent}
    )


async def _round(client: httpx.AsyncClient, url: str, concurrency: int) -> tuple[float, float]:
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with gate:
            answer = await client.post(
                url,
                content=BODY,
                headers={"Content-Type": "application/json", "Idempotency-Key": str(n)},
            )
            answer.raise_for_status()

    wall, cpu = time.perf_counter(), time.thread_time()
    await asyncio.gather(*(one(n) for n in range(REQUESTS)))
    return (
        (time.thread_time() - cpu) / REQUESTS * 1e6,
        (time.perf_counter() - wall) / REQUESTS * 1e6,
    )


async def _measure(
    make: Callable[[float, str], httpx.AsyncClient], url: str, concurrency: int
) -> tuple[float, float]:
    async with make(10.0, "RelayDesk-Bench/1") as client:
        await _round(client, url, concurrency)
        return await _round(client, url, concurrency)


def main() -> None:
    rows: list[list[str]] = []
    with receiver() as (url, _posts):
        for concurrency in CONCURRENCY:
            own = uvloop.run(_measure(_httpx_own, url, concurrency))
            ours = uvloop.run(_measure(sending_client, url, concurrency))
            rows.append(
                [
                    str(concurrency),
                    f"{own[0]:,.0f} µs",
                    f"{ours[0]:,.0f} µs",
                    f"{own[1]:,.0f} / {ours[1]:,.0f} µs",
                ]
            )
    print_table(
        f"outbound HTTP client: CPU per POST ({REQUESTS:,} POSTs to 127.0.0.1)",
        ["in flight", "httpx's transport", "aiohttp's (the pipeline's)", "wall per POST"],
        rows,
    )
    console.print(f"machine: {machine()}")
