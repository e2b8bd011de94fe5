"""End to end on the fakes, with nothing set up behind the API: a Telegram private message
and a WhatsApp text arrive through the providers' webhooks and become conversations, an
agent's reply reaches the fake, and WhatsApp's statuses come back until the reply is read."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from relaydesk.testing.fakes import TelegramControl, WhatsAppControl, running_fake
from relaydesk.testing.fakes import telegram_updates as tu
from tests.conftest import Account, signup
from tests.harness import Server, wait_until
from tests.messaging import new_bot_token, telegram_channel, whatsapp_channel

WAIT = 15.0


def _connected(created: dict[str, Any]) -> str:
    """The new account's id, once it is known to have reached the fake at creation."""
    assert created["status"] == "connected", created
    channel_id: str = created["id"]
    return channel_id


def _only_conversation(owner: Account, channel_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        items = owner.request("GET", owner.ws("/conversations")).json()["items"]
        found[:] = [c for c in items if c["channel_id"] == channel_id]
        return bool(found)

    wait_until(arrived, WAIT, "the inbound message's conversation")
    [conversation] = found
    return conversation


def _messages(owner: Account, conversation_id: str) -> list[dict[str, Any]]:
    answer = owner.request("GET", owner.ws(f"/conversations/{conversation_id}/messages"))
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _reply(owner: Account, conversation_id: str, text: str) -> dict[str, Any]:
    sent = owner.request(
        "POST", owner.ws(f"/conversations/{conversation_id}/messages"), json={"text": text}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["status"] == "queued"
    result: dict[str, Any] = sent.json()
    return result


def _status_of(owner: Account, conversation_id: str, message_id: str) -> str | None:
    return next(m["status"] for m in _messages(owner, conversation_id) if m["id"] == message_id)


def test_telegram_private_message_to_reply(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    with running_fake("telegram") as fake, TelegramControl(fake.base_url) as control:
        bot_id, token = new_bot_token(control)
        channel_id = _connected(telegram_channel(owner, fake.base_url, token, name="Support bot"))
        # Creating the account registered our webhook, secret included.
        bot = control.bot(bot_id)
        assert bot["webhook_url"] == f"{server.base_url}/hooks/telegram/{channel_id}"
        assert bot["secret_token"]
        assert "chat_member" in bot["allowed_updates"]
        control.inject(bot_id, tu.text(tu.private_chat(4242), tu.user(4242, "Li"), "你好, help?"))

        conversation = _only_conversation(owner, channel_id)
        [inbound] = _messages(owner, conversation["id"])
        assert (inbound["direction"], inbound["text"]) == ("in", "你好, help?")
        contact = owner.request("GET", owner.ws(f"/contacts/{conversation['contact_id']}")).json()
        assert contact["name"] == "Li"

        reply = _reply(owner, conversation["id"], "Hi Li, how can I help?")
        wait_until(
            lambda: _status_of(owner, conversation["id"], reply["id"]) == "sent",
            WAIT,
            "the reply to be sent",
        )
        [delivered] = control.sent(bot_id, 4242)
        assert delivered["params"]["text"] == "Hi Li, how can I help?"
        assert delivered["idempotency_key"] == reply["id"]


def test_whatsapp_text_to_reply_read(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    phone = str(100_000_000_100_000 + secrets.randbelow(10**6))
    with running_fake("whatsapp") as fake, WhatsAppControl(fake.base_url) as control:
        control.add_phone_number(phone, access_token="e2e-access", app_secret="e2e-app-secret")
        channel_id = _connected(
            whatsapp_channel(
                owner,
                f"{fake.base_url}/v23.0",
                phone,
                "e2e-access",
                "e2e-app-secret",
                "e2e-verify",
            )
        )
        webhook_url = owner.request("GET", owner.ws(f"/channels/{channel_id}")).json()["config"][
            "webhook_url"
        ]
        assert webhook_url == f"{server.base_url}/hooks/whatsapp/{channel_id}"
        # As in Meta's dashboard: the callback URL with the verify token, then subscribe.
        control.add_phone_number(
            phone,
            access_token="e2e-access",
            app_secret="e2e-app-secret",
            callback_url=webhook_url,
        )
        handshake = client.get(
            f"/hooks/whatsapp/{channel_id}",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": "e2e-verify",
                "hub.challenge": "1158201444",
            },
        )
        assert (handshake.status_code, handshake.text) == (200, "1158201444")

        control.inbound(
            phone,
            {"wa_id": "16505550199", "name": "Ann"},
            {"type": "text", "text": {"body": "Is my order on its way?"}},
        )
        conversation = _only_conversation(owner, channel_id)
        [inbound] = _messages(owner, conversation["id"])
        assert inbound["text"] == "Is my order on its way?"

        reply = _reply(owner, conversation["id"], "Yes, it ships today.")
        # sent, delivered and read come back from the fake through the signed webhook.
        wait_until(
            lambda: _status_of(owner, conversation["id"], reply["id"]) == "read",
            WAIT,
            "the reply to be read",
        )
        [delivered] = control.sent(phone)
        assert delivered["body"]["text"]["body"] == "Yes, it ships today."
