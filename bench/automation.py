"""Automation benchmark, against real `relaydesk serve` processes on SQLite.

1. Trigger matching: 1,000 published workflows in one workspace (keyword modes exact,
   contains and regex, channel filters, other trigger types), loaded by the engine's own
   index from the database; p50/p99 of matching one inbound message (target p99 <= 1 ms).
2. Timers after a restart: 10,000 runs waiting on a wait node, all due at the same moment
   a few seconds after the server was killed (SIGKILL) and started again; for each run, the
   delay from its `wake_at` to the start of its next step (target: all within 2 s).
3. Runs end to end: a published keyword workflow (trigger -> condition -> send_message on an
   API channel whose posts go to a local HTTP sink), inbound messages offered through the
   batch inbound endpoint; runs completed per second by their `finished_at` (target >= 500/s).

Environment: BENCH_AUTOMATION_WORKFLOWS (1000), BENCH_AUTOMATION_TIMERS (10000),
BENCH_AUTOMATION_MESSAGES (5000), BENCH_AUTOMATION_PARTS ("match,timers,throughput").
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from bench.server import _free_port
from bench.stats import console, machine, ms, percentile, print_table
from relaydesk.db import Database
from relaydesk.db import models as _models  # noqa: F401 - every table, for foreign keys
from relaydesk.db.database import create_engine
from relaydesk.domains.automation.models import WorkflowRun, WorkflowStep, WorkflowVersion
from relaydesk.domains.automation.triggers.base import Occurrence
from relaydesk.domains.automation.triggers.index import TriggerIndex
from relaydesk.domains.automation.triggers.messages import message_data
from relaydesk.domains.contacts.models import Contact
from relaydesk.settings import load_settings
from relaydesk.testing.receiver import receiver

WORKFLOWS = int(os.environ.get("BENCH_AUTOMATION_WORKFLOWS", "1000"))
TIMERS = int(os.environ.get("BENCH_AUTOMATION_TIMERS", "10000"))
MESSAGES = int(os.environ.get("BENCH_AUTOMATION_MESSAGES", "5000"))
PARTS = os.environ.get("BENCH_AUTOMATION_PARTS", "match,timers,throughput").split(",")
PASSWORD = "benchmark password"
SECRET = "bench-automation-secret-key-0123456789abcdef"
# How long after the kill the timers are due: the restart comes well before.
TIMER_DELAY = timedelta(seconds=20)
WORDS = [
    "price",
    "refund",
    "hello",
    "order",
    "shipping",
    "价格",
    "退款",
    "\uff30\uff32\uff29\uff23\uff25",  # PRICE in full width
    "help",
    "bye",
]


class _Serve:
    """`relaydesk serve` on a data directory that outlives the process (to kill and restart)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Starts the server; returns when /healthz answered (time.time())."""
        env = {
            **os.environ,
            "RELAYDESK_DATA_DIR": str(self.data_dir),
            "RELAYDESK_SECRET_KEY": SECRET,
            "RELAYDESK_EXECUTOR_ID": "bench-automation",
            "RELAYDESK_LOG_LEVEL": "WARNING",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "relaydesk", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("relaydesk serve exited during start-up")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return time.time()
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("relaydesk serve did not answer within 60 s")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


@contextmanager
def _server() -> Iterator[_Serve]:
    with tempfile.TemporaryDirectory(prefix="relaydesk-bench-automation-") as tmp:
        serve = _Serve(Path(tmp) / "data")
        serve.start()
        try:
            yield serve
        finally:
            serve.stop()


def _database(data_dir: Path) -> Database:
    return Database(create_engine(load_settings(data_dir=data_dir, secret_key=SECRET).database))


class _Owner:
    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=120)
        body = self.client.post(
            "/api/v1/auth/signup",
            json={
                "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                "password": PASSWORD,
                "name": "B",
                "workspace_name": "Bench",
            },
        ).json()
        self.client.headers["Authorization"] = f"Bearer {body['access_token']}"
        self.ws = body["workspace"]["id"]

    def post(self, path: str, body: Any = None) -> Any:
        answer = self.client.post(f"/api/v1/workspaces/{self.ws}{path}", json=body)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def channel(self, outbound_url: str | None = None) -> str:
        body: dict[str, Any] = {"type": "api", "name": f"bench {uuid.uuid4().hex[:6]}"}
        if outbound_url:
            body["outbound_url"] = outbound_url
        channel_id: str = self.post("/channels", body)["id"]
        return channel_id

    def publish(self, graph: dict[str, Any], name: str = "bench") -> dict[str, Any]:
        created = self.post("/workflows", {"name": name, "graph": graph})
        published: dict[str, Any] = self.post(f"/workflows/{created['id']}/publish")
        return published


def _graph(
    trigger: dict[str, Any], nodes: list[dict[str, Any]], edges: list[tuple[str, ...]]
) -> dict[str, Any]:
    return {
        "version": 1,
        "trigger": trigger,
        "nodes": nodes,
        "edges": [
            {"from": e[0], "to": e[1], **({"handle": e[2]} if len(e) > 2 else {})} for e in edges
        ],
        "settings": {"rate_limit_per_minute": None},
    }


def _matching_trigger(n: int, channels: list[str]) -> dict[str, Any]:
    """The n-th of a mix: 70 % message_received (exact / contains / regex, a third of them
    for one channel only), the rest other trigger types."""
    kind = n % 10
    if kind >= 7:
        others = [
            {"type": "tag_added", "params": {"tag": f"t{n}"}},
            {"type": "conversation_created", "params": {}},
            {"type": "contact_created", "params": {}},
        ]
        return others[kind - 7]
    words = [f"{WORDS[n % len(WORDS)]}", f"kw{n}", f"词{n}"]
    mode = ("exact", "contains", "regex")[n % 3]
    values = [rf"\b{w}\d*\b" for w in words] if mode == "regex" else words
    params: dict[str, Any] = {"keywords": {"mode": mode, "values": values}}
    if n % 3 == 1:
        params["channel_ids"] = [channels[n % len(channels)]]
    return {"type": "message_received", "params": params}


def bench_matching() -> list[list[str]]:
    with _server() as serve:
        owner = _Owner(serve.base_url)
        channels = [owner.channel() for _ in range(5)]
        reply = [{"id": "tag", "type": "add_tag", "params": {"tags": ["seen"]}}]
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(
                pool.map(
                    lambda n: owner.publish(
                        _graph(_matching_trigger(n, channels), reply, [("trigger", "tag")]),
                        f"wf {n}",
                    ),
                    range(WORKFLOWS),
                )
            )
        publish_seconds = time.perf_counter() - started
        texts = [
            " ".join(random.choice([*WORDS, f"kw{random.randrange(WORKFLOWS)}"]) for _ in range(6))
            for _ in range(500)
        ] + [f"kw{n}" for n in range(500)]

        async def measure() -> tuple[list[float], int, float]:
            db = _database(serve.data_dir)
            index = TriggerIndex()
            workspace = uuid.UUID(owner.ws)
            try:
                load = time.perf_counter()
                async with db.read("bench_index") as s:
                    await index.refresh_txn(s, [workspace])
                load_seconds = time.perf_counter() - load
            finally:
                await db.dispose()
            occurrences = [
                Occurrence(
                    "message_received",
                    workspace,
                    n,
                    "contact",
                    None,
                    uuid.uuid4(),
                    uuid.uuid4(),
                    message_data(
                        texts[n % len(texts)],
                        uuid.UUID(channels[n % len(channels)]),
                        n % 7 == 0,
                        str(n),
                    ),
                )
                for n in range(20_000)
            ]
            for o in occurrences[:1000]:  # warm-up
                index.match(o)
            times, matched = [], 0
            for o in occurrences:
                t0 = time.perf_counter()
                found = index.match(o)
                times.append(time.perf_counter() - t0)
                matched += len(found)
            return times, matched, load_seconds

        times, matched, load_seconds = asyncio.run(measure())
    p99 = percentile(times, 99)
    return [
        [f"publish {WORKFLOWS:,} workflows over HTTP (4 threads)", f"{publish_seconds:.1f} s"],
        [f"index load ({WORKFLOWS:,} published triggers)", f"{ms(load_seconds)} ms"],
        ["match one inbound message, p50", f"{percentile(times, 50) * 1e6:.0f} µs"],
        ["match one inbound message, p99", f"{p99 * 1e6:.0f} µs"],
        ["match p99 <= 1 ms", "yes" if p99 <= 0.001 else "NO"],
        ["workflows matched per message (mean)", f"{matched / len(times):.2f}"],
    ]


async def _seed_timers(data_dir: Path, workspace: str, workflow_id: str, wake_at: datetime) -> None:
    """Runs as the engine leaves them at a wait node: state waiting, the wait's step row
    written, `current_node` the node after it."""
    db = _database(data_dir)
    ws = uuid.UUID(workspace)
    try:
        async with db.write("bench_seed") as s:
            version = (
                await s.execute(
                    select(WorkflowVersion.id, WorkflowVersion.version).where(
                        WorkflowVersion.workflow_id == uuid.UUID(workflow_id)
                    )
                )
            ).one()
        now = datetime.now(UTC)
        for start in range(0, TIMERS, 2000):
            contacts, runs, steps = [], [], []
            for n in range(start, min(start + 2000, TIMERS)):
                contact, run = uuid.uuid4(), uuid.uuid4()
                contacts.append(
                    {"id": contact, "workspace_id": ws, "name": f"Timer {n}", "created_at": now}
                )
                runs.append(
                    {
                        "id": run,
                        "workspace_id": ws,
                        "workflow_id": uuid.UUID(workflow_id),
                        "version_id": version[0],
                        "version": version[1],
                        "state": "waiting",
                        "contact_id": contact,
                        "trigger_type": "manual",
                        "context": {"trigger": {}, "vars": {}},
                        "current_node": "tag",
                        "attempts": 0,
                        "depth": 0,
                        "wake_at": wake_at,
                        "started_at": now,
                        "created_at": now,
                    }
                )
                steps.append(
                    {
                        "run_id": run,
                        "workspace_id": ws,
                        "node_id": "pause",
                        "node_type": "wait",
                        "status": "succeeded",
                        "input": {},
                        "output": {"wake_at": wake_at.isoformat()},
                        "attempts": 1,
                        "started_at": now,
                        "finished_at": now,
                    }
                )
            async with db.write("bench_seed") as s:
                await s.execute(insert(Contact), contacts)
                await s.execute(insert(WorkflowRun), runs)
                await s.execute(insert(WorkflowStep), steps)
    finally:
        await db.dispose()


async def _completed(data_dir: Path, workflow_id: str) -> int:
    db = _database(data_dir)
    try:
        async with db.read("bench_timers_done") as s:
            done = await s.scalar(
                select(func.count())
                .select_from(WorkflowRun)
                .where(
                    WorkflowRun.workflow_id == uuid.UUID(workflow_id),
                    WorkflowRun.state == "completed",
                )
            )
    finally:
        await db.dispose()
    return int(done or 0)


async def _timer_delays(data_dir: Path, workflow_id: str) -> tuple[list[float], int]:
    """(per run: tag step start - wake_at, tag steps)."""
    db = _database(data_dir)
    try:
        async with db.read("bench_timers") as s:
            rows = (
                await s.execute(
                    select(WorkflowStep.started_at, WorkflowStep.output)
                    .join(WorkflowRun, WorkflowRun.id == WorkflowStep.run_id)
                    .where(
                        WorkflowRun.workflow_id == uuid.UUID(workflow_id),
                        WorkflowStep.node_id.in_(("pause", "tag")),
                    )
                    .order_by(WorkflowStep.run_id, WorkflowStep.node_id)
                )
            ).all()
    finally:
        await db.dispose()
    # Per run: the pause row (its wake_at) then the tag row (when it started).
    delays, tags, wake = [], 0, None
    for started_at, output in rows:
        if "wake_at" in output:
            wake = datetime.fromisoformat(output["wake_at"])
        else:
            tags += 1
            at = started_at if started_at.tzinfo else started_at.replace(tzinfo=UTC)
            if wake is not None:
                delays.append((at - wake).total_seconds())
    return delays, tags


def bench_timers() -> list[list[str]]:
    with _server() as serve:
        owner = _Owner(serve.base_url)
        workflow = owner.publish(
            _graph(
                {
                    "type": "message_received",
                    "params": {"keywords": {"mode": "exact", "values": ["never sent"]}},
                },
                [
                    {"id": "pause", "type": "wait", "params": {"mode": "duration", "seconds": 60}},
                    {"id": "tag", "type": "add_tag", "params": {"tags": ["woken"]}},
                ],
                [("trigger", "pause"), ("pause", "tag")],
            )
        )
        serve.kill()
        killed = datetime.now(UTC)
        wake_at = killed + TIMER_DELAY
        asyncio.run(_seed_timers(serve.data_dir, owner.ws, workflow["id"], wake_at))
        healthy = datetime.fromtimestamp(serve.start(), UTC)
        deadline = time.monotonic() + 300
        # Polled with a count only: the server shares the machine's cores with this process.
        while (done := asyncio.run(_completed(serve.data_dir, workflow["id"]))) < TIMERS:
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        delays, tags = asyncio.run(_timer_delays(serve.data_dir, workflow["id"]))
    late = max(delays, default=float("nan"))
    return [
        [
            f"runs waiting (seeded after the kill), due {TIMER_DELAY.seconds} s after it",
            f"{TIMERS:,}",
        ],
        ["restarted and healthy before they were due", "yes" if healthy < wake_at else "NO"],
        ["completed", f"{done:,}"],
        ["next step ran exactly once per run", "yes" if tags == TIMERS == len(delays) else "NO"],
        ["delay after wake_at, p50", f"{ms(percentile(delays, 50))} ms"],
        ["delay after wake_at, p99", f"{ms(percentile(delays, 99))} ms"],
        ["delay after wake_at, max", f"{ms(late)} ms"],
        ["all within 2 s of their due time", "yes" if late <= 2.0 else "NO"],
        ["none before its due time", "yes" if min(delays) >= 0 else "NO"],
    ]


async def _finished(data_dir: Path, workflow_id: str) -> list[datetime]:
    db = _database(data_dir)
    try:
        async with db.read("bench_finished") as s:
            rows = await s.scalars(
                select(WorkflowRun.finished_at).where(
                    WorkflowRun.workflow_id == uuid.UUID(workflow_id),
                    WorkflowRun.state == "completed",
                )
            )
            return [r if r.tzinfo else r.replace(tzinfo=UTC) for r in rows if r is not None]
    finally:
        await db.dispose()


def bench_throughput() -> list[list[str]]:
    with receiver() as (url, received), _server() as serve:
        owner = _Owner(serve.base_url)
        channel = owner.channel(url)
        workflow = owner.publish(
            _graph(
                {
                    "type": "message_received",
                    "params": {"keywords": {"mode": "contains", "values": ["price", "价格"]}},
                },
                [
                    {
                        "id": "check",
                        "type": "condition",
                        "params": {
                            "match": "any",
                            "rules": [
                                {"field": "message.text", "op": "contains", "value": "price"},
                                {"field": "contact.tags", "op": "contains", "value": "vip"},
                            ],
                        },
                    },
                    {"id": "reply", "type": "send_message", "params": {"text": "Hi, prices: …"}},
                ],
                [("trigger", "check"), ("check", "reply", "true")],
            )
        )
        batches = [
            {
                "messages": [
                    {
                        "external_id": uuid.uuid4().hex,
                        "contact": {"external_id": f"customer-{n}", "name": f"Customer {n}"},
                        "text": "what is the price?",
                    }
                    for n in range(start, min(start + 500, MESSAGES))
                ]
            }
            for start in range(0, MESSAGES, 500)
        ]
        offered_at = datetime.now(UTC)
        t0 = time.perf_counter()
        for batch in batches:
            owner.post(f"/channels/{channel}/inbound/batch", batch)
        offer_seconds = time.perf_counter() - t0
        deadline = time.monotonic() + 300
        while len(finished := asyncio.run(_finished(serve.data_dir, workflow["id"]))) < MESSAGES:
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        at_finish = len(received)
        # The sends are the outbound pipeline's (bench/outbound.py); a bounded look only.
        sink_deadline = time.monotonic() + 30
        while len(received) < MESSAGES and time.monotonic() < sink_deadline:
            time.sleep(0.2)
    finished.sort()
    total = (finished[-1] - offered_at).total_seconds() if finished else float("nan")
    rate = len(finished) / total if finished else 0.0
    # The steady rate: between the 10th and the 90th percentile of finishing times.
    lo, hi = finished[len(finished) // 10], finished[len(finished) * 9 // 10]
    steady = (len(finished) * 0.8) / max((hi - lo).total_seconds(), 1e-9)
    return [
        [
            f"inbound offered ({MESSAGES:,} in batches of 500)",
            f"{MESSAGES / offer_seconds:,.0f} msg/s",
        ],
        ["runs completed", f"{len(finished):,}"],
        ["runs/s, first offer to last finished_at", f"{rate:,.0f}"],
        ["runs/s, steady (10th-90th percentile)", f"{steady:,.0f}"],
        [">= 500 runs/s end to end", "yes" if rate >= 500 else "NO"],
        ["replies at the sink when the last run finished", f"{at_finish:,}"],
        ["replies at the sink up to 30 s later", f"{len(received):,}"],
    ]


def main() -> None:
    if "match" in PARTS:
        print_table(
            f"automation: trigger matching, {WORKFLOWS:,} published workflows",
            ["figure", "value"],
            bench_matching(),
        )
    if "timers" in PARTS:
        print_table(
            f"automation: {TIMERS:,} timers due together after SIGKILL and restart",
            ["figure", "value"],
            bench_timers(),
        )
    if "throughput" in PARTS:
        print_table(
            f"automation: {MESSAGES:,} keyword runs end to end (SQLite)",
            ["figure", "value"],
            bench_throughput(),
        )
    console.print(f"machine: {machine()}")
