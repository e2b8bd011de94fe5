"""Two `relaydesk serve` processes on one database deliver each other's events through Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.conftest import Account, signup
from tests.harness import TEST_SECRET, serve_process, throwaway_database
from tests.messaging import api_channel, inbound
from tests.realtime_client import connected, events, texts

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp_path = tmp_path_factory.mktemp("redis")
    with throwaway_database(tmp_path) as url, ExitStack() as stack:
        env = {
            **os.environ,
            "RELAYDESK_DATABASE_URL": url.render_as_string(hide_password=False),
            "RELAYDESK_SECRET_KEY": TEST_SECRET,
            "RELAYDESK_REDIS_URL": REDIS_URL,
            # Each run on its own channel, so parallel runs never hear each other.
            "RELAYDESK_REDIS_PREFIX": f"relaydesk-test-{uuid.uuid4().hex}",
            # Polling the outbox would deliver too: make Redis the only way within the test.
            "RELAYDESK_OUTBOX_POLL_SECONDS": "600",
            "RELAYDESK_LOG_FORMAT": "console",
        }
        first = stack.enter_context(serve_process(env, tmp_path / "a"))
        second = stack.enter_context(serve_process(env, tmp_path / "b"))
        yield first, second


def _on(account: Account, client: httpx.Client) -> Account:
    return Account(**{**account.__dict__, "client": client})


def test_each_process_delivers_the_others_events_once(two_processes: tuple[str, str]) -> None:
    first, second = two_processes
    with (
        httpx.Client(base_url=first, timeout=30) as http_a,
        httpx.Client(base_url=second, timeout=30) as http_b,
    ):
        owner_a = signup(http_a)
        owner_b = _on(owner_a, http_b)
        channel = api_channel(owner_a)
        with connected(first, owner_a) as on_a, connected(second, owner_a) as on_b:
            on_a.subscribe(owner_a.workspace_id)
            on_b.subscribe(owner_a.workspace_id)
            for text in ("one", "two", "three"):
                inbound(owner_a, channel, text)
            inbound(owner_b, channel, "from the second process")
            done = "from the second process"
            seen_a = on_a.until(lambda fs: done in texts(fs))
            seen_b = on_b.until(lambda fs: done in texts(fs))
    expected = ["one", "two", "three", "from the second process"]
    assert texts(seen_a) == texts(seen_b) == expected
    for seen in (seen_a, seen_b):
        positions = [f["position"] for f in events(seen)]
        assert positions == sorted(set(positions)), "an event was delivered twice"
    assert [f["position"] for f in events(seen_a)] == [f["position"] for f in events(seen_b)]


def test_typing_crosses_processes(two_processes: tuple[str, str]) -> None:
    first, second = two_processes
    with httpx.Client(base_url=first, timeout=30) as http_a:
        owner = signup(http_a)
        conversation = inbound(owner, api_channel(owner))["conversation_id"]
        with connected(first, owner) as typist, connected(second, owner) as colleague:
            typist.subscribe(owner.workspace_id)
            colleague.subscribe(owner.workspace_id)
            typist.send(
                "typing",
                workspace_id=owner.workspace_id,
                conversation_id=conversation,
                state="stop",
            )
            typing = colleague.next("typing")
    assert (typing["conversation_id"], typing["state"]) == (conversation, "stop")
    assert typing["user_id"] == owner.user_id
