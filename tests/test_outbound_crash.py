"""A real `relaydesk serve` killed with SIGKILL while 500 replies are going out: after a
restart under the same executor id the provider has received each exactly once, in order
per conversation, and none is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.database import create_engine
from relaydesk.domains.actor import Actor, ActorType
from relaydesk.domains.channels.models import OutboundJob
from relaydesk.domains.contacts.models import Contact, ContactIdentity
from relaydesk.domains.conversations.actions import send_message
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.domains.conversations.schemas import MessageSendIn
from relaydesk.testing.fakes import WhatsAppControl, running_fake
from tests.conftest import Account, signup
from tests.harness import TEST_SECRET, serve_process_handle, wait_until
from tests.messaging import whatsapp_channel

PHONE = "100000000000999"
CONVERSATIONS = 10
PER_CONVERSATION = 50
TOTAL = CONVERSATIONS * PER_CONVERSATION


def _database(env: dict[str, str]) -> Database:
    return Database(create_engine(make_url(env["RELAYDESK_DATABASE_URL"])))


def _conversations(env: dict[str, str], workspace_id: str, channel_id: str) -> list[str]:
    """Test setup: contacts who wrote just now, each with a conversation."""

    async def create() -> list[str]:
        db = _database(env)
        now = utcnow()
        ids = []
        try:
            async with db.write("test_conversations") as s:
                for n in range(CONVERSATIONS):
                    contact = Contact(workspace_id=uuid.UUID(workspace_id), name=f"c{n}")
                    s.add(contact)
                    await s.flush()
                    s.add(
                        ContactIdentity(
                            workspace_id=contact.workspace_id,
                            channel_id=uuid.UUID(channel_id),
                            external_id=f"1650666{n:04d}",
                            contact_id=contact.id,
                        )
                    )
                    conversation = Conversation(
                        workspace_id=contact.workspace_id,
                        channel_id=uuid.UUID(channel_id),
                        contact_id=contact.id,
                        last_activity_at=now,
                        last_inbound_at=now,
                    )
                    s.add(conversation)
                    await s.flush()
                    ids.append(str(conversation.id))
        finally:
            await db.dispose()
        return ids

    return asyncio.run(create())


def _left(env: dict[str, str]) -> tuple[int, Counter[str]]:
    """(jobs still queued, messages by status) as the database holds them."""

    async def read() -> tuple[int, Counter[str]]:
        db = _database(env)
        try:
            async with db.read("test_left") as s:
                jobs = await s.scalar(select(func.count()).select_from(OutboundJob))
                rows = await s.execute(
                    select(Message.status, func.count())
                    .where(Message.direction == "out")
                    .group_by(Message.status)
                )
                return int(jobs or 0), Counter({str(k): int(v) for k, v in rows})
        finally:
            await db.dispose()

    return asyncio.run(read())


def _queue(env: dict[str, str], owner: Account, conversations: list[str]) -> list[tuple[str, str]]:
    """Every reply as (text, message id), queued through the reply action the API calls (a
    few times faster than 500 requests, which keeps the test short)."""

    async def queue() -> list[tuple[str, str]]:
        db = _database(env)
        actor = Actor(ActorType.user, id=uuid.UUID(owner.user_id))
        workspace = uuid.UUID(owner.workspace_id)
        replies = []
        try:
            for n in range(PER_CONVERSATION):
                for conversation in conversations:
                    text = f"{conversation[:8]} #{n:03d}"
                    message = await send_message(
                        db, actor, workspace, uuid.UUID(conversation), MessageSendIn(text=text)
                    )
                    replies.append((text, str(message.id)))
        finally:
            await db.dispose()
        return replies

    return asyncio.run(queue())


def test_sigkill_mid_send_loses_nothing_and_sends_nothing_twice(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **cli_env,
        "RELAYDESK_SECRET_KEY": TEST_SECRET,
        "RELAYDESK_EXECUTOR_ID": "crash-test-executor",
        "RELAYDESK_OUTBOUND_POLL_SECONDS": "0.2",
        "RELAYDESK_LOG_FORMAT": "console",
    }
    data = tmp_path / "data"
    with (
        running_fake("whatsapp", config=None) as fake,
        WhatsAppControl(fake.base_url) as control,
    ):
        control.add_phone_number(PHONE, access_token="crash-token", app_secret="crash-secret")
        control.configure(auto_statuses=[], enforce_window=False)
        with serve_process_handle(env, data) as (base, process), httpx.Client(base_url=base) as c:
            owner = signup(c)
            channel = whatsapp_channel(
                owner,
                f"{fake.base_url}/v23.0",
                PHONE,
                "crash-token",
                "crash-secret",
                "crash-verify",
                name="Crash line",
            )["id"]
            # Held while the 500 are queued, so that the kill finds them mostly unsent.
            patch = owner.request(
                "PATCH", owner.ws(f"/channels/{channel}"), json={"enabled": False}
            )
            assert patch.status_code == 200, patch.text
            conversations = _conversations(env, owner.workspace_id, channel)
            replies = _queue(env, owner, conversations)
            assert control.sent(PHONE) == []
            patch = owner.request("PATCH", owner.ws(f"/channels/{channel}"), json={"enabled": True})
            assert patch.status_code == 200, patch.text
            wait_until(lambda: len(control.sent(PHONE)) >= TOTAL // 4, 30, "a quarter sent")
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
        at_kill = len(control.sent(PHONE))
        assert at_kill < TOTAL, "the kill came too late to test anything"
        with serve_process_handle(env, data):
            wait_until(lambda: _left(env)[0] == 0, 60, "the queue to drain after the restart")
        sent = control.sent(PHONE)
    jobs, statuses = _left(env)
    assert (jobs, statuses) == (0, Counter({"sent": TOTAL}))
    texts = Counter(m["body"]["text"]["body"] for m in sent)
    assert sorted(texts) == sorted(text for text, _ in replies)
    assert set(texts.values()) == {1}, "a message reached the provider twice"
    assert Counter(m["idempotency_key"] for m in sent) == Counter(m for _, m in replies)
    # Per conversation, the provider saw the replies in the order they were written.
    by_recipient: dict[str, list[str]] = {}
    for m in sent:
        by_recipient.setdefault(m["to"], []).append(m["body"]["text"]["body"])
    for received in by_recipient.values():
        assert received == sorted(received)
    # Both processes' logs (sends, the kill, recovery) name no secret.
    logs = [log.read_text() for log in tmp_path.glob("serve-*.log")]
    assert len(logs) == 2
    for secret in ("crash-token", "crash-secret", "crash-verify"):
        assert not any(secret in log for log in logs)
