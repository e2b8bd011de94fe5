"""Outbound pipeline benchmark: N replies through one WhatsApp account to the WhatsApp fake
(SQLite, one server process).

The replies are queued while the channel is disabled, then it is enabled and the fake's
receive times are read: after the token bucket's first burst, the account must hold its
configured rate within ±5 %, and every message must arrive exactly once.

Environment: BENCH_OUTBOUND_MESSAGES (2000), BENCH_OUTBOUND_CONVERSATIONS (200),
BENCH_OUTBOUND_RATE (messages/s per account; unset: the adapter's default, 80).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import seed
from bench.server import relaydesk_server
from bench.stats import console, machine, print_table
from relaydesk.channels.whatsapp.adapter import RATE_LIMITS
from relaydesk.testing.fakes import WhatsAppControl, running_fake

MESSAGES = int(os.environ.get("BENCH_OUTBOUND_MESSAGES", "2000"))
CONVERSATIONS = int(os.environ.get("BENCH_OUTBOUND_CONVERSATIONS", "200"))
RATE = os.environ.get("BENCH_OUTBOUND_RATE")
PHONE = "100000000000123"
TOKEN = "bench-access-token"
PASSWORD = "benchmark password"


def _conversations(data_dir: Path, workspace: str, channel: str, rate: int | None) -> list[str]:
    """Contacts who wrote just now (the 24-hour window is open), each with a conversation;
    and the account's rate, if one is set. Rows in the shapes the actions write."""
    conn = seed.connect(data_dir)
    now = seed._ts(datetime.now(UTC))
    ws, ch = uuid.UUID(workspace).hex, uuid.UUID(channel).hex
    ids = []
    contacts, identities, threads = [], [], []
    for i in range(CONVERSATIONS):
        contact, conversation = uuid.uuid4(), uuid.uuid4()
        ids.append(str(conversation))
        contacts.append((contact.hex, ws, f"Customer {i}", "{}", 0, now))
        identities.append((uuid.uuid4().hex, ws, ch, f"1555{i:07d}", contact.hex, now))
        threads.append((conversation.hex, ws, ch, contact.hex, "open", "normal", 0, now, now, now))
    with conn:
        conn.executemany(
            "INSERT INTO contacts (id, workspace_id, name, attributes, blocked, created_at) "
            "VALUES (?,?,?,?,?,?)",
            contacts,
        )
        conn.executemany(
            "INSERT INTO contact_identities (id, workspace_id, channel_id, external_id, "
            "contact_id, created_at) VALUES (?,?,?,?,?,?)",
            identities,
        )
        conn.executemany(
            "INSERT INTO conversations (id, workspace_id, channel_id, contact_id, status, "
            "priority, last_seq, last_activity_at, last_inbound_at, created_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            threads,
        )
        if rate is not None:
            row = conn.execute("SELECT config FROM channels WHERE id = ?", (ch,)).fetchone()
            config = {**json.loads(row[0] or "{}"), "rate_limits": {"account": {"count": rate}}}
            conn.execute("UPDATE channels SET config = ? WHERE id = ?", (json.dumps(config), ch))
    conn.close()
    return ids


def _queue(base: str, ws: str, headers: dict[str, str], conversations: list[str]) -> int:
    def conversation_replies(index: int) -> int:
        conversation = conversations[index]
        count = len(range(index, MESSAGES, len(conversations)))
        with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
            for n in range(count):
                sent = client.post(
                    f"/api/v1/workspaces/{ws}/conversations/{conversation}/messages",
                    json={"text": f"{conversation} #{n:05d}"},
                )
                sent.raise_for_status()
        return count

    with ThreadPoolExecutor(8) as pool:
        return sum(pool.map(conversation_replies, range(len(conversations))))


def main() -> None:
    rate = int(RATE) if RATE else None
    limit = rate or (RATE_LIMITS.account.count if RATE_LIMITS.account else 0)
    burst = limit  # a full bucket goes at once; the rate is measured after it
    with (
        running_fake("whatsapp") as fake,
        WhatsAppControl(fake.base_url) as control,
        relaydesk_server() as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        control.add_phone_number(PHONE, access_token=TOKEN, app_secret="bench-app-secret")
        control.configure(auto_statuses=[], enforce_window=False)
        body = client.post(
            "/api/v1/auth/signup",
            json={
                "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                "password": PASSWORD,
                "name": "B",
                "workspace_name": "Bench",
            },
        ).json()
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        ws = body["workspace"]["id"]
        channel = client.post(
            f"/api/v1/workspaces/{ws}/channels",
            headers=headers,
            json={
                "type": "whatsapp_cloud",
                "name": "bench",
                "phone_number_id": PHONE,
                "access_token": TOKEN,
                "app_secret": "bench-app-secret",
                "verify_token": "bench-verify-token",
                "api_base_url": f"{fake.base_url}/v23.0",
            },
        ).json()["id"]
        channel_path = f"/api/v1/workspaces/{ws}/channels/{channel}"
        client.patch(channel_path, headers=headers, json={"enabled": False}).raise_for_status()
        conversations = _conversations(server.data_dir, ws, channel, rate)
        started = time.perf_counter()
        queued = _queue(server.base_url, ws, headers, conversations)
        queue_seconds = time.perf_counter() - started
        client.patch(channel_path, headers=headers, json={"enabled": True}).raise_for_status()
        deadline = time.monotonic() + queued / max(limit, 1) * 3 + 60
        while len(sent := control.sent(PHONE)) < queued and time.monotonic() < deadline:
            time.sleep(0.5)
    times = sorted(m["at"] for m in sent)
    keys = Counter(m["idempotency_key"] for m in sent)
    texts = Counter(m["body"]["text"]["body"] for m in sent)
    duplicates = sum(n - 1 for n in texts.values() if n > 1)
    steady = times[burst:] if len(times) > burst + 1 else times
    held = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else 0.0
    window_max = max(
        (sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times)), default=0
    )
    within = abs(held - limit) <= 0.05 * limit
    print_table(
        f"outbound: {queued:,} replies through one WhatsApp account (limit {limit}/s)",
        ["figure", "value"],
        [
            ["replies queued over HTTP (8 threads)", f"{queued / queue_seconds:,.0f} msg/s"],
            ["received by the fake", f"{len(sent):,} of {queued:,}"],
            ["rate held after the first burst", f"{held:.1f} msg/s ({held / limit - 1:+.1%})"],
            ["within ±5 % of the limit", "yes" if within else "NO"],
            ["most in any 1 s (burst included)", str(window_max)],
            ["duplicates (by text)", str(duplicates)],
            ["distinct idempotency keys", f"{len(keys):,}"],
        ],
    )
    console.print(f"machine: {machine()}")
