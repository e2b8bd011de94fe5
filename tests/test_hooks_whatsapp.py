"""WhatsApp Cloud API webhooks end to end: the fake signs and posts real notifications at the
running server; every entry, change, message and status is processed."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from relaydesk.testing.fakes import WhatsAppControl, running_fake
from relaydesk.testing.fakes import whatsapp_inbound as wi
from tests.channels_inbound import (
    WAIT,
    all_messages,
    contact,
    conversations,
    dead_letters,
    inbox_rows,
    wait_messages,
)
from tests.conftest import Account, assert_problem
from tests.harness import Server, wait_until
from tests.messaging import whatsapp_channel


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, WhatsAppControl]]:
    with running_fake("whatsapp") as running, WhatsAppControl(running.base_url) as control:
        yield f"{running.base_url}/v23.0", control


@dataclass
class Number:
    phone_number_id: str
    channel_id: str
    control: WhatsAppControl
    verify_token: str
    app_secret: str


@pytest.fixture
def number(server: Server, owner: Account, fake: tuple[str, WhatsAppControl]) -> Number:
    url, control = fake
    phone_number_id = str(100_000_000_000_000 + secrets.randbelow(10**12))
    token, app_secret, verify = (secrets.token_urlsafe(24) for _ in range(3))
    channel_id = whatsapp_channel(owner, url, phone_number_id, token, app_secret, verify)["id"]
    control.add_phone_number(
        phone_number_id,
        access_token=token,
        app_secret=app_secret,
        verify_token=verify,
        callback_url=f"{server.base_url}/hooks/whatsapp/{channel_id}",
    )
    control.configure(auto_statuses=[])
    return Number(phone_number_id, channel_id, control, verify, app_secret)


ANN = {"wa_id": "4915112345678", "name": "Ann"}
BOB = {"wa_id": "4915112345679", "name": "Bob", "user_id": "US.bob-bsuid"}


def test_the_subscription_handshake(server: Server, number: Number) -> None:
    good = number.control.verify_webhook(number.phone_number_id)
    assert good["status"] == 200
    assert good["body"] == good["challenge"]
    bad = number.control.verify_webhook(number.phone_number_id, verify_token="wrong")
    assert bad["status"] == 403
    with server.client() as client:
        answer = client.get(
            f"/hooks/whatsapp/{number.channel_id}",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": number.verify_token,
                "hub.challenge": "12345",
            },
        )
        wrong_mode = client.get(
            f"/hooks/whatsapp/{number.channel_id}",
            params={"hub.mode": "unsubscribe", "hub.verify_token": number.verify_token},
        )
    assert answer.status_code == 200
    assert answer.text == "12345"
    assert answer.headers["content-type"].startswith("text/plain")
    assert_problem(wrong_mode, 403, "whatsapp.verify_token_invalid")


def test_a_text_becomes_a_conversation_keyed_by_the_user(owner: Account, number: Number) -> None:
    number.control.inbound(number.phone_number_id, ANN, wi.text("hola"))
    number.control.inbound(number.phone_number_id, BOB, wi.text("hi"))

    found = wait_messages(owner, number.channel_id, 2)
    assert sorted(m["text"] for m in found) == ["hi", "hola"]
    threads = conversations(owner, number.channel_id)
    assert len(threads) == 2
    people = {contact(owner, c["contact_id"])["name"]: c for c in threads}
    assert contact(owner, people["Ann"]["contact_id"])["phone"] == "+4915112345678"


def test_bad_and_missing_signatures_store_nothing(server: Server, number: Number) -> None:
    number.control.fault("bad_signature")
    number.control.inbound(number.phone_number_id, ANN, wi.text("forged"))
    number.control.fault("missing_signature")
    number.control.inbound(number.phone_number_id, ANN, wi.text("unsigned"))

    def refused() -> list[int]:
        return [
            d["status"]
            for d in number.control.deliveries()
            if number.channel_id in d["url"] and d["status"] in (401, 403)
        ]

    wait_until(lambda: sorted(refused()) == [401, 403], WAIT, "both refusals")
    assert inbox_rows(server, number.channel_id) == []


def _value(phone_number_id: str, **parts: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000001", "phone_number_id": phone_number_id},
        **parts,
    }


def _contact(user: dict[str, str]) -> dict[str, Any]:
    found = {"profile": {"name": user["name"]}, "wa_id": user["wa_id"]}
    return {**found, "user_id": user["user_id"]} if "user_id" in user else found


def _message(user: dict[str, str], wamid: str, body: str) -> dict[str, Any]:
    return {
        "from": user["wa_id"],
        **({"from_user_id": user["user_id"]} if "user_id" in user else {}),
        "id": wamid,
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": body},
    }


def _status(wamid: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": wamid,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": ANN["wa_id"],
        **extra,
    }


def _reply(owner: Account, conversation_id: str, text: str) -> str:
    """An agent's reply, sent through the outbound pipeline; its wamid once sent."""
    sent = owner.request(
        "POST", owner.ws(f"/conversations/{conversation_id}/messages"), json={"text": text}
    )
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["id"]

    def external_id() -> str | None:
        page = owner.request("GET", owner.ws(f"/conversations/{conversation_id}/messages"))
        for m in page.json()["items"]:
            if m["id"] == message_id and m["external_id"]:
                return str(m["external_id"])
        return None

    wait_until(lambda: external_id() is not None, WAIT, "the reply to be sent")
    wamid = external_id()
    assert wamid is not None
    return wamid


def _message_by_id(owner: Account, conversation_id: str, message_id: str) -> dict[str, Any]:
    page = owner.request("GET", owner.ws(f"/conversations/{conversation_id}/messages"))
    [found] = [m for m in page.json()["items"] if m["external_id"] == message_id]
    return found


def test_a_batched_payload_processes_every_entry_change_message_and_status(
    owner: Account, number: Number
) -> None:
    [start] = number.control.inbound(number.phone_number_id, ANN, wi.text("start"))
    ann = {**ANN, "user_id": start["from_user_id"]}  # the fake's business-scoped id for Ann
    wait_messages(owner, number.channel_id, 1)
    [thread] = conversations(owner, number.channel_id)
    wamid = _reply(owner, thread["id"], "How can I help?")
    failing = _reply(owner, thread["id"], "Second reply")
    carol = {"wa_id": "4915112345670", "name": "Carol"}
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "200000000000001",
                "changes": [
                    {
                        "field": "messages",
                        "value": _value(
                            number.phone_number_id,
                            contacts=[_contact(ann), _contact(carol)],
                            messages=[
                                _message(ann, "wamid.batch-1", "one"),
                                _message(carol, "wamid.batch-2", "two"),
                            ],
                        ),
                    },
                    {
                        "field": "messages",
                        "value": _value(
                            number.phone_number_id,
                            statuses=[
                                _status(wamid, "read"),
                                _status(wamid, "delivered"),
                                _status(
                                    failing,
                                    "failed",
                                    errors=[
                                        {
                                            "code": 131026,
                                            "title": "Message undeliverable",
                                            "error_data": {"details": "not on WhatsApp"},
                                        }
                                    ],
                                ),
                            ],
                        ),
                    },
                ],
            },
            {
                "id": "200000000000001",
                "changes": [
                    {
                        "field": "messages",
                        "value": _value(
                            number.phone_number_id,
                            contacts=[_contact(ann)],
                            messages=[_message(ann, "wamid.batch-3", "three")],
                        ),
                    }
                ],
            },
        ],
    }
    number.control.post_webhook(number.phone_number_id, payload)

    found = wait_messages(owner, number.channel_id, 6)
    inbound_texts = [m["text"] for m in found if m["direction"] == "in"]
    assert sorted(inbound_texts) == ["one", "start", "three", "two"]
    assert len(conversations(owner, number.channel_id)) == 2

    def settled() -> bool:
        return (
            _message_by_id(owner, thread["id"], wamid)["status"] == "read"
            and _message_by_id(owner, thread["id"], failing)["status"] == "failed"
        )

    wait_until(settled, WAIT, "the statuses")
    error = _message_by_id(owner, thread["id"], failing)["error"]
    assert error["code"] == 131026
    assert error["details"] == "not on WhatsApp"


def test_statuses_out_of_order_end_read(owner: Account, number: Number) -> None:
    number.control.inbound(number.phone_number_id, ANN, wi.text("hello"))
    wait_messages(owner, number.channel_id, 1)
    [thread] = conversations(owner, number.channel_id)
    number.control.configure(auto_statuses=["sent", "delivered", "read"], status_delay=0.01)
    number.control.fault("out_of_order")
    wamid = _reply(owner, thread["id"], "Shipped!")

    wait_until(
        lambda: len([d for d in number.control.deliveries() if wamid in str(d["body"])]) >= 3,
        WAIT,
        "three statuses",
    )
    wait_until(
        lambda: _message_by_id(owner, thread["id"], wamid)["status"] == "read",
        WAIT,
        "the read status",
    )
    number.control.configure(auto_statuses=[])


def test_statuses_before_the_send_answer_apply_when_it_comes(
    server: Server, owner: Account, number: Number
) -> None:
    """A message's status webhooks can beat the answer of its own send: they are kept and
    applied once the answer gives the message's provider id."""
    number.control.inbound(number.phone_number_id, ANN, wi.text("hello"))
    wait_messages(owner, number.channel_id, 1)
    [thread] = conversations(owner, number.channel_id)
    number.control.configure(auto_statuses=["sent", "delivered", "read"], status_delay=0.01)
    number.control.fault("hold_answer", method="messages")
    try:
        sent = owner.request(
            "POST", owner.ws(f"/conversations/{thread['id']}/messages"), json={"text": "On its way"}
        )
        assert sent.status_code == 201, sent.text
        message_id = sent.json()["id"]

        def delivered_statuses() -> int:
            [ours] = [
                m
                for m in number.control.sent(number.phone_number_id)
                if m["body"].get("text", {}).get("body") == "On its way"
            ] or [{"id": None}]
            wamid = ours["id"]
            return len(
                [d for d in number.control.deliveries() if wamid and wamid in str(d["body"])]
            )

        wait_until(lambda: delivered_statuses() >= 3, WAIT, "the three statuses delivered")
        wait_until(
            lambda: all(r.state == "done" for r in inbox_rows(server, number.channel_id)),
            WAIT,
            "the statuses processed",
        )
        [before] = [m for m in all_messages(owner, number.channel_id) if m["id"] == message_id]
        assert (before["status"], before["external_id"]) == ("queued", None)
        assert number.control.release() == 1
    finally:
        number.control.release()
        number.control.configure(auto_statuses=[])

    def status() -> str:
        [message] = [m for m in all_messages(owner, number.channel_id) if m["id"] == message_id]
        return str(message["status"])

    wait_until(lambda: status() == "read", WAIT, "the early read status applied")


def test_a_duplicate_delivery_is_one_message(
    server: Server, owner: Account, number: Number
) -> None:
    number.control.fault("duplicate_delivery")
    number.control.inbound(number.phone_number_id, ANN, wi.text("only once"))

    wait_until(lambda: len(inbox_rows(server, number.channel_id)) == 2, WAIT, "two deliveries")
    wait_until(
        lambda: all(r.state == "done" for r in inbox_rows(server, number.channel_id)),
        WAIT,
        "the inbox to drain",
    )
    assert [m["text"] for m in all_messages(owner, number.channel_id)] == ["only once"]


def test_media_reactions_and_replies(owner: Account, number: Number) -> None:
    content = b"%PDF-1.4 invoice"
    media = number.control.add_media(
        number.phone_number_id, content, "application/pdf", "invoice.pdf"
    )
    digest = hashlib.sha256(content).hexdigest()
    [first] = number.control.inbound(number.phone_number_id, ANN, wi.text("see attached"))
    number.control.inbound(
        number.phone_number_id,
        ANN,
        wi.media("document", media["id"], "application/pdf", digest, filename="invoice.pdf"),
        wi.reaction(first["id"], "👍"),
        wi.button_reply("yes", "Yes please", context_id=first["id"]),
    )

    def done() -> bool:
        found = all_messages(owner, number.channel_id)
        return (
            len(found) == 3
            and bool(found[1]["payload"].get("attachments"))
            and bool(found[0]["payload"].get("reactions"))
        )

    wait_until(done, WAIT, "the document, the reaction and the button reply")
    text, document, button = all_messages(owner, number.channel_id)
    assert text["payload"]["reactions"][first["from_user_id"]]["emoji"] == "👍"
    [entry] = document["payload"]["attachments"]
    assert entry["filename"] == "invoice.pdf"
    download = owner.request("GET", owner.ws(f"/attachments/{entry['id']}"))
    assert download.content == content
    assert button["payload"]["callback"]["data"] == "yes"
    assert button["text"] == "Yes please"


def test_unsupported_items_go_to_the_dead_letters(
    server: Server, owner: Account, number: Number
) -> None:
    number.control.inbound(
        number.phone_number_id, ANN, wi.text("fine"), wi.unsupported(), wi.text("also fine")
    )
    wait_messages(owner, number.channel_id, 2)
    wait_until(lambda: len(dead_letters(server, number.channel_id)) == 1, WAIT, "a dead letter")
    [letter] = dead_letters(server, number.channel_id)
    assert letter.item["type"] == "unsupported"
    assert b"also fine" in letter.body
