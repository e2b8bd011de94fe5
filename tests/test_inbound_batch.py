"""Inbound batches: many messages in one request and one transaction, all or none; and
single messages that arrive together (stored in shared transactions) keep their own answers."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.conftest import Account, assert_problem
from tests.harness import Server
from tests.messaging import api_channel, inbound, outbox_payloads


def _message(external_id: str, contact: str, text: str) -> dict[str, Any]:
    return {"external_id": external_id, "contact": {"external_id": contact}, "text": text}


def _batch(account: Account, channel: str, messages: list[dict[str, Any]]) -> Any:
    return account.request(
        "POST", account.ws(f"/channels/{channel}/inbound/batch"), json={"messages": messages}
    )


def _texts(account: Account, conversation_id: str) -> list[tuple[int, str]]:
    response = account.request(
        "GET", account.ws(f"/conversations/{conversation_id}/messages"), params={"limit": 200}
    )
    assert response.status_code == 200, response.text
    return [(m["seq"], m["text"]) for m in response.json()["items"]]


def test_a_batch_is_stored_in_order_with_dense_seqs(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    earlier = inbound(owner, channel, "earlier", contact="ann", external_id="e-0")
    response = _batch(
        owner,
        channel,
        [
            _message("e-1", "ann", "one"),
            _message("e-2", "bob", "two"),
            _message("e-0", "ann", "a repeat of an earlier message"),
            _message("e-3", "ann", "three"),
            _message("e-2", "bob", "a repeat within the batch"),
            _message("e-4", "bob", "four"),
        ],
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["duplicate"] for r in results] == [False, False, True, False, True, False]
    assert results[2]["message_id"] == earlier["message_id"]
    assert results[4]["message_id"] == results[1]["message_id"]
    ann, bob = earlier["conversation_id"], results[1]["conversation_id"]
    assert [r["conversation_id"] for r in results] == [ann, bob, ann, ann, bob, bob]
    assert [r["seq"] for r in results] == [2, 1, 1, 3, 1, 2]
    assert _texts(owner, ann) == [(1, "earlier"), (2, "one"), (3, "three")]
    assert _texts(owner, bob) == [(1, "two"), (2, "four")]

    # One contact and one thread created (Bob's), one message.created per new message, and
    # each thread's update once, carrying its final state.
    assert len(outbox_payloads(server, owner, "contact.created")) == 2
    assert len(outbox_payloads(server, owner, "conversation.created")) == 2
    created = [p["message"]["text"] for p in outbox_payloads(server, owner, "message.created")]
    assert created == ["earlier", "one", "two", "three", "four"]
    updated = outbox_payloads(server, owner, "conversation.updated")[1:]  # after "earlier"
    assert sorted((u["conversation"]["id"], u["conversation"]["last_seq"]) for u in updated) == (
        sorted([(ann, 3), (bob, 2)])
    )

    again = _batch(owner, channel, [_message("e-4", "bob", "four"), _message("e-1", "ann", "")])
    assert_problem(again, 422, "validation_failed")  # empty text: the whole batch is refused
    again = _batch(owner, channel, [_message("e-4", "bob", "four")])
    assert again.json()["results"][0] == {**results[5], "duplicate": True}


def test_a_bad_message_stores_nothing_and_is_named(owner: Account) -> None:
    channel = api_channel(owner)
    missing = {
        "external_id": "m-2",
        "contact": {"external_id": "cat"},
        "type": "image",
        "attachments": [{"attachment_id": str(uuid.uuid4())}],
    }
    response = _batch(owner, channel, [_message("m-1", "cat", "fine"), missing])
    problem = assert_problem(response, 404, "not_found")
    assert problem["message_index"] == 1
    assert owner.request("GET", owner.ws("/conversations")).json()["items"] == []
    assert owner.request("GET", owner.ws("/contacts")).json()["items"] == []

    assert_problem(_batch(owner, channel, []), 422, "validation_failed")
    too_many = [_message(f"x-{i}", "cat", "hi") for i in range(501)]
    assert_problem(_batch(owner, channel, too_many), 422, "validation_failed")
    bad = assert_problem(
        _batch(owner, channel, [_message("y-1", "cat", "ok"), {"external_id": "y-2"}]),
        422,
        "validation_failed",
    )
    assert bad["detail"].startswith("messages.1.contact:"), bad
    assert owner.request("GET", owner.ws("/conversations")).json()["items"] == []


def test_single_messages_arriving_together_keep_their_own_answers(
    server: Server, owner: Account
) -> None:
    channel = api_channel(owner)
    senders = 24

    def post(i: int) -> tuple[int, dict[str, Any]]:
        body: dict[str, Any] = _message(f"t-{i}", f"person-{i % 3}", f"message {i}")
        if i == 7:  # one bad message among many good ones
            body = {**body, "type": "image", "text": None}
            body["attachments"] = [{"attachment_id": str(uuid.uuid4())}]
        with server.client() as c:
            response = c.post(
                owner.ws(f"/channels/{channel}/inbound"), headers=owner.headers, json=body
            )
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(post, range(senders)))
    assert answers[7][0] == 404
    assert answers[7][1]["code"] == "not_found"
    good = [body for i, (status, body) in enumerate(answers) if i != 7 and status == 200]
    assert len(good) == senders - 1
    by_thread: dict[str, list[int]] = {}
    for body in good:
        by_thread.setdefault(body["conversation_id"], []).append(body["seq"])
    assert len(by_thread) == 3
    for conversation, seqs in by_thread.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        assert [s for s, _ in _texts(owner, conversation)] == sorted(seqs)
