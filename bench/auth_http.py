"""Authenticated request throughput and latency over real HTTP on 127.0.0.1.

Measures the per-request cost of authentication (JWT + session lookup, or API-key lookup)
plus a tenant-scoped read, and the deliberately slow password sign-in.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import time
import uuid
from dataclasses import dataclass

import httpx
from rich.console import Console
from rich.table import Table

from bench.server import relaydesk_server

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
LOGINS = int(os.environ.get("BENCH_LOGINS", "40"))
PASSWORD = "benchmark password"


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]

    def row(self) -> list[str]:
        q = statistics.quantiles(self.latencies, n=100)
        return [
            self.name,
            str(self.count),
            f"{self.count / self.seconds:,.0f}",
            f"{q[49] * 1000:.1f}",
            f"{q[94] * 1000:.1f}",
            f"{q[98] * 1000:.1f}",
        ]


async def _load(
    client: httpx.AsyncClient, name: str, total: int, concurrency: int, request: dict[str, object]
) -> Result:
    latencies: list[float] = []
    remaining = iter(range(total))

    async def worker() -> None:
        for _ in remaining:
            started = time.perf_counter()
            response = await client.request(**request)  # type: ignore[arg-type]
            latencies.append(time.perf_counter() - started)
            if response.status_code >= 400:
                raise RuntimeError(f"{name}: {response.status_code} {response.text}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(name, total, time.perf_counter() - started, latencies)


async def run(base: str) -> list[Result]:
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        signup = await client.post(
            "/api/v1/auth/signup",
            json={"email": email, "password": PASSWORD, "name": "B", "workspace_name": "Bench"},
        )
        body = signup.json()
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        workspace = f"/api/v1/workspaces/{body['workspace']['id']}"
        key = await client.post(
            f"{workspace}/api-keys", headers=bearer, json={"name": "bench", "scopes": ["read"]}
        )
        api_key = {"Authorization": f"Bearer {key.json()['key']}"}
        results = [
            await _load(
                client, "GET /healthz", REQUESTS, CONCURRENCY, {"method": "GET", "url": "/healthz"}
            ),
            await _load(
                client,
                "GET /me (access token)",
                REQUESTS,
                CONCURRENCY,
                {"method": "GET", "url": "/api/v1/me", "headers": bearer},
            ),
            await _load(
                client,
                "GET workspace (API key)",
                REQUESTS,
                CONCURRENCY,
                {"method": "GET", "url": workspace, "headers": api_key},
            ),
            await _load(
                client,
                "GET members (access token)",
                REQUESTS,
                CONCURRENCY,
                {"method": "GET", "url": f"{workspace}/members", "headers": bearer},
            ),
            await _load(
                client,
                "POST /auth/login (argon2id)",
                LOGINS,
                4,
                {
                    "method": "POST",
                    "url": "/api/v1/auth/login",
                    "json": {"email": email, "password": PASSWORD},
                },
            ),
        ]
    return results


def main() -> None:
    console = Console()
    database_url = os.environ.get("BENCH_DATABASE_URL")
    backend = "postgresql" if database_url else "sqlite"
    with relaydesk_server(database_url) as server:
        results = asyncio.run(run(server.base_url))
    table = Table(title=f"auth_http on {backend}, concurrency {CONCURRENCY}, one server process")
    for column in ("request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="right" if column != "request" else "left")
    for result in results:
        table.add_row(*result.row())
    console.print(table)
    console.print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
