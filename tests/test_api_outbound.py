"""The API channel's outbound delivery to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.database import create_engine
from relaydesk.domains.channels.models import Channel, OutboundJob
from relaydesk.testing.receiver import receiver as posts_receiver
from tests.conftest import Account, signup
from tests.harness import Server, make_settings, running_server, throwaway_database, wait_until
from tests.messaging import inbound


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class Receiver:
    """Answers each post with the next scripted (status, headers, body); the last repeats."""

    script: list[tuple[int, dict[str, str], bytes]]
    received: list[Received] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    servers: list[ThreadingHTTPServer] = []

    def start(*script: tuple[int, dict[str, str], bytes]) -> Receiver:
        state = Receiver(script=list(script) or [(200, {}, b"{}")])
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    state.received.append(Received(dict(self.headers), body, time.monotonic()))
                    index = min(len(state.received), len(state.script)) - 1
                status, headers, reply = state.script[index]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        state.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
        return state

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def fast(make_server: Callable[..., Server]) -> Server:
    """Short backoff, few attempts, so retry paths finish quickly."""
    return make_server(
        outbound_backoff_seconds=0.05,
        outbound_max_backoff_seconds=0.2,
        outbound_max_attempts=3,
        api_outbound_timeout_seconds=2,
    )


def _channel(owner: Account, url: str) -> str:
    created = owner.request(
        "POST", owner.ws("/channels"), json={"type": "api", "name": "CRM", "outbound_url": url}
    )
    assert created.status_code == 201, created.text
    channel_id: str = created.json()["id"]
    return channel_id


def _message(owner: Account, conversation: str, message_id: str) -> dict[str, Any]:
    items = owner.request(
        "GET", owner.ws(f"/conversations/{conversation}/messages"), params={"limit": 200}
    ).json()["items"]
    found: dict[str, Any] = next(m for m in items if m["id"] == message_id)
    return found


def _reply(owner: Account, conversation: str, text: str = "Hi there") -> dict[str, Any]:
    sent = owner.request(
        "POST", owner.ws(f"/conversations/{conversation}/messages"), json={"text": text}
    )
    assert sent.status_code == 201, sent.text
    body: dict[str, Any] = sent.json()
    return body


def _wait_status(owner: Account, conversation: str, message_id: str, status: str) -> None:
    wait_until(
        lambda: _message(owner, conversation, message_id)["status"] == status,
        15,
        f"message {message_id} to be {status}",
    )


def test_reply_is_posted_signed_and_marked_sent(
    fast: Server, receiver: Callable[..., Receiver]
) -> None:
    hook = receiver((200, {"Content-Type": "application/json"}, b'{"external_id": "crm-77"}'))
    with fast.client() as c:
        owner = signup(c)
        channel = _channel(owner, hook.url)
        conversation = inbound(owner, channel, contact="cust-9")["conversation_id"]
        reply = _reply(owner, conversation, "您好")
        _wait_status(owner, conversation, reply["id"], "sent")
        assert _message(owner, conversation, reply["id"])["external_id"] == "crm-77"
        secret = owner.request("GET", owner.ws(f"/channels/{channel}/signing-secret")).json()
    [post] = hook.received
    expected = hmac.new(secret["signing_secret"].encode(), post.body, hashlib.sha256).hexdigest()
    assert post.headers["X-RelayDesk-Signature"] == f"sha256={expected}"
    assert post.headers["Idempotency-Key"] == reply["id"]
    assert post.headers["Content-Type"] == "application/json"
    assert post.json["message_id"] == reply["id"]
    assert post.json["conversation_id"] == conversation
    assert (post.json["seq"], post.json["text"], post.json["type"]) == (2, "您好", "text")
    assert post.json["contact"] == {"external_id": "cust-9"}
    assert post.json["attachments"] == []
    # Status reports can now name the message by the receiver's id.
    with fast.client() as c:
        owner.client = c
        read = owner.request(
            "POST",
            owner.ws(f"/channels/{channel}/statuses"),
            json={"external_id": "crm-77", "status": "read"},
        )
        assert read.json()["status"] == "read"


def test_a_5xx_is_retried_and_sent_once(fast: Server, receiver: Callable[..., Receiver]) -> None:
    hook = receiver((500, {}, b"<html>oops</html>"), (200, {}, b""))
    with fast.client() as c:
        owner = signup(c)
        conversation = inbound(owner, _channel(owner, hook.url))["conversation_id"]
        reply = _reply(owner, conversation)
        _wait_status(owner, conversation, reply["id"], "sent")
        second = _reply(owner, conversation, "second")
        _wait_status(owner, conversation, second["id"], "sent")
    keys = [r.headers["Idempotency-Key"] for r in hook.received]
    assert keys == [reply["id"], reply["id"], second["id"]]
    assert [r.headers["X-RelayDesk-Attempt"] for r in hook.received] == ["1", "2", "1"]
    assert hook.received[0].body == hook.received[1].body


def test_429_waits_for_retry_after(fast: Server, receiver: Callable[..., Receiver]) -> None:
    hook = receiver((429, {"Retry-After": "1"}, b""), (200, {}, b""))
    with fast.client() as c:
        owner = signup(c)
        conversation = inbound(owner, _channel(owner, hook.url))["conversation_id"]
        reply = _reply(owner, conversation)
        _wait_status(owner, conversation, reply["id"], "sent")
    assert len(hook.received) == 2
    assert hook.received[1].at - hook.received[0].at >= 0.95


def test_a_4xx_fails_at_once_and_keeps_the_error(
    fast: Server, receiver: Callable[..., Receiver]
) -> None:
    hook = receiver((404, {}, b"no such conversation here"))
    with fast.client() as c:
        owner = signup(c)
        conversation = inbound(owner, _channel(owner, hook.url))["conversation_id"]
        reply = _reply(owner, conversation)
        _wait_status(owner, conversation, reply["id"], "failed")
        error = _message(owner, conversation, reply["id"])["error"]
    assert error == {"code": "http_error", "status": 404, "body": "no such conversation here"}
    assert len(hook.received) == 1


def test_retries_run_out(fast: Server, receiver: Callable[..., Receiver]) -> None:
    hook = receiver((503, {}, b"down"))
    with fast.client() as c:
        owner = signup(c)
        conversation = inbound(owner, _channel(owner, hook.url))["conversation_id"]
        reply = _reply(owner, conversation)
        _wait_status(owner, conversation, reply["id"], "failed")
        error = _message(owner, conversation, reply["id"])["error"]
    assert (error["code"], error["status"], error["attempts"]) == ("retries_exhausted", 503, 3)
    assert len(hook.received) == 3


def test_notes_and_inbound_are_never_posted(
    fast: Server, receiver: Callable[..., Receiver]
) -> None:
    hook = receiver()
    with fast.client() as c:
        owner = signup(c)
        conversation = inbound(owner, _channel(owner, hook.url))["conversation_id"]
        note = owner.request(
            "POST",
            owner.ws(f"/conversations/{conversation}/notes"),
            json={"text": "internal: refund approved"},
        )
        assert note.status_code == 201
        reply = _reply(owner, conversation, "Your refund is on its way")
        _wait_status(owner, conversation, reply["id"], "sent")
    assert [r.json["message_id"] for r in hook.received] == [reply["id"]]
    assert b"internal" not in hook.received[0].body


def test_queued_messages_are_delivered_after_a_restart(
    tmp_path: Path, receiver: Callable[..., Receiver]
) -> None:
    # Nothing listens on port 9: the first attempt fails and the retry is far off.
    hook = receiver()
    with throwaway_database(tmp_path) as url:
        settings = make_settings(
            tmp_path, url, outbound_backoff_seconds=30, outbound_max_attempts=10
        )
        with running_server(settings) as first, first.client() as c:
            owner = signup(c)
            channel = _channel(owner, "http://127.0.0.1:9/hook")
            conversation = inbound(owner, channel)["conversation_id"]
            reply = _reply(owner, conversation)
            wait_until(
                lambda: _job(first, reply["id"]) is not None and _job(first, reply["id"])[0] == 1,
                15,
                "the first attempt to fail",
            )
            assert _message(owner, conversation, reply["id"])["status"] == "queued"
        assert hook.received == []

        async def repoint() -> None:
            # Test setup while no server runs: channels have no update endpoint yet, and the
            # retry is made due now instead of in half a minute.
            db = Database(create_engine(url))
            try:
                async with db.write("test_repoint") as s:
                    await s.execute(update(Channel).values(outbound_url=hook.url))
                    await s.execute(update(OutboundJob).values(next_attempt_at=utcnow()))
            finally:
                await db.dispose()

        asyncio.run(repoint())
        with running_server(settings, migrate=False) as second, second.client() as c:
            owner.client = c
            _wait_status(owner, conversation, reply["id"], "sent")
            assert _job(second, reply["id"]) is None
    assert [r.json["message_id"] for r in hook.received] == [reply["id"]]
    assert hook.received[0].headers["X-RelayDesk-Attempt"] == "2"


def _job(server: Server, message_id: str) -> tuple[int, dict[str, Any] | None] | None:
    """The message's queue row as (attempts, last_error), None once it left the queue."""

    async def load() -> tuple[int, dict[str, Any] | None] | None:
        async with server.db.read("test_job") as s:
            job = await s.get(OutboundJob, uuid.UUID(message_id))
            return None if job is None else (job.attempts, job.last_error)

    return server.run(load())


@dataclass
class _Gate:
    """A receiver that holds every post until `open` is set, then answers each after a
    provider's latency; it counts the posts in flight at once."""

    open: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    most: int = 0
    answered: int = 0


def test_an_account_keeps_at_most_its_concurrency_in_flight(
    make_server: Callable[..., Server],
) -> None:
    gate = _Gate()
    latency = threading.Event()  # never set: its wait is the receiver's latency

    def held() -> None:
        with gate.lock:
            gate.in_flight += 1
            gate.most = max(gate.most, gate.in_flight)
        gate.open.wait(30)
        latency.wait(0.3)
        with gate.lock:
            gate.in_flight -= 1
            gate.answered += 1

    server = make_server(outbound_concurrency=3)
    with posts_receiver(held) as (url, _), server.client() as c:
        owner = signup(c)
        channel = _channel(owner, url)
        conversations = [
            inbound(owner, channel, contact=f"cust-{n}")["conversation_id"] for n in range(8)
        ]
        replies = [(conv, _reply(owner, conv)["id"]) for conv in conversations]
        # All eight are queued while the first claim is held: the next claim takes the
        # rest together, and those are sent side by side, three at a time.
        gate.open.set()
        for conversation, reply_id in replies:
            _wait_status(owner, conversation, reply_id, "sent")
    assert gate.answered == 8
    assert gate.most == 3
