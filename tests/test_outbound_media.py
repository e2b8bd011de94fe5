"""Media replies through the outbound pipeline: an uploaded image or file reaches the Telegram
fake as sendPhoto / sendDocument and the WhatsApp fake as an uploaded media id, bytes and
caption intact; Telegram and WhatsApp replies take one attachment each."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

import pytest

from relaydesk.testing.fakes import telegram_updates as tu
from tests.conftest import assert_problem
from tests.harness import Server
from tests.outbound_fakes import (
    TelegramAccount,
    WhatsAppAccount,
    messages,
    reply,
    send,
    telegram_account,
    upload,
    wait_inbound,
    wait_status,
    whatsapp_account,
)

# A PNG signature and header, then bytes of every value: what arrives must be what was sent.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) + os.urandom(4000)


@pytest.fixture(scope="module")
def tg(server: Server) -> Iterator[TelegramAccount]:
    with telegram_account(server) as account:
        yield account


@pytest.fixture(scope="module")
def wa(server: Server) -> Iterator[WhatsAppAccount]:
    with whatsapp_account(server) as account:
        yield account


def _telegram_conversation(tg: TelegramAccount, chat_id: int) -> str:
    [update] = tg.control.inject(
        tg.bot_id, tu.text(tu.private_chat(chat_id), tu.user(chat_id), "hi")
    )
    inbound = wait_inbound(tg.owner, tg.channel_id, f"{chat_id}:{update['message']['message_id']}")
    conversation_id: str = inbound["conversation_id"]
    return conversation_id


def _whatsapp_conversation(wa: WhatsAppAccount, wa_id: str) -> str:
    [sent] = wa.control.inbound(
        wa.phone, {"wa_id": wa_id, "name": "Ann"}, {"type": "text", "text": {"body": "hi"}}
    )
    conversation_id: str = wait_inbound(wa.owner, wa.channel_id, sent["id"])["conversation_id"]
    return conversation_id


def test_an_image_reply_reaches_telegram_as_send_photo(tg: TelegramAccount) -> None:
    chat_id = 6_100_001
    conversation = _telegram_conversation(tg, chat_id)
    image = upload(tg.owner, PNG, "receipt.png", "image/png")
    sent = reply(
        tg.owner, conversation, type="image", text="Your receipt 🧾", attachment_ids=[image]
    )
    stored = wait_status(tg.owner, conversation, sent["id"], "sent")
    [delivered] = tg.control.sent(tg.bot_id, chat_id)
    assert delivered["method"] == "sendPhoto"
    assert delivered["message"]["caption"] == "Your receipt 🧾"
    assert delivered["idempotency_key"] == sent["id"]
    assert stored["external_id"] == f"{chat_id}:{delivered['message_id']}"
    largest = delivered["message"]["photo"][-1]
    assert tg.file_bytes(largest["file_id"]) == PNG


def test_a_file_reply_reaches_telegram_as_send_document(tg: TelegramAccount) -> None:
    chat_id = 6_100_002
    conversation = _telegram_conversation(tg, chat_id)
    data = b"%PDF-1.7\n" + os.urandom(3000)
    document = upload(tg.owner, data, "invoice 42.pdf", "application/pdf")
    sent = reply(tg.owner, conversation, type="file", attachment_ids=[document])
    wait_status(tg.owner, conversation, sent["id"], "sent")
    [delivered] = tg.control.sent(tg.bot_id, chat_id)
    assert delivered["method"] == "sendDocument"
    got = delivered["message"]["document"]
    assert (got["file_name"], got["mime_type"]) == ("invoice 42.pdf", "application/pdf")
    assert "caption" not in delivered["message"]
    assert tg.file_bytes(got["file_id"]) == data


def test_a_whatsapp_image_reply_uploads_the_media_and_sends_its_id(wa: WhatsAppAccount) -> None:
    conversation = _whatsapp_conversation(wa, "16505550181")
    image = upload(wa.owner, PNG, "receipt.png", "image/png")
    sent = reply(wa.owner, conversation, type="image", text="Your receipt", attachment_ids=[image])
    stored = wait_status(wa.owner, conversation, sent["id"], "sent", "delivered", "read")
    uploads = [c for c in wa.control.calls("media") if c["status"] == 200]
    assert len(uploads) == 1
    [delivered] = wa.control.sent(wa.phone)
    body = delivered["body"]
    assert body["type"] == "image"
    assert body["image"]["caption"] == "Your receipt"
    assert stored["external_id"] == delivered["id"]
    assert hashlib.sha256(wa.media_bytes(body["image"]["id"])).digest() == (
        hashlib.sha256(PNG).digest()
    )


def test_provider_replies_take_one_attachment_each(
    tg: TelegramAccount, wa: WhatsAppAccount
) -> None:
    for account, conversation in (
        (tg, _telegram_conversation(tg, 6_100_003)),
        (wa, _whatsapp_conversation(wa, "16505550182")),
    ):
        owner = account.owner
        before = messages(owner, conversation)
        first = upload(owner, PNG, "a.png", "image/png")
        second = upload(owner, PNG[:100], "b.png", "image/png")
        refused = send(owner, conversation, type="image", attachment_ids=[first, second])
        assert_problem(refused, 422, "messages.one_attachment")
        assert messages(owner, conversation) == before
        # Nothing was bound: each goes as its own message.
        for attachment in (first, second):
            sent = reply(owner, conversation, type="image", attachment_ids=[attachment])
            wait_status(owner, conversation, sent["id"], "sent", "delivered", "read")
