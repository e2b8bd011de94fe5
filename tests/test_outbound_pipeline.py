"""The outbound pipeline end to end: replies queued through the API reach the Telegram and
WhatsApp fakes, with rate-limit answers, server errors, attempts running out and order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import update

from relaydesk.channels.base import OutboundMessage, SendResult
from relaydesk.channels.telegram import TelegramAdapter
from relaydesk.db.base import utcnow
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.contacts.models import Contact, ContactIdentity
from relaydesk.domains.conversations.models import Conversation
from relaydesk.domains.conversations.schemas import MessageType
from relaydesk.testing.fakes import TelegramControl, WhatsAppControl, running_fake
from tests.conftest import Account, signup
from tests.harness import Server, wait_until
from tests.messaging import telegram_channel, whatsapp_channel

TOKEN = "7001:AAHfakeTokenForOutboundTests_0123"
BOT_ID = 7001
PHONE = "100000000000777"
_UNSET: Any = object()


def provider_conversation(
    server: Server,
    account: Account,
    channel_id: str,
    chat_key: str,
    last_inbound_at: datetime | None = _UNSET,
) -> str:
    """Test setup: a contact known on the channel as `chat_key`, with a conversation (as
    inbound processing leaves them)."""

    async def create() -> str:
        now = utcnow()
        workspace = uuid.UUID(account.workspace_id)
        async with server.db.write("test_provider_conversation") as s:
            contact = Contact(workspace_id=workspace, name=f"chat {chat_key}")
            s.add(contact)
            await s.flush()
            s.add(
                ContactIdentity(
                    workspace_id=workspace,
                    channel_id=uuid.UUID(channel_id),
                    external_id=chat_key,
                    contact_id=contact.id,
                )
            )
            conversation = Conversation(
                workspace_id=workspace,
                channel_id=uuid.UUID(channel_id),
                contact_id=contact.id,
                last_activity_at=now,
                last_inbound_at=now if last_inbound_at is _UNSET else last_inbound_at,
            )
            s.add(conversation)
        return str(conversation.id)

    return server.run(create())


def set_rate_limits(server: Server, channel_id: str, limits: dict[str, Any]) -> None:
    """Test setup: per-account limit overrides (channel config `rate_limits`)."""

    async def go() -> None:
        async with server.db.write("test_rate_limits") as s:
            channel = await s.get_one(Channel, uuid.UUID(channel_id))
            channel.config = {**(channel.config or {}), "rate_limits": limits}
            await s.execute(
                update(Channel).where(Channel.id == channel.id).values(config=channel.config)
            )

    server.run(go())


def reply(account: Account, conversation: str, **body: Any) -> dict[str, Any]:
    sent = account.request("POST", account.ws(f"/conversations/{conversation}/messages"), json=body)
    assert sent.status_code == 201, sent.text
    result: dict[str, Any] = sent.json()
    return result


def message(account: Account, conversation: str, message_id: str) -> dict[str, Any]:
    items = account.request(
        "GET", account.ws(f"/conversations/{conversation}/messages"), params={"limit": 200}
    ).json()["items"]
    found: dict[str, Any] = next(m for m in items if m["id"] == message_id)
    return found


def wait_status(account: Account, conversation: str, message_id: str, status: str) -> None:
    wait_until(
        lambda: message(account, conversation, message_id)["status"] == status,
        15,
        f"message {message_id} to be {status}",
    )


@dataclass
class Telegram:
    server: Server
    owner: Account
    control: TelegramControl
    channel_id: str
    base_url: str
    chats: int = 0

    def conversation(self) -> tuple[str, int]:
        """A new private chat with its conversation."""
        self.chats += 1
        chat_id = 5_000_000 + self.chats
        self.control.add_chat(
            BOT_ID, {"id": chat_id, "type": "private", "first_name": f"Customer {chat_id}"}
        )
        return provider_conversation(
            self.server, self.owner, self.channel_id, str(chat_id)
        ), chat_id


@pytest.fixture(scope="module")
def fast(make_server: Callable[..., Server]) -> Server:
    return make_server(
        outbound_backoff_seconds=0.05, outbound_max_backoff_seconds=0.2, outbound_max_attempts=3
    )


@pytest.fixture(scope="module")
def tg(fast: Server) -> Iterator[Telegram]:
    with (
        running_fake("telegram") as fake,
        TelegramControl(fake.base_url) as control,
        fast.client() as client,
    ):
        control.add_bot(TOKEN)
        owner = signup(client)
        created = telegram_channel(owner, fake.base_url, TOKEN, name="Support bot")
        yield Telegram(fast, owner, control, created["id"], fake.base_url)


def test_a_reply_reaches_telegram_once_with_its_key(tg: Telegram) -> None:
    conversation, chat_id = tg.conversation()
    sent = reply(tg.owner, conversation, text="您好, how can I help?")
    wait_status(tg.owner, conversation, sent["id"], "sent")
    [delivered] = tg.control.sent(BOT_ID, chat_id)
    assert delivered["method"] == "sendMessage"
    assert delivered["params"]["text"] == "您好, how can I help?"
    assert delivered["idempotency_key"] == sent["id"]
    stored = message(tg.owner, conversation, sent["id"])
    assert stored["external_id"] == f"{chat_id}:{delivered['message_id']}"
    channel = tg.owner.request("GET", tg.owner.ws(f"/channels/{tg.channel_id}")).json()
    assert channel["counters"]["outbound"] >= 1


def test_429_waits_for_retry_after_then_sends_once(tg: Telegram) -> None:
    conversation, chat_id = tg.conversation()
    tg.control.fault("rate_limit", method="sendMessage", retry_after=2)
    sent = reply(tg.owner, conversation, text="after the flood wait")
    wait_status(tg.owner, conversation, sent["id"], "sent")
    calls = [c for c in tg.control.calls("sendMessage") if c.get("fault") or c["status"] == 200]
    limited = next(c for c in calls if c["status"] == 429)
    accepted = [c for c in calls if c["status"] == 200 and c.get("idempotency_key") == sent["id"]]
    assert len(accepted) == 1
    assert accepted[0]["at"] - limited["at"] >= 2.0
    assert len(tg.control.sent(BOT_ID, chat_id)) == 1


def test_a_5xx_html_page_is_retried_then_sent(tg: Telegram) -> None:
    conversation, chat_id = tg.conversation()
    tg.control.fault("server_error", method="sendMessage", status=502, body="html")
    sent = reply(tg.owner, conversation, text="through the proxy")
    wait_status(tg.owner, conversation, sent["id"], "sent")
    keyed = [c for c in tg.control.calls("sendMessage") if c.get("fault") == "server_error"]
    assert keyed
    assert keyed[-1]["status"] == 502
    assert [s["params"]["text"] for s in tg.control.sent(BOT_ID, chat_id)] == ["through the proxy"]


def test_attempts_run_out_and_the_reason_is_kept(tg: Telegram) -> None:
    conversation, chat_id = tg.conversation()
    tg.control.fault("server_error", method="sendMessage", status=503, times=3)
    sent = reply(tg.owner, conversation, text="never arrives")
    wait_status(tg.owner, conversation, sent["id"], "failed")
    error = message(tg.owner, conversation, sent["id"])["error"]
    assert (error["code"], error["attempts"], error["status"]) == ("retries_exhausted", 3, 503)
    assert tg.control.sent(BOT_ID, chat_id) == []


def test_a_blocked_contact_fails_at_once(tg: Telegram) -> None:
    conversation, _chat_id = tg.conversation()
    tg.control.fault(
        "error",
        method="sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
    )
    sent = reply(tg.owner, conversation, text="are you there?")
    wait_status(tg.owner, conversation, sent["id"], "failed")
    error = message(tg.owner, conversation, sent["id"])["error"]
    assert error["code"] == "permanent"
    assert error["provider_code"] == 403
    assert "blocked" in error["message"]


def test_a_conversation_keeps_its_order_while_one_retries(tg: Telegram) -> None:
    conversation, chat_id = tg.conversation()
    set_rate_limits(tg.server, tg.channel_id, {"chat": {"count": 50}})
    tg.control.fault("rate_limit", method="sendMessage", retry_after=1)
    texts = [f"part {n}" for n in range(1, 6)]
    sent = [reply(tg.owner, conversation, text=t) for t in texts]
    for item in sent:
        wait_status(tg.owner, conversation, item["id"], "sent")
    assert [s["params"]["text"] for s in tg.control.sent(BOT_ID, chat_id)] == texts


def test_notes_are_never_sent(tg: Telegram) -> None:
    conversation, chat_id = tg.conversation()
    note = tg.owner.request(
        "POST", tg.owner.ws(f"/conversations/{conversation}/notes"), json={"text": "internal"}
    )
    assert note.status_code == 201
    sent = reply(tg.owner, conversation, text="public")
    wait_status(tg.owner, conversation, sent["id"], "sent")
    assert [s["params"]["text"] for s in tg.control.sent(BOT_ID, chat_id)] == ["public"]


def test_a_whatsapp_reply_reaches_the_fake(fast: Server) -> None:
    with (
        running_fake("whatsapp") as fake,
        WhatsAppControl(fake.base_url) as control,
        fast.client() as client,
    ):
        control.add_phone_number(PHONE, access_token="wa-token-1", app_secret="wa-secret-1")
        owner = signup(client)
        channel_id = whatsapp_channel(
            owner, f"{fake.base_url}/v23.0", PHONE, "wa-token-1", "wa-secret-1", "wa-verify-1"
        )["id"]
        # The contact writes first (opening the window), before the fake posts webhooks to us.
        control.inbound(
            PHONE, {"wa_id": "16505550101", "name": "Ann"}, {"type": "text", "text": {"body": "hi"}}
        )
        control.add_phone_number(
            PHONE,
            access_token="wa-token-1",
            app_secret="wa-secret-1",
            callback_url=f"{fast.base_url}/hooks/whatsapp/{channel_id}",
        )
        conversation = provider_conversation(fast, owner, channel_id, "16505550101")
        sent = reply(owner, conversation, text="Hello Ann")
        wait_status(owner, conversation, sent["id"], "sent")
        [delivered] = control.sent(PHONE)
        assert delivered["body"]["text"]["body"] == "Hello Ann"
        assert delivered["idempotency_key"] == sent["id"]
        assert message(owner, conversation, sent["id"])["external_id"] == delivered["id"]
        # The fake's sent / delivered / read statuses come back through the webhook.
        wait_status(owner, conversation, sent["id"], "read")


def test_the_fakes_answer_a_repeated_key_once(tg: Telegram) -> None:
    _, chat_id = tg.conversation()

    async def twice() -> list[SendResult]:
        adapter = TelegramAdapter(TOKEN, api_base_url=tg.base_url)
        async with adapter:
            message = OutboundMessage(
                str(chat_id), MessageType.text, text="once only", idempotency_key="key-1"
            )
            return [await adapter.send(message), await adapter.send(message)]

    first, second = asyncio.run(twice())
    assert first.external_id == second.external_id
    assert [s["params"]["text"] for s in tg.control.sent(BOT_ID, chat_id)] == ["once only"]
    replayed = [c for c in tg.control.calls("sendMessage") if c.get("idempotency_key") == "key-1"]
    assert [c["replayed"] for c in replayed] == [False, True]
