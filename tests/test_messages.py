"""Message types, notes, edits, recalls and forward-only delivery statuses."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import Account, assert_problem, join, signup
from tests.harness import Server
from tests.messaging import api_channel, inbound, outbox_payloads


def _send(account: Account, conversation: str, **body: Any) -> Any:
    return account.request("POST", account.ws(f"/conversations/{conversation}/messages"), json=body)


def _messages(account: Account, conversation: str, **params: Any) -> list[dict[str, Any]]:
    response = account.request(
        "GET", account.ws(f"/conversations/{conversation}/messages"), params=params
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _status(account: Account, channel: str, **body: Any) -> Any:
    return account.request("POST", account.ws(f"/channels/{channel}/statuses"), json=body)


def test_message_types_are_validated(owner: Account) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    location = _send(
        owner,
        conversation,
        type="location",
        location={"latitude": 31.23, "longitude": 121.47, "name": "外滩"},
    )
    assert location.status_code == 201, location.text
    assert location.json()["payload"]["name"] == "外滩"
    template = _send(
        owner,
        conversation,
        type="template",
        template={"name": "order_update", "language": "zh_CN", "params": ["A-1"]},
    )
    assert template.status_code == 201, template.text
    assert template.json()["payload"]["params"] == ["A-1"]
    bad = [
        {"type": "hologram", "text": "x"},
        {"type": "text"},
        {"type": "image"},
        {"type": "image", "text": "caption only"},
        {"type": "location", "location": {"latitude": 91, "longitude": 0}},
        {"type": "location"},
        {"type": "text", "text": "x", "location": {"latitude": 1, "longitude": 1}},
        {"type": "note", "text": "notes go to /notes"},
        {"type": "system", "text": "x"},
        {"text": "x", "attachment_ids": [str(uuid.uuid4())]},
    ]
    for body in bad:
        assert_problem(_send(owner, conversation, **body), 422, "validation_failed")
    malformed = owner.request(
        "POST",
        owner.ws(f"/conversations/{conversation}/messages"),
        content=b'{"text": ',
        headers={"content-type": "application/json"},
    )
    assert_problem(malformed, 400, "malformed_body")
    assert [m["type"] for m in _messages(owner, conversation)] == ["text", "location", "template"]


def test_notes_take_a_seq_and_stay_internal(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    conversation = inbound(owner, channel)["conversation_id"]
    note = agent.request(
        "POST", agent.ws(f"/conversations/{conversation}/notes"), json={"text": "VIP, be nice"}
    )
    assert note.status_code == 201, note.text
    body = note.json()
    assert (body["seq"], body["type"], body["direction"]) == (2, "note", "internal")
    assert (body["sender_type"], body["sender_id"], body["status"]) == ("user", agent.user_id, None)
    current = owner.request("GET", owner.ws(f"/conversations/{conversation}")).json()
    assert current["first_response_at"] is None  # a note is no response to the customer
    assert current["last_seq"] == 2
    created = [e["message"]["id"] for e in outbox_payloads(server, owner, "message.created")]
    assert body["id"] in created


def test_edit_is_for_the_author_only(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    received = inbound(owner, channel, "the customer's words")
    conversation = received["conversation_id"]
    reply = _send(agent, conversation, text="Helo").json()
    path = agent.ws(f"/conversations/{conversation}/messages/{reply['id']}")

    edited = agent.request("PATCH", path, json={"text": "Hello"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["text"] == "Hello"
    assert edited.json()["edited_at"] is not None
    assert edited.json()["seq"] == reply["seq"]
    updates = outbox_payloads(server, owner, "message.updated")
    assert updates[-1]["message"]["text"] == "Hello"
    preview = owner.request("GET", owner.ws(f"/conversations/{conversation}")).json()
    assert preview["last_message_preview"] == "Hello"

    assert_problem(owner.request("PATCH", path, json={"text": "mine"}), 403, "messages.not_author")
    inbound_path = agent.ws(f"/conversations/{conversation}/messages/{received['message_id']}")
    assert_problem(
        owner.request("PATCH", inbound_path, json={"text": "x"}), 409, "messages.not_editable"
    )
    location = _send(
        agent, conversation, type="location", location={"latitude": 1, "longitude": 2}
    ).json()
    assert_problem(
        agent.request(
            "PATCH",
            agent.ws(f"/conversations/{conversation}/messages/{location['id']}"),
            json={"text": "x"},
        ),
        409,
        "messages.not_editable",
    )
    assert_problem(agent.request("PATCH", path, json={"text": ""}), 422, "validation_failed")
    other = inbound(owner, channel, contact="other")["conversation_id"]
    wrong_thread = agent.ws(f"/conversations/{other}/messages/{reply['id']}")
    assert_problem(agent.request("PATCH", wrong_thread, json={"text": "x"}), 404, "not_found")


def test_recall_keeps_the_seq_as_a_tombstone(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    conversation = inbound(owner, channel)["conversation_id"]
    reply = _send(agent, conversation, text="wrong customer!").json()
    inbound(owner, channel, "after")
    recall = agent.ws(f"/conversations/{conversation}/messages/{reply['id']}/recall")

    other_agent = join(owner, "agent")
    assert_problem(other_agent.request("POST", recall), 403, "messages.not_author")
    recalled = agent.request("POST", recall)
    assert recalled.status_code == 200, recalled.text
    body = recalled.json()
    assert (body["seq"], body["text"], body["payload"]) == (2, None, {})
    assert body["recalled_at"] is not None
    listed = _messages(owner, conversation)
    assert [m["seq"] for m in listed] == [1, 2, 3]
    assert listed[1]["text"] is None
    assert listed[1]["recalled_at"] is not None
    assert outbox_payloads(server, owner, "message.updated")[-1]["message"]["text"] is None
    again = agent.request("POST", recall)
    assert again.json()["recalled_at"] == body["recalled_at"]
    assert_problem(
        agent.request(
            "PATCH",
            agent.ws(f"/conversations/{conversation}/messages/{reply['id']}"),
            json={"text": "x"},
        ),
        409,
        "messages.not_editable",
    )
    # Admins moderate: they may recall anyone's message, inbound ones included.
    first = listed[0]["id"]
    moderated = owner.request(
        "POST", owner.ws(f"/conversations/{conversation}/messages/{first}/recall")
    )
    assert moderated.json()["text"] is None


def test_statuses_only_move_forward(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    message = _send(owner, conversation, text="hello").json()
    assert message["status"] == "queued"
    for status, expected in [
        ("read", "read"),
        ("delivered", "read"),
        ("sent", "read"),
        ("failed", "read"),
    ]:
        reported = _status(owner, channel, message_id=message["id"], status=status)
        assert reported.status_code == 200, reported.text
        assert reported.json()["status"] == expected
    changes = [
        e
        for e in outbox_payloads(server, owner, "message.status_changed")
        if e["message_id"] == message["id"]
    ]
    assert [e["status"] for e in changes] == ["read"]
    assert changes[0]["seq"] == message["seq"]


def test_failed_is_terminal_and_keeps_the_error(owner: Account) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    message = _send(owner, conversation, text="hello").json()
    assert _status(owner, channel, message_id=message["id"], status="sent").status_code == 200
    error = {"code": 131026, "title": "Message undeliverable"}
    failed = _status(owner, channel, message_id=message["id"], status="failed", error=error)
    assert (failed.json()["status"], failed.json()["error"]) == ("failed", error)
    late = _status(owner, channel, message_id=message["id"], status="delivered")
    assert (late.json()["status"], late.json()["error"]) == ("failed", error)


def test_status_reports_are_checked(owner: Account, client: Any) -> None:
    channel = api_channel(owner)
    other_channel = api_channel(owner, "Other")
    received = inbound(owner, channel)
    message = _send(owner, received["conversation_id"], text="hi").json()
    assert_problem(
        _status(owner, channel, message_id=received["message_id"], status="read"),
        409,
        "messages.no_status",
    )
    assert_problem(
        _status(owner, other_channel, message_id=message["id"], status="read"), 404, "not_found"
    )
    assert_problem(
        _status(owner, channel, external_id="never-seen", status="read"), 404, "not_found"
    )
    for body in [
        {"message_id": message["id"], "status": "queued"},
        {"message_id": message["id"], "status": "lost"},
        {"status": "read"},
        {"message_id": message["id"], "external_id": "x", "status": "read"},
        {"message_id": message["id"], "status": "read", "error": {"x": 1}},
    ]:
        assert_problem(_status(owner, channel, **body), 422, "validation_failed")
    stranger = signup(client, "stranger")
    assert_problem(
        _status(stranger, channel, message_id=message["id"], status="read"), 404, "not_found"
    )
    viewer = join(owner, "viewer")
    assert_problem(
        _status(viewer, channel, message_id=message["id"], status="read"),
        403,
        "workspaces.permission_denied",
    )
    current = _messages(owner, received["conversation_id"])[-1]
    assert current["status"] == "queued"


def test_messages_around_a_seq(owner: Account) -> None:
    channel = api_channel(owner)
    conversation = ""
    for i in range(1, 11):
        conversation = inbound(owner, channel, f"m{i}")["conversation_id"]
    around = owner.request(
        "GET",
        owner.ws(f"/conversations/{conversation}/messages"),
        params={"around_seq": 5, "limit": 5},
    ).json()
    assert [m["seq"] for m in around["items"]] == [3, 4, 5, 6, 7]
    assert around["has_more"] is True
    start = _messages(owner, conversation, around_seq=1, limit=4)
    assert [m["seq"] for m in start] == [1, 2, 3, 4]
    end = owner.request(
        "GET",
        owner.ws(f"/conversations/{conversation}/messages"),
        params={"around_seq": 10, "limit": 3},
    ).json()
    assert ([m["seq"] for m in end["items"]], end["has_more"]) == ([9, 10], True)
    conflict = owner.request(
        "GET",
        owner.ws(f"/conversations/{conversation}/messages"),
        params={"around_seq": 5, "after_seq": 2},
    )
    assert_problem(conflict, 422, "conversations.seq_params_conflict")


def test_other_workspaces_messages_are_not_found(owner: Account, client: Any) -> None:
    stranger = signup(client, "stranger")
    channel = api_channel(stranger)
    theirs = inbound(stranger, channel)
    conversation, message = theirs["conversation_id"], theirs["message_id"]
    mine = inbound(owner, api_channel(owner))["conversation_id"]
    for method, path, body in [
        ("PATCH", f"/conversations/{conversation}/messages/{message}", {"text": "x"}),
        ("POST", f"/conversations/{conversation}/messages/{message}/recall", None),
        ("PATCH", f"/conversations/{mine}/messages/{message}", {"text": "x"}),
        ("POST", f"/conversations/{mine}/messages/{message}/recall", None),
        ("POST", f"/conversations/{conversation}/messages", {"text": "x"}),
        ("POST", f"/channels/{channel}/statuses", {"message_id": message, "status": "read"}),
    ]:
        assert_problem(owner.request(method, owner.ws(path), json=body), 404, "not_found")
    untouched = _messages(stranger, conversation)
    assert (len(untouched), untouched[0]["recalled_at"], untouched[0]["text"]) == (1, None, "hello")


def test_a_client_chosen_id_makes_a_retry_send_nothing_more(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    conversation = inbound(owner, channel)["conversation_id"]
    other = inbound(owner, channel, contact="customer-2")["conversation_id"]
    chosen = str(uuid.uuid4())

    first = _send(owner, conversation, text="On its way", id=chosen)
    assert first.status_code == 201, first.text
    assert first.json()["id"] == chosen
    again = _send(owner, conversation, text="On its way", id=chosen)
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["seq"]) == (chosen, first.json()["seq"])
    assert [m["id"] for m in _messages(owner, conversation)].count(chosen) == 1
    created = [e["message"]["id"] for e in outbox_payloads(server, owner, "message.created")]
    assert created.count(chosen) == 1  # live clients get it once, under the id they chose

    # The id is the message's own: another conversation or sender cannot take it over.
    assert_problem(_send(owner, other, text="x", id=chosen), 409, "messages.id_taken")
    assert_problem(_send(agent, conversation, text="x", id=chosen), 409, "messages.id_taken")
    assert_problem(_send(owner, conversation, text="x", id="not-a-uuid"), 422, "validation_failed")
