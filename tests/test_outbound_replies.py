"""Replies that quote a message, and replies to a Telegram group that became a supergroup:
through the API, the outbound pipeline and the providers' fakes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from relaydesk.testing.fakes import telegram_updates as tu
from tests.conftest import assert_problem, signup
from tests.harness import Server, wait_until
from tests.outbound_fakes import (
    WAIT,
    TelegramAccount,
    WhatsAppAccount,
    conversations_of,
    messages,
    reply,
    send,
    telegram_account,
    wait_inbound,
    wait_status,
    whatsapp_account,
)


@pytest.fixture(scope="module")
def tg(server: Server) -> Iterator[TelegramAccount]:
    with telegram_account(server) as account:
        yield account


def _telegram_inbound(
    tg: TelegramAccount, chat: dict[str, Any], sender: dict[str, Any], text: str
) -> dict[str, Any]:
    [update] = tg.control.inject(tg.bot_id, tu.text(chat, sender, text))
    external_id = f"{chat['id']}:{update['message']['message_id']}"
    return wait_inbound(tg.owner, tg.channel_id, external_id)


def test_a_telegram_reply_quotes_the_message_it_answers(tg: TelegramAccount) -> None:
    chat_id = 6_200_001
    chat, customer = tu.private_chat(chat_id), tu.user(chat_id, "Li")
    question = _telegram_inbound(tg, chat, customer, "Where is my order?")
    _telegram_inbound(tg, chat, customer, "It was due Monday")  # not the one answered
    telegram_message_id = int(question["external_id"].split(":")[1])

    sent = reply(
        tg.owner,
        question["conversation_id"],
        text="It ships today",
        reply_to_message_id=question["id"],
    )
    assert sent["reply_to_message_id"] == question["id"]
    stored = wait_status(tg.owner, question["conversation_id"], sent["id"], "sent")
    assert stored["reply_to_message_id"] == question["id"]
    [delivered] = tg.control.sent(tg.bot_id, chat_id)
    assert delivered["params"]["reply_parameters"]["message_id"] == telegram_message_id
    # The fake found the quoted message in the chat: the ids line up.
    assert delivered["message"]["reply_to_message"]["message_id"] == telegram_message_id
    assert delivered["message"]["reply_to_message"]["text"] == "Where is my order?"


def test_a_reply_target_outside_the_conversation_is_refused(
    tg: TelegramAccount, server: Server
) -> None:
    owner = tg.owner
    mine = _telegram_inbound(tg, tu.private_chat(6_200_002), tu.user(6_200_002), "one")
    other = _telegram_inbound(tg, tu.private_chat(6_200_003), tu.user(6_200_003), "two")
    conversation = mine["conversation_id"]
    note = owner.request(
        "POST", owner.ws(f"/conversations/{conversation}/notes"), json={"text": "internal"}
    )
    assert note.status_code == 201, note.text
    with server.client() as client:
        stranger = signup(client, "stranger")
        foreign_channel = stranger.request(
            "POST", stranger.ws("/channels"), json={"type": "api", "name": "Elsewhere"}
        ).json()["id"]
        foreign = stranger.request(
            "POST",
            stranger.ws(f"/channels/{foreign_channel}/inbound"),
            json={"external_id": "x-1", "contact": {"external_id": "c-1"}, "text": "theirs"},
        ).json()["message_id"]
    before = messages(owner, conversation)
    answers: dict[str, dict[str, Any]] = {}
    for target in (str(uuid.uuid4()), other["id"], note.json()["id"], foreign):
        refused = send(owner, conversation, text="answer", reply_to_message_id=target)
        answers[target] = assert_problem(refused, 422, "messages.reply_target_invalid")
    # Unknown, elsewhere, a note, another workspace's: one answer, naming none of them.
    assert len({(a["title"], a.get("detail")) for a in answers.values()}) == 1
    assert messages(owner, conversation) == before
    assert tg.control.sent(tg.bot_id, 6_200_002) == []


def test_a_whatsapp_reply_carries_the_quoted_message_as_context(server: Server) -> None:
    with whatsapp_account(server) as wa:
        _whatsapp_quote(wa)


def _whatsapp_quote(wa: WhatsAppAccount) -> None:
    user = {"wa_id": "16505550191", "name": "Ann"}
    [question] = wa.control.inbound(wa.phone, user, {"type": "text", "text": {"body": "Price?"}})
    inbound = wait_inbound(wa.owner, wa.channel_id, question["id"])
    conversation = inbound["conversation_id"]
    sent = reply(wa.owner, conversation, text="$10", reply_to_message_id=inbound["id"])
    wait_status(wa.owner, conversation, sent["id"], "sent", "delivered", "read")
    [delivered] = wa.control.sent(wa.phone)
    assert delivered["body"]["context"] == {"message_id": question["id"]}
    assert delivered["body"]["text"]["body"] == "$10"


def test_a_reply_to_a_group_that_became_a_supergroup_follows_it(tg: TelegramAccount) -> None:
    group = tu.group_chat(-4_200_001, "Buyers")
    member = tu.user(6_200_010, "Bo")
    first = _telegram_inbound(tg, group, member, "hello from the group")
    conversation = first["conversation_id"]

    # The group becomes a supergroup; its notices never reach us (the webhook answers 401 and
    # the fake gives up), so our records still name the old chat when the reply goes out.
    supergroup_id = -1_004_200_001
    tg.control.configure(retry={"attempts": 1})
    tg.control.fault("bad_secret", times=2)
    tg.control.inject(tg.bot_id, *tu.migrate(group, member, supergroup_id))
    wait_until(
        lambda: (
            tg.control.bot(tg.bot_id)["pending_update_count"] == 0
            and [d["status"] for d in tg.control.deliveries()][-2:] == [401, 401]
        ),
        WAIT,
        "the migration notices to be dropped",
    )
    tg.control.configure(retry={"attempts": 5})

    sent = reply(tg.owner, conversation, text="still with you")
    stored = wait_status(tg.owner, conversation, sent["id"], "sent")
    assert stored["error"] is None
    assert stored["external_id"].startswith(f"{supergroup_id}:")
    refused = [
        c
        for c in tg.control.calls("sendMessage")
        if c["status"] == 400 and "upgraded to a supergroup" in c.get("error", "")
    ]
    assert len(refused) == 1  # the old chat said where the group went, once
    assert tg.control.sent(tg.bot_id, group["id"]) == []
    [delivered] = tg.control.sent(tg.bot_id, supergroup_id)
    assert delivered["params"]["text"] == "still with you"

    # The conversation moved with the group: the next reply goes straight to the supergroup,
    # and the supergroup's messages land in the same conversation.
    calls_before = len(tg.control.calls("sendMessage"))
    again = reply(tg.owner, conversation, text="and again")
    wait_status(tg.owner, conversation, again["id"], "sent")
    assert [c["status"] for c in tg.control.calls("sendMessage")[calls_before:]] == [200]
    later = _telegram_inbound(
        tg, {**group, "id": supergroup_id, "type": "supergroup"}, member, "ok"
    )
    assert later["conversation_id"] == conversation
    assert [c["id"] for c in conversations_of(tg.owner, tg.channel_id)].count(conversation) == 1
    groups = tg.owner.request("GET", tg.owner.ws(f"/channels/{tg.channel_id}/groups")).json()
    [moved] = [g for g in groups["items"] if g["conversation_id"] == conversation]
    assert (moved["chat_key"], moved["kind"]) == (str(supergroup_id), "supergroup")
