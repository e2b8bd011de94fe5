"""Messaging core benchmarks over real HTTP on 127.0.0.1 (SQLite, one server process).

(a) ingest msg/s through the API channel's inbound endpoint, 1 and 4 producers;
(c) offline catch-up of 10,000 messages; (d) history page latency in a 100,000-message
conversation; (e) conversation list latency with 100,000 conversations and 1,000,000
messages; and SQLite's raw insert rate on the same disk, for scale.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import time
import uuid
from dataclasses import dataclass

import httpx
from rich.progress import Progress

from bench import seed
from bench.server import BenchServer, relaydesk_server
from bench.stats import console, machine, ms, percentile, print_table

INGEST = int(os.environ.get("BENCH_INGEST_MESSAGES", "3000"))
BATCHED = int(os.environ.get("BENCH_BATCHED_MESSAGES", "20000"))
BATCH = int(os.environ.get("BENCH_BATCH", "100"))
CATCH_UP = int(os.environ.get("BENCH_CATCH_UP_MESSAGES", "10000"))
HISTORY = int(os.environ.get("BENCH_HISTORY_MESSAGES", "100000"))
CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "100000"))
MESSAGES_EACH = int(os.environ.get("BENCH_MESSAGES_EACH", "10"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))
PASSWORD = "benchmark password"


@dataclass(frozen=True)
class Workspace:
    base_url: str
    workspace_id: str
    channel_id: str
    headers: dict[str, str]

    def path(self, suffix: str) -> str:
        return f"/api/v1/workspaces/{self.workspace_id}{suffix}"


def _workspace(base_url: str) -> Workspace:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        body = client.post(
            "/api/v1/auth/signup",
            json={"email": email, "password": PASSWORD, "name": "B", "workspace_name": "Bench"},
        ).json()
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        workspace_id = body["workspace"]["id"]
        key = client.post(
            f"/api/v1/workspaces/{workspace_id}/api-keys",
            headers=bearer,
            json={"name": "bench", "scopes": ["write"]},
        ).json()["key"]
        headers = {"Authorization": f"Bearer {key}"}
        channel = client.post(
            f"/api/v1/workspaces/{workspace_id}/channels",
            headers=bearer,
            json={"type": "api", "name": "bench"},
        ).json()["id"]
    return Workspace(base_url, workspace_id, channel, headers)


def _inbound_message(producer: int, i: int, contacts: int) -> dict[str, object]:
    return {
        "external_id": f"p{producer}-{i}-{uuid.uuid4().hex[:6]}",
        "contact": {"external_id": f"customer-{i % contacts}"},
        "text": f"message {i} from producer {producer}",
    }


def _produce(ws: Workspace, producer: int, count: int, contacts: int, batch: int) -> list[float]:
    """One producer: sequential requests, like one integration worker. `batch` 0 posts one
    message per request to `…/inbound`; more posts that many per request to `…/batch`."""

    async def run() -> list[float]:
        latencies = []
        single = ws.path(f"/channels/{ws.channel_id}/inbound")
        async with httpx.AsyncClient(base_url=ws.base_url, timeout=30) as client:
            for start in range(0, count, batch or 1):
                started = time.perf_counter()
                if batch:
                    messages = [
                        _inbound_message(producer, i, contacts)
                        for i in range(start, min(start + batch, count))
                    ]
                    response = await client.post(
                        f"{single}/batch", headers=ws.headers, json={"messages": messages}
                    )
                else:
                    response = await client.post(
                        single, headers=ws.headers, json=_inbound_message(producer, start, contacts)
                    )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(response.text)
        return latencies

    return asyncio.run(run())


def ingest(ws: Workspace, producers: int, batch: int = 0) -> list[str]:
    total = BATCHED if batch else INGEST
    each = total // producers
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(producers) as pool:
        results = pool.starmap(_produce, [(ws, p, each, 100, batch) for p in range(producers)])
    elapsed = time.perf_counter() - started
    latencies = [v for r in results for v in r]
    how = f", batches of {batch} (…/inbound/batch)" if batch else ""
    return [
        f"(a) ingest, {producers} producer{'s' if producers > 1 else ''}{how}",
        f"{each * producers / elapsed:,.0f} msg/s",
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
    ]


def _conversation_of(server: BenchServer, ws: Workspace, contact: str, messages: int) -> str:
    """A conversation of `messages` messages: the first through the API, the rest seeded."""
    with httpx.Client(base_url=ws.base_url, timeout=30) as client:
        response = client.post(
            ws.path(f"/channels/{ws.channel_id}/inbound"),
            headers=ws.headers,
            json={
                "external_id": uuid.uuid4().hex,
                "contact": {"external_id": contact},
                "text": "hi",
            },
        )
        conversation: str = response.json()["conversation_id"]
    seed.append_messages(
        server.data_dir,
        uuid.UUID(ws.workspace_id),
        uuid.UUID(ws.channel_id),
        uuid.UUID(conversation),
        messages - 1,
    )
    return conversation


def catch_up(server: BenchServer, ws: Workspace) -> list[str]:
    """A client back online with CATCH_UP messages to fetch, the way it reconnects: a new
    WebSocket and a subscribe with `seqs`, timed from connecting to `caught_up`, every frame
    parsed. REST pages of 1,000 (`after_seq`) are timed too, for comparison."""
    import json

    from websockets.asyncio.client import connect

    conversation = _conversation_of(server, ws, "catch-up", CATCH_UP)
    token = ws.headers["Authorization"].removeprefix("Bearer ")
    url = ws.base_url.replace("http://", "ws://") + f"/api/v1/ws?token={token}"
    subscribe = {
        "v": 1,
        "type": "subscribe",
        "workspace_id": ws.workspace_id,
        "conversation_ids": [conversation],
        "seqs": {conversation: 0},
    }

    async def over_websocket() -> tuple[float, int]:
        started = time.perf_counter()
        async with connect(url, max_size=None) as conn:
            json.loads(await conn.recv())  # welcome
            await conn.send(json.dumps(subscribe))
            fetched = 0
            while True:
                frame = json.loads(await conn.recv())
                if frame["type"] == "messages":
                    fetched += len(frame["messages"])
                elif frame["type"] == "caught_up":
                    if frame["resync_conversation_ids"]:
                        raise RuntimeError("raise RELAYDESK_REALTIME_REPLAY_LIMIT to replay all")
                    return time.perf_counter() - started, fetched
                elif frame["type"] == "error":
                    raise RuntimeError(frame)

    elapsed, fetched = asyncio.run(over_websocket())
    assert fetched == CATCH_UP, fetched
    with httpx.Client(base_url=ws.base_url, timeout=30) as client:
        started = time.perf_counter()
        after, fetched = 0, 0
        while True:
            page = client.get(
                ws.path(f"/conversations/{conversation}/messages"),
                headers=ws.headers,
                params={"after_seq": after, "limit": 1000},
            ).json()
            fetched += len(page["items"])
            if not page["items"]:
                break
            after = page["items"][-1]["seq"]
            if not page["has_more"]:
                break
        rest = time.perf_counter() - started
    assert fetched == CATCH_UP, fetched
    return [
        f"(c) catch-up of {CATCH_UP:,} messages (WebSocket resume by seq)",
        f"{elapsed:.2f} s (REST, pages of 1,000: {rest:.2f} s)",
        "",
        "",
    ]


def _latencies(ws: Workspace, requests: list[tuple[str, dict[str, object]]]) -> list[float]:
    latencies = []
    with httpx.Client(base_url=ws.base_url, timeout=30) as client:
        for path, params in requests:
            started = time.perf_counter()
            response = client.get(path, headers=ws.headers, params=params)  # type: ignore[arg-type]
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(response.text)
    return latencies


def history(server: BenchServer, ws: Workspace) -> list[str]:
    conversation = _conversation_of(server, ws, "history", HISTORY)
    path = ws.path(f"/conversations/{conversation}/messages")
    rng = random.Random(7)
    requests: list[tuple[str, dict[str, object]]] = [
        (path, {"before_seq": rng.randint(51, HISTORY), "limit": 50}) for _ in range(SAMPLES)
    ]
    latencies = _latencies(ws, requests)
    return [
        f"(d) history page of 50 in a {HISTORY:,}-message conversation",
        "",
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
    ]


def conversation_list(server: BenchServer, ws: Workspace) -> list[str]:
    total = CONVERSATIONS * MESSAGES_EACH
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"seeding {CONVERSATIONS:,} conversations", total=CONVERSATIONS)
        seed.many_conversations(
            server.data_dir,
            uuid.UUID(ws.workspace_id),
            uuid.UUID(ws.channel_id),
            CONVERSATIONS,
            MESSAGES_EACH,
            progress=lambda n: progress.advance(task, n),
        )
    path = ws.path("/conversations")
    first = _latencies(ws, [(path, {"limit": 50})] * SAMPLES)
    filtered = _latencies(ws, [(path, {"limit": 50, "status": "open"})] * SAMPLES)
    return [
        f"(e) conversation list, 50 per page, {CONVERSATIONS:,} conversations / {total:,} messages",
        f"p95 {ms(percentile(first, 95))} ms (status filter: {ms(percentile(filtered, 95))})",
        ms(percentile(first, 50)),
        ms(percentile(first, 99)),
    ]


def main() -> None:
    rows = []
    with relaydesk_server() as server:
        ws = _workspace(server.base_url)
        per_row, batched = seed.raw_insert_rate(server.data_dir)
        rows.append(
            ["raw SQLite insert, one transaction per row", f"{per_row:,.0f} rows/s", "", ""]
        )
        rows.append(["raw SQLite insert, one transaction", f"{batched:,.0f} rows/s", "", ""])
        rows.append(ingest(ws, 1))
        rows.append(ingest(ws, 4))
        rows.append(ingest(ws, 1, BATCH))
        rows.append(ingest(ws, 4, BATCH))
        rows.append(catch_up(server, ws))
        rows.append(history(server, ws))
        rows.append(conversation_list(server, ws))
    print_table(
        "messaging core on SQLite, one server process",
        ["benchmark", "result", "p50 ms", "p99 ms"],
        rows,
    )
    console.print(f"machine: {machine()}")
