"""`relaydesk demo` as a subprocess: simulated customers' messages arrive through the fakes'
webhooks, an agent's WhatsApp reply turns read, the customer writes back, the process stops
by itself; a second start reuses the workspace and its channels on another port.

The demo always runs on its own SQLite file in --data-dir, whichever backend the suite uses.
The first run lasts its --duration (8 s: the time a live demo needs to show the whole loop);
the second is stopped once its check holds. Each start also costs the interpreter's imports."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from relaydesk.demo.workspace import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_WORKSPACE,
    TELEGRAM_CHANNEL,
    WHATSAPP_CHANNEL,
)
from tests.harness import free_port, wait_until

WAIT = 20.0


@contextmanager
def demo_process(
    data_dir: Path, duration: int, log: Path
) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    """`relaydesk demo` on a free port; yields a client logged in as the demo's owner."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAYDESK_")}
    command = [sys.executable, "-m", "relaydesk", "demo", "--port", str(port)]
    options = ["--data-dir", str(data_dir), "--duration", str(duration), "--pace", "0.5"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, *options], env={**env, "COLUMNS": "200"}, stdout=sink, stderr=sink
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    tokens: list[str] = []

    def logged_in() -> bool:
        assert process.poll() is None, log.read_text(encoding="utf-8")[-2000:]
        try:
            answer = client.post(
                "/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
            )
        except httpx.TransportError:
            return False
        assert answer.status_code == 200, answer.text
        tokens.append(answer.json()["access_token"])
        return True

    try:
        wait_until(logged_in, WAIT, "the demo to accept its printed login")
        client.headers["Authorization"] = f"Bearer {tokens[-1]}"
        yield client, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(30)
        client.close()


def _workspace(client: httpx.Client) -> str:
    workspaces = client.get("/api/v1/me").json()["workspaces"]
    [demo] = [w for w in workspaces if w["name"] == DEMO_WORKSPACE]
    workspace_id: str = demo["id"]
    return workspace_id


def _channels(client: httpx.Client, ws: str) -> dict[str, str]:
    """Channel id by name."""
    items = client.get(f"/api/v1/workspaces/{ws}/channels").json()["items"]
    return {c["name"]: c["id"] for c in items}


def _messages(client: httpx.Client, ws: str, conversation_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/workspaces/{ws}/conversations/{conversation_id}/messages")
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _inbound(client: httpx.Client, ws: str, conversation_id: str) -> int:
    return sum(m["direction"] == "in" for m in _messages(client, ws, conversation_id))


def _conversations_by_channel(client: httpx.Client, ws: str) -> dict[str, list[str]]:
    items = client.get(f"/api/v1/workspaces/{ws}/conversations").json()["items"]
    found: dict[str, list[str]] = {}
    for conversation in items:
        if _inbound(client, ws, conversation["id"]):
            found.setdefault(conversation["channel_id"], []).append(conversation["id"])
    return found


def test_demo_shows_live_conversations_and_ticks_then_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    with demo_process(data_dir, 8, tmp_path / "first.log") as (client, process):
        ws = _workspace(client)
        channels = _channels(client, ws)
        telegram, whatsapp = channels[TELEGRAM_CHANNEL], channels[WHATSAPP_CHANNEL]
        found: dict[str, list[str]] = {}

        def both_channels_live() -> bool:
            found.update(_conversations_by_channel(client, ws))
            return bool(found.get(telegram)) and bool(found.get(whatsapp))

        wait_until(both_channels_live, WAIT, "simulated Telegram and WhatsApp conversations")
        conversation = found[whatsapp][0]
        before = _inbound(client, ws, conversation)
        sent = client.post(
            f"/api/v1/workspaces/{ws}/conversations/{conversation}/messages",
            json={"text": "Thanks for writing, let me check that for you."},
        )
        assert sent.status_code == 201, sent.text

        def read() -> bool:
            [reply] = [
                m for m in _messages(client, ws, conversation) if m["id"] == sent.json()["id"]
            ]
            return bool(reply["status"] == "read")

        wait_until(read, WAIT, "the fake WhatsApp customer to read the reply")
        wait_until(
            lambda: _inbound(client, ws, conversation) > before,
            WAIT,
            "the customer to write back after the reply",
        )
        assert process.wait(WAIT) == 0
    summary = (tmp_path / "first.log").read_text(encoding="utf-8")
    assert f"{DEMO_EMAIL}  password: {DEMO_PASSWORD}" in summary
    assert "(demo)" in summary

    restarted = datetime.now(UTC)
    with demo_process(data_dir, 60, tmp_path / "second.log") as (client, _):
        # The same owner, workspace and channels; the Telegram webhook follows the new port.
        assert _workspace(client) == ws
        assert _channels(client, ws) == channels

        def telegram_after_restart() -> bool:
            items = client.get(f"/api/v1/workspaces/{ws}/conversations").json()["items"]
            return any(
                m["direction"] == "in" and datetime.fromisoformat(m["created_at"]) > restarted
                for c in items
                if c["channel_id"] == telegram
                for m in _messages(client, ws, c["id"])
            )

        wait_until(
            telegram_after_restart, WAIT, "a Telegram message through the re-registered webhook"
        )
    assert "reused" in (tmp_path / "second.log").read_text(encoding="utf-8")
