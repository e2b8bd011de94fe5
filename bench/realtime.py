"""Realtime benchmarks over real HTTP and WebSockets on 127.0.0.1 (SQLite, one process).

(a) ingest msg/s while 10 WebSocket clients receive every message; (b) ingest → WebSocket
receipt latency at fixed offered rates; (f) server memory per idle WebSocket connection.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.messaging import Workspace, _workspace
from bench.server import relaydesk_server
from bench.stats import console, machine, ms, percentile, print_table

LISTENERS = int(os.environ.get("BENCH_LISTENERS", "10"))
FANOUT_MESSAGES = int(os.environ.get("BENCH_FANOUT_MESSAGES", "1000"))
FANOUT_BATCH = int(os.environ.get("BENCH_FANOUT_BATCH", "100"))
FANOUT_BATCHED_MESSAGES = int(os.environ.get("BENCH_FANOUT_BATCHED_MESSAGES", "5000"))
RATES = [int(r) for r in os.environ.get("BENCH_RATES", "100,500,1000").split(",")]
RATE_SECONDS = float(os.environ.get("BENCH_RATE_SECONDS", "5"))
IDLE_CONNECTIONS = int(os.environ.get("BENCH_IDLE_CONNECTIONS", "5000"))
MAX_IN_FLIGHT = 64


def _ws_url(ws: Workspace) -> str:
    token = ws.headers["Authorization"].removeprefix("Bearer ")
    return ws.base_url.replace("http://", "ws://") + f"/api/v1/ws?token={token}"


async def _listener(ws: Workspace) -> ClientConnection:
    conn = await connect(_ws_url(ws), max_size=None)
    json.loads(await conn.recv())  # welcome
    await conn.send(
        json.dumps({"v": 1, "type": "subscribe", "id": "s", "workspace_id": ws.workspace_id})
    )
    while json.loads(await conn.recv())["type"] != "caught_up":
        pass
    return conn


async def _receive(
    conn: ClientConnection, on_text: Callable[[str], None], stop: asyncio.Event
) -> None:
    while not stop.is_set():
        frame = json.loads(await conn.recv())
        if frame["type"] == "ping":
            await conn.send('{"v":1,"type":"pong"}')
        elif frame["type"] == "event" and frame["event_type"] == "message.created":
            on_text(frame["event"]["message"]["text"])


async def _post(client: httpx.AsyncClient, ws: Workspace, text: str, contact: int) -> None:
    response = await client.post(
        ws.path(f"/channels/{ws.channel_id}/inbound"),
        headers=ws.headers,
        json={
            "external_id": uuid.uuid4().hex,
            "contact": {"external_id": f"rt-{contact}"},
            "text": text,
        },
    )
    if response.status_code != 200:
        raise RuntimeError(response.text)


async def _wait_for(condition: Callable[[], bool], limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("listeners did not receive every message")
        await asyncio.sleep(0.01)


async def _post_batch(
    client: httpx.AsyncClient, ws: Workspace, texts: list[str], contact: int
) -> None:
    messages = [
        {
            "external_id": uuid.uuid4().hex,
            "contact": {"external_id": f"rt-{contact + n}"},
            "text": t,
        }
        for n, t in enumerate(texts)
    ]
    response = await client.post(
        ws.path(f"/channels/{ws.channel_id}/inbound/batch"),
        headers=ws.headers,
        json={"messages": messages},
    )
    if response.status_code != 200:
        raise RuntimeError(response.text)


async def fanout(ws: Workspace, batch: int = 0) -> list[str]:
    listeners = [await _listener(ws) for _ in range(LISTENERS)]
    received = [0] * LISTENERS
    stop = asyncio.Event()

    def counter(i: int) -> Callable[[str], None]:
        def count(_: str) -> None:
            received[i] += 1

        return count

    readers = [asyncio.create_task(_receive(c, counter(i), stop)) for i, c in enumerate(listeners)]
    producers = 4
    offered = FANOUT_BATCHED_MESSAGES if batch else FANOUT_MESSAGES
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=ws.base_url, timeout=60) as client:

        async def produce(p: int) -> None:
            each = offered // producers
            for i in range(0, each, batch or 1):
                if batch:
                    texts = [f"fan-out {p}-{j}-{batch}" for j in range(i, min(i + batch, each))]
                    await _post_batch(client, ws, texts, i % 50)
                else:
                    await _post(client, ws, f"fan-out {p}-{i}", i % 50)

        await asyncio.gather(*(produce(p) for p in range(producers)))
    total = (offered // producers) * producers
    await _wait_for(lambda: min(received) >= total, 120)
    elapsed = time.perf_counter() - started
    stop.set()
    for reader in readers:
        reader.cancel()
    for conn in listeners:
        await conn.close()
    how = f", batches of {batch}" if batch else ""
    return [
        f"(a) ingest with {LISTENERS} WebSocket clients receiving all, 4 producers{how}",
        f"{total / elapsed:,.0f} msg/s",
        "",
        "",
    ]


async def latency(ws: Workspace, rate: int) -> list[str]:
    conn = await _listener(ws)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    stop = asyncio.Event()

    def arrived(text: str) -> None:
        if text in sent:
            latencies.append(time.perf_counter() - sent.pop(text))

    reader = asyncio.create_task(_receive(conn, arrived, stop))
    total = int(rate * RATE_SECONDS)
    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
    tasks = []
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=ws.base_url, timeout=60) as client:

        async def one(i: int) -> None:
            async with in_flight:
                text = f"latency {rate} {i}"
                sent[text] = time.perf_counter()
                await _post(client, ws, text, i % 50)

        for i in range(total):
            # Open loop: offer messages on schedule, whatever the server's pace.
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        await _wait_for(lambda: len(latencies) >= total, 120)
    elapsed = time.perf_counter() - started
    stop.set()
    reader.cancel()
    await conn.close()
    return [
        f"(b) ingest → WebSocket, offered {rate} msg/s",
        f"achieved {total / elapsed:,.0f} msg/s",
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
    ]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def idle_memory(ws: Workspace, pid: int) -> list[str]:
    before = _rss_kib(pid)
    url = _ws_url(ws)
    conns: list[ClientConnection] = []
    for start in range(0, IDLE_CONNECTIONS, 250):
        batch = [connect(url) for _ in range(min(250, IDLE_CONNECTIONS - start))]
        conns.extend(await asyncio.gather(*batch))
    for conn in conns:
        json.loads(await conn.recv())  # welcome: the server holds the connection now
    after = _rss_kib(pid)
    await asyncio.gather(*(c.close() for c in conns))
    per = (after - before) * 1024 / IDLE_CONNECTIONS
    return [
        f"(f) server memory per idle WebSocket, {IDLE_CONNECTIONS:,} connected",
        f"{per / 1024:.1f} KiB",
        "",
        "",
    ]


def main() -> None:
    rows: list[list[str]] = []
    with relaydesk_server() as server:
        ws = _workspace(server.base_url)
        rows.append(asyncio.run(fanout(ws)))
        rows.append(asyncio.run(fanout(ws, FANOUT_BATCH)))
        for rate in RATES:
            rows.append(asyncio.run(latency(ws, rate)))
    with relaydesk_server() as server:
        ws = _workspace(server.base_url)
        rows.append(asyncio.run(idle_memory(ws, server.pid)))
    print_table(
        "realtime on SQLite, one server process",
        ["benchmark", "result", "p50 ms", "p99 ms"],
        rows,
    )
    console.print(f"machine: {machine()}")
