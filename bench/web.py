"""Web app benchmarks: the built app served by a real `relaydesk serve` (SQLite) on 127.0.0.1,
timed in Debian's Chromium by web/e2e/inbox-perf.mjs.

(a) gzipped JavaScript the inbox route loads, read from the build; (b) a signed-in load of
the inbox until the conversation list is rendered; (c) opening a 5,000-message conversation
until its last message is visible. Needs `make web` (or BENCH_WEB_DIST), Node.js with
web/node_modules, and Chromium (scripts/ensure-chromium).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import uuid
from pathlib import Path

import httpx

from bench.server import relaydesk_server
from bench.stats import console, machine, print_table

ROOT = Path(__file__).resolve().parents[1]
DIST = Path(
    os.environ.get("BENCH_WEB_DIST")
    or os.environ.get("RELAYDESK_WEB_DIST")
    or ROOT / "web" / "dist"
)
SCRIPT = ROOT / "web" / "e2e" / "inbox-perf.mjs"
RUNS = int(os.environ.get("BENCH_WEB_RUNS", "5"))
LONG = int(os.environ.get("BENCH_WEB_MESSAGES", "5000"))
OTHERS = int(os.environ.get("BENCH_WEB_CONVERSATIONS", "50"))
BATCH = 500  # the most `…/inbound/batch` takes
PASSWORD = "benchmark password"

BUDGET_KB = 500
LIST_TARGET_MS = 1500
OPEN_TARGET_MS = 300

# Entry points in index.html, and static imports between chunks (`import("…")` is lazy).
_ENTRY = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="/([^"]+\.js)"')
_STATIC_IMPORT = re.compile(r'(?:\bimport|\bfrom)\s*["\'](\./[^"\']+\.js)["\']')


def inbox_route_js(dist: Path) -> dict[str, tuple[int, int]]:
    """Each JavaScript file the inbox route loads: index.html's entry and preloads, and what
    they import statically, transitively; by path, (bytes, gzipped bytes)."""
    pending = _ENTRY.findall((dist / "index.html").read_text(encoding="utf-8"))
    files: dict[str, tuple[int, int]] = {}
    while pending:
        path = pending.pop()
        if path in files:
            continue
        data = (dist / path).read_bytes()
        files[path] = (len(data), len(gzip.compress(data, compresslevel=6, mtime=0)))
        folder = Path(path).parent
        for imported in _STATIC_IMPORT.findall(data.decode("utf-8", "replace")):
            pending.append((folder / imported).as_posix())
    return files


def _seed(base_url: str) -> dict[str, str]:
    """A signed-up agent, OTHERS short conversations and then one of LONG messages, so that
    the long one is first in the list. Everything through the API."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        body = client.post(
            "/api/v1/auth/signup",
            json={
                "email": f"web-{uuid.uuid4().hex[:8]}@example.com",
                "password": PASSWORD,
                "name": "Bench agent",
                "workspace_name": "Bench",
            },
        ).json()
        workspace = body["workspace"]["id"]
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        ws = f"/api/v1/workspaces/{workspace}"
        channel = client.post(
            f"{ws}/channels", headers=headers, json={"type": "api", "name": "bench"}
        ).json()["id"]

        def post(messages: list[dict[str, object]]) -> list[dict[str, object]]:
            response = client.post(
                f"{ws}/channels/{channel}/inbound/batch",
                headers=headers,
                json={"messages": messages},
            )
            if response.status_code != 200:
                raise RuntimeError(response.text)
            results: list[dict[str, object]] = response.json()["results"]
            return results

        post(
            [
                {
                    "external_id": uuid.uuid4().hex,
                    "contact": {"external_id": f"short-{i}", "name": f"Customer {i}"},
                    "text": f"Question number {i}",
                }
                for i in range(OTHERS)
            ]
        )
        last_text = ""
        conversation = ""
        for start in range(1, LONG + 1, BATCH):
            batch = []
            for n in range(start, min(start + BATCH, LONG + 1)):
                last_text = f"long conversation message #{n:05d}"
                batch.append(
                    {
                        "external_id": uuid.uuid4().hex,
                        "contact": {"external_id": "long", "name": "Long thread"},
                        "text": last_text,
                    }
                )
            conversation = str(post(batch)[-1]["conversation_id"])
    return {
        "WORKSPACE_ID": workspace,
        "ACCESS_TOKEN": body["access_token"],
        "REFRESH_TOKEN": body["refresh_token"],
        "CONVERSATION_ID": conversation,
        "LAST_TEXT": last_text,
    }


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise SystemExit("bench web needs Node.js (20.19+) with web/node_modules (make web)")
    return node


def _browser_timings() -> dict[str, list[float]]:
    # `relaydesk serve` takes its environment from this process.
    os.environ["RELAYDESK_WEB_DIST"] = str(DIST)
    with relaydesk_server() as server:
        seeded = _seed(server.base_url)
        result = subprocess.run(
            [_node(), str(SCRIPT)],
            cwd=ROOT / "web",
            env={**os.environ, **seeded, "BASE_URL": server.base_url, "RUNS": str(RUNS)},
            capture_output=True,
            text=True,
            timeout=360,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"web/e2e/inbox-perf.mjs failed:\n{result.stdout}{result.stderr}")
    timings: dict[str, list[float]] = json.loads(result.stdout.strip().splitlines()[-1])
    return timings


def _median_row(name: str, values: list[float], target_ms: int) -> list[str]:
    median = statistics.median(values)
    return [
        name,
        f"{median:,.0f} ms",
        f"{min(values):,.0f} to {max(values):,.0f}",
        f"≤ {target_ms:,} ms",
        "yes" if median <= target_ms else "no",
    ]


def main() -> None:
    if not (DIST / "index.html").is_file():
        raise SystemExit(f"no web build at {DIST}: run `make web` (or set BENCH_WEB_DIST)")
    console.print(f"[bold]web[/bold] — {machine()}; build {DIST}; {RUNS} runs each")
    files = inbox_route_js(DIST)
    raw = sum(size for size, _ in files.values())
    gzipped = sum(packed for _, packed in files.values())
    timings = _browser_timings()
    rows = [
        [
            f"(a) inbox route JavaScript, {len(files)} files, gzipped ({raw / 1024:,.0f} KB raw)",
            f"{gzipped / 1024:,.0f} KB",
            "",
            f"≤ {BUDGET_KB} KB",
            "yes" if gzipped / 1024 <= BUDGET_KB else "no",
        ],
        _median_row("(b) inbox list rendered, cold cache", timings["list_cold_ms"], LIST_TARGET_MS),
        _median_row("(b) inbox list rendered, warm cache", timings["list_warm_ms"], LIST_TARGET_MS),
        _median_row(
            f"(c) open a {LONG:,}-message conversation, last message visible",
            timings["open_ms"],
            OPEN_TARGET_MS,
        ),
    ]
    if timings["open_fetched_ms"]:
        fetched = statistics.median(timings["open_fetched_ms"])
        rows.append(["(c) of which: click until the messages had arrived", f"{fetched:,.0f} ms"])
        rows[-1] += ["", "", ""]
    print_table("web app", ["benchmark", "median", "range", "target", "met"], rows)
