"""Telegram webhooks end to end: the fake pushes real updates at the running server, the
inbox worker turns them into conversations, contacts and messages."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from relaydesk.testing.fakes import TelegramControl, running_fake
from relaydesk.testing.fakes import telegram_updates as tu
from tests.channels_inbound import (
    WAIT,
    all_messages,
    contact,
    conversations,
    identity,
    inbox_rows,
    point_telegram_webhook,
    wait_messages,
)
from tests.conftest import Account, assert_problem
from tests.harness import Server, wait_until
from tests.messaging import new_bot_token, outbox_payloads, telegram_channel
from tests.outbound_fakes import reply, wait_status

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, TelegramControl]]:
    with running_fake("telegram") as running, TelegramControl(running.base_url) as control:
        yield running.base_url, control


@dataclass
class Bot:
    bot_id: int
    channel_id: str
    secret: str
    control: TelegramControl
    url: str


@pytest.fixture
def bot(server: Server, owner: Account, fake: tuple[str, TelegramControl]) -> Bot:
    url, control = fake
    bot_id, token = new_bot_token(control)
    channel_id = telegram_channel(owner, url, token)["id"]
    secret = point_telegram_webhook(server, url, channel_id)
    return Bot(bot_id, channel_id, secret, control, url)


def test_private_text_becomes_a_conversation_with_its_contact(
    server: Server, owner: Account, bot: Bot
) -> None:
    ann = tu.user(4201, "Ann", last_name="Lee", username="annlee")
    bot.control.inject(bot.bot_id, tu.text(tu.private_chat(4201, "Ann"), ann, "hello there"))

    [message] = wait_messages(owner, bot.channel_id, 1)
    [conversation] = conversations(owner, bot.channel_id)
    assert message["text"] == "hello there"
    assert message["direction"] == "in"
    assert message["sender_type"] == "contact"
    assert message["sender_id"] == conversation["contact_id"]
    assert message["external_id"].startswith("4201:")
    assert contact(owner, conversation["contact_id"])["name"] == "Ann Lee"
    channel = owner.request("GET", owner.ws(f"/channels/{bot.channel_id}")).json()
    assert channel["counters"]["inbound"] == 1
    assert channel["last_inbound_at"] is not None
    assert all(r.state == "done" for r in inbox_rows(server, bot.channel_id))


def test_a_group_is_one_conversation_with_each_sender_a_member(owner: Account, bot: Bot) -> None:
    group = tu.group_chat(-4005, "Support group")
    ann, bob = tu.user(51, "Ann"), tu.user(52, "Bob")
    bot.control.inject(
        bot.bot_id,
        tu.text(group, ann, "first"),
        tu.text(group, bob, "second"),
        tu.text(group, ann, "third"),
    )

    found = wait_messages(owner, bot.channel_id, 3)
    [conversation] = conversations(owner, bot.channel_id)
    assert contact(owner, conversation["contact_id"])["name"] == "Support group"
    assert [m["text"] for m in found] == ["first", "second", "third"]
    senders = [m["sender_id"] for m in found]
    assert senders[0] == senders[2] != senders[1]
    assert conversation["contact_id"] not in senders
    assert {contact(owner, s)["name"] for s in senders} == {"Ann", "Bob"}


def test_an_edited_message_changes_in_place(owner: Account, bot: Bot) -> None:
    chat, ann = tu.private_chat(77, "Ann"), tu.user(77, "Ann")
    [update] = bot.control.inject(bot.bot_id, tu.text(chat, ann, "helo"))
    wait_messages(owner, bot.channel_id, 1)
    bot.control.inject(bot.bot_id, tu.edited(chat, ann, update["message"]["message_id"], "hello"))

    def edited() -> bool:
        [message] = all_messages(owner, bot.channel_id)
        return message["text"] == "hello"

    wait_until(edited, WAIT, "the edit")
    [message] = all_messages(owner, bot.channel_id)
    assert message["edited_at"] is not None


def test_a_photo_is_downloaded_with_getfile(owner: Account, bot: Bot) -> None:
    stored = bot.control.add_file(bot.bot_id, PNG, kind="photo")
    chat, ann = tu.private_chat(88, "Ann"), tu.user(88, "Ann")
    bot.control.inject(bot.bot_id, tu.message(chat, ann, photo=stored["photo"], caption="look"))

    def attached() -> bool:
        found = all_messages(owner, bot.channel_id)
        return bool(found and found[0]["payload"].get("attachments"))

    wait_until(attached, WAIT, "the photo's download")
    [message] = all_messages(owner, bot.channel_id)
    assert message["type"] == "image"
    assert message["text"] == "look"
    [entry] = message["payload"]["attachments"]
    assert message["payload"]["media"][0]["provider_id"] == entry["provider_id"]
    content = owner.request("GET", owner.ws(f"/attachments/{entry['id']}"))
    assert content.status_code == 200
    assert content.content == PNG
    assert [c for c in bot.control.calls("getFile") if c["status"] == 200]


def test_a_private_reply_marks_what_we_sent_before_as_read(
    server: Server, owner: Account, bot: Bot
) -> None:
    """Bots get no read receipts: a customer writing again has read our earlier messages."""
    chat, ann = tu.private_chat(4301, "Ann"), tu.user(4301, "Ann")
    bot.control.inject(bot.bot_id, tu.text(chat, ann, "hi"))
    [question] = wait_messages(owner, bot.channel_id, 1)
    conversation_id = question["conversation_id"]
    first = reply(owner, conversation_id, text="Hello Ann")
    second = reply(owner, conversation_id, text="How can we help?")
    for sent in (first, second):
        wait_status(owner, conversation_id, sent["id"], "sent")

    bot.control.inject(bot.bot_id, tu.text(chat, ann, "my order"))
    for sent in (first, second):
        assert wait_status(owner, conversation_id, sent["id"], "read")["status"] == "read"
    read_events = [
        p
        for p in outbox_payloads(server, owner, "message.status_changed")
        if p["conversation_id"] == conversation_id and p["status"] == "read"
    ]
    assert {p["message_id"] for p in read_events} == {first["id"], second["id"]}

    # A later reply is sent, not read, until the customer writes once more.
    third = reply(owner, conversation_id, text="It ships today")
    assert wait_status(owner, conversation_id, third["id"], "sent")["status"] == "sent"
    assert [m["status"] for m in all_messages(owner, bot.channel_id) if m["id"] == first["id"]] == [
        "read"
    ]


def test_a_group_members_message_marks_nothing_read(owner: Account, bot: Bot) -> None:
    group = tu.group_chat(-4302, "Buyers")
    ann, bob = tu.user(4303, "Ann"), tu.user(4304, "Bob")
    bot.control.inject(bot.bot_id, tu.text(group, ann, "question"))
    [question] = wait_messages(owner, bot.channel_id, 1)
    answer = reply(owner, question["conversation_id"], text="answer")
    wait_status(owner, question["conversation_id"], answer["id"], "sent")

    bot.control.inject(bot.bot_id, tu.text(group, bob, "thanks"))
    # The inference would run in the transaction that stores Bob's message.
    found = wait_messages(owner, bot.channel_id, 3)
    assert [m["status"] for m in found if m["id"] == answer["id"]] == ["sent"]


def test_missing_or_wrong_secret_is_401_and_stores_nothing(
    server: Server, owner: Account, bot: Bot
) -> None:
    body = json.dumps({"update_id": 1, **tu.text(tu.private_chat(5), tu.user(5), "x")})
    url = f"/hooks/telegram/{bot.channel_id}"
    with server.client() as client:
        missing = client.post(url, content=body)
        wrong = client.post(url, content=body, headers={"X-Telegram-Bot-Api-Secret-Token": "no"})
    assert_problem(missing, 401, "telegram.secret_missing")
    assert_problem(wrong, 401, "telegram.secret_invalid")
    assert inbox_rows(server, bot.channel_id) == []


def test_the_fakes_bad_and_missing_secret_are_refused(
    server: Server, owner: Account, bot: Bot
) -> None:
    bot.control.configure(retry={"attempts": 1})
    try:
        bot.control.fault("bad_secret")
        bot.control.inject(bot.bot_id, tu.text(tu.private_chat(6), tu.user(6), "forged"))
        wait_until(
            lambda: any(d["status"] == 401 for d in bot.control.deliveries()), WAIT, "a refusal"
        )
    finally:
        bot.control.configure(retry={"attempts": 5})
    assert inbox_rows(server, bot.channel_id) == []


def test_a_duplicate_delivery_is_one_message(server: Server, owner: Account, bot: Bot) -> None:
    bot.control.fault("duplicate_delivery")
    chat, ann = tu.private_chat(99, "Ann"), tu.user(99, "Ann")
    bot.control.inject(bot.bot_id, tu.text(chat, ann, "once"), tu.text(chat, ann, "after"))

    wait_messages(owner, bot.channel_id, 2)
    wait_until(lambda: len(inbox_rows(server, bot.channel_id)) == 3, WAIT, "three deliveries")
    wait_until(
        lambda: all(r.state == "done" for r in inbox_rows(server, bot.channel_id)),
        WAIT,
        "the inbox to drain",
    )
    assert [m["text"] for m in all_messages(owner, bot.channel_id)] == ["once", "after"]


def test_callback_queries_are_stored_and_answered(owner: Account, bot: Bot) -> None:
    chat, ann = tu.private_chat(61, "Ann"), tu.user(61, "Ann")
    [sent] = bot.control.inject(bot.bot_id, tu.text(chat, ann, "menu"))
    bot.control.inject(bot.bot_id, tu.callback_query(ann, "plan:pro", sent["message"]))

    found = wait_messages(owner, bot.channel_id, 2)
    pressed = found[1]
    assert pressed["payload"]["callback"] == {
        "kind": "callback_query",
        "data": "plan:pro",
        "title": None,
    }
    assert pressed["text"] == "plan:pro"
    query_id = pressed["external_id"]
    wait_until(
        lambda: any(
            a.get("action") == "answer_callback_query" and a.get("callback_query_id") == query_id
            for a in bot.control.actions(bot.bot_id)
        ),
        WAIT,
        "answerCallbackQuery",
    )


def test_a_user_blocking_the_bot_marks_the_contact_unreachable(
    server: Server, owner: Account, bot: Bot
) -> None:
    chat, ann = tu.private_chat(71, "Ann"), tu.user(71, "Ann")
    me = bot.control.bot(bot.bot_id)
    bot_user = {"id": bot.bot_id, "is_bot": True, "first_name": me.get("first_name", "Bot")}
    bot.control.inject(bot.bot_id, tu.text(chat, ann, "hi"))
    wait_messages(owner, bot.channel_id, 1)
    bot.control.inject(bot.bot_id, tu.my_chat_member(chat, ann, bot_user, "kicked"))

    def unreachable() -> bool:
        found = identity(server, bot.channel_id, "71")
        return found is not None and found.unreachable_at is not None

    wait_until(unreachable, WAIT, "the contact marked unreachable")
    bot.control.inject(
        bot.bot_id, tu.my_chat_member(chat, ann, bot_user, "member", old_status="kicked")
    )

    def reachable() -> bool:
        found = identity(server, bot.channel_id, "71")
        return found is not None and found.unreachable_at is None

    wait_until(reachable, WAIT, "the contact reachable again")


def test_group_joins_are_system_messages_and_migration_keeps_the_conversation(
    server: Server, owner: Account, bot: Bot
) -> None:
    group = tu.group_chat(-7001, "Club")
    ann, bob = tu.user(81, "Ann"), tu.user(82, "Bob")
    bot.control.inject(bot.bot_id, tu.text(group, ann, "welcome"))
    bot.control.inject(bot.bot_id, tu.new_members(group, ann, [bob]))
    bot.control.inject(bot.bot_id, *tu.migrate(group, ann, -1007001))
    supergroup = {**group, "id": -1007001, "type": "supergroup"}
    bot.control.inject(bot.bot_id, tu.text(supergroup, bob, "moved"))

    found = wait_messages(owner, bot.channel_id, 3)
    [conversation] = conversations(owner, bot.channel_id)
    assert [m["type"] for m in found] == ["text", "system", "text"]
    assert found[1]["text"] == "Bob joined"
    assert found[1]["sender_type"] == "system"
    assert found[1]["payload"]["members"][0]["external_id"] == "82"
    assert found[2]["text"] == "moved"
    assert identity(server, bot.channel_id, "-7001") is None
    moved = identity(server, bot.channel_id, "-1007001")
    assert moved is not None
    assert str(moved.contact_id) == conversation["contact_id"]


def test_unknown_disabled_and_oversized(server: Server, owner: Account, bot: Bot) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": bot.secret}
    body = json.dumps({"update_id": 1, **tu.text(tu.private_chat(5), tu.user(5), "x")})
    limit = server.settings.webhook_max_bytes
    with server.client() as client:
        unknown = client.post(
            "/hooks/telegram/00000000-0000-0000-0000-000000000000", content=body, headers=headers
        )
        big = client.post(
            f"/hooks/telegram/{bot.channel_id}", content=b"x" * (limit + 1), headers=headers
        )
        # Chunked, with no Content-Length to go by: the cap holds while reading.
        streamed = client.post(
            f"/hooks/telegram/{bot.channel_id}",
            content=iter([b"x" * limit, b"x"]),
            headers=headers,
        )
    assert_problem(unknown, 404, "not_found")
    assert_problem(big, 413, "payload_too_large")
    assert_problem(streamed, 413, "payload_too_large")
    assert inbox_rows(server, bot.channel_id) == []

    patched = owner.request(
        "PATCH", owner.ws(f"/channels/{bot.channel_id}"), json={"enabled": False}
    )
    assert patched.status_code == 200, patched.text
    with server.client() as client:
        disabled = client.post(f"/hooks/telegram/{bot.channel_id}", content=body, headers=headers)
    assert_problem(disabled, 409, "channels.disabled")
    assert inbox_rows(server, bot.channel_id) == []


def test_a_malformed_channel_id_is_refused(server: Server) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        answer = client.post("/hooks/telegram/not-a-uuid", content=b"{}")
    assert_problem(answer, 422, "validation_failed")
