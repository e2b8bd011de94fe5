"""Conversations and messages: dense seq under concurrency, idempotent ingest, outbox events."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from relaydesk.db.base import utcnow
from relaydesk.events.models import OutboxEvent
from tests.conftest import Account, assert_problem, join
from tests.harness import Server
from tests.messaging import api_channel, inbound, outbox_payloads, whatsapp_channel
from tests.test_outbound_pipeline import provider_conversation


def _messages(account: Account, conversation_id: str, **params: Any) -> dict[str, Any]:
    response = account.request(
        "GET", account.ws(f"/conversations/{conversation_id}/messages"), params=params
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_first_inbound_creates_contact_and_conversation(owner: Account) -> None:
    channel = api_channel(owner)
    first = inbound(owner, channel, "你好，我要退款", name="李雷", phone="+86 138 1234 5678")
    second = inbound(owner, channel, "still there?")
    assert first["seq"] == 1
    assert second["seq"] == 2
    assert first["conversation_id"] == second["conversation_id"]
    assert first["duplicate"] is second["duplicate"] is False

    conversation = owner.request("GET", owner.ws(f"/conversations/{first['conversation_id']}"))
    body = conversation.json()
    assert body["last_seq"] == 2
    assert body["status"] == "open"
    assert body["last_message_preview"] == "still there?"
    page = _messages(owner, first["conversation_id"])
    assert [(m["seq"], m["text"], m["direction"]) for m in page["items"]] == [
        (1, "你好，我要退款", "in"),
        (2, "still there?", "in"),
    ]
    assert page["items"][0]["sender_type"] == "contact"


def test_same_external_id_is_one_message(owner: Account) -> None:
    channel = api_channel(owner)
    first = inbound(owner, channel, external_id="wamid.1")
    again = inbound(owner, channel, "a retry with other text", external_id="wamid.1")
    assert again["duplicate"] is True
    assert {k: again[k] for k in ("message_id", "conversation_id", "seq")} == {
        k: first[k] for k in ("message_id", "conversation_id", "seq")
    }
    assert len(_messages(owner, first["conversation_id"])["items"]) == 1


def test_each_contact_has_its_own_thread(owner: Account) -> None:
    channel = api_channel(owner)
    ann = inbound(owner, channel, contact="ann")
    bob = inbound(owner, channel, contact="bob")
    assert ann["conversation_id"] != bob["conversation_id"]
    assert bob["seq"] == 1
    listed = owner.request("GET", owner.ws("/conversations")).json()["items"]
    assert [c["id"] for c in listed] == [bob["conversation_id"], ann["conversation_id"]]
    inbound(owner, channel, contact="ann")
    listed = owner.request("GET", owner.ws("/conversations")).json()["items"]
    assert listed[0]["id"] == ann["conversation_id"]


def test_agent_reply_is_queued_with_the_next_seq(owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    received = inbound(owner, channel)
    path = owner.ws(f"/conversations/{received['conversation_id']}/messages")
    reply = agent.request("POST", path, json={"text": "Hi, how can I help?"})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert (body["seq"], body["direction"], body["status"]) == (2, "out", "queued")
    assert body["sender_type"] == "user"
    conversation = owner.request("GET", owner.ws(f"/conversations/{received['conversation_id']}"))
    assert conversation.json()["first_response_at"] is not None


def test_viewers_read_but_do_not_write(owner: Account) -> None:
    channel = api_channel(owner)
    viewer = join(owner, "viewer")
    received = inbound(owner, channel)
    assert viewer.request("GET", viewer.ws("/conversations")).status_code == 200
    reply = viewer.request(
        "POST",
        viewer.ws(f"/conversations/{received['conversation_id']}/messages"),
        json={"text": "no"},
    )
    assert_problem(reply, 403, "workspaces.permission_denied")
    ingest = viewer.request(
        "POST",
        viewer.ws(f"/channels/{channel}/inbound"),
        json={"external_id": "x", "contact": {"external_id": "c"}, "text": "t"},
    )
    assert_problem(ingest, 403, "workspaces.permission_denied")
    create = viewer.request("POST", viewer.ws("/channels"), json={"type": "api", "name": "n"})
    assert_problem(create, 403, "workspaces.permission_denied")


def test_messages_page_by_seq(owner: Account) -> None:
    channel = api_channel(owner)
    conversation = ""
    for i in range(1, 8):
        conversation = inbound(owner, channel, f"m{i}")["conversation_id"]
    newest = _messages(owner, conversation, limit=3)
    assert [m["seq"] for m in newest["items"]] == [5, 6, 7]
    assert newest["has_more"] is True
    older = _messages(owner, conversation, limit=3, before_seq=5)
    assert [m["seq"] for m in older["items"]] == [2, 3, 4]
    catch_up = _messages(owner, conversation, limit=3, after_seq=4)
    assert [m["seq"] for m in catch_up["items"]] == [5, 6, 7]
    assert catch_up["has_more"] is False
    assert _messages(owner, conversation, after_seq=7)["items"] == []


def test_seq_is_dense_under_concurrent_writers(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel, "start")["conversation_id"]
    writers = 24

    def write(i: int) -> int:
        with server.client() as c:
            if i % 3 == 0:
                response = c.post(
                    owner.ws(f"/conversations/{conversation}/messages"),
                    headers=owner.headers,
                    json={"text": f"reply {i}"},
                )
            else:
                response = c.post(
                    owner.ws(f"/channels/{channel}/inbound"),
                    headers=owner.headers,
                    json={
                        "external_id": f"concurrent-{i}",
                        "contact": {"external_id": "customer-1"},
                        "text": f"message {i}",
                    },
                )
            assert response.status_code in (200, 201), response.text
            seq: int = response.json()["seq"]
            return seq

    with ThreadPoolExecutor(max_workers=8) as pool:
        seqs = list(pool.map(write, range(writers)))
    assert sorted(seqs) == list(range(2, writers + 2))
    stored = [m["seq"] for m in _messages(owner, conversation, after_seq=0, limit=200)["items"]]
    assert stored == list(range(1, writers + 2))


def test_concurrent_duplicates_store_one_message(server: Server, owner: Account) -> None:
    channel = api_channel(owner)

    def post(_: int) -> dict[str, Any]:
        with server.client() as c:
            response = c.post(
                owner.ws(f"/channels/{channel}/inbound"),
                headers=owner.headers,
                json={
                    "external_id": "dup-1",
                    "contact": {"external_id": "new-person"},
                    "text": "x",
                },
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(post, range(6)))
    assert len({r["message_id"] for r in results}) == 1
    assert [r["duplicate"] for r in results].count(False) == 1
    assert len(_messages(owner, results[0]["conversation_id"])["items"]) == 1


def test_bad_input_stores_nothing(owner: Account) -> None:
    channel = api_channel(owner)
    path = owner.ws(f"/channels/{channel}/inbound")
    cases = [
        (b"{not json", 400, "malformed_body"),
        (
            b'{"external_id": "a", "contact": {"external_id": "c"}, "text": ""}',
            422,
            "validation_failed",
        ),
        (
            b'{"external_id": "a", "contact": {"external_id": "c"}, "text": "x", "kind": "y"}',
            422,
            "validation_failed",
        ),
        (
            b'{"external_id": "a", "contact": {"external_id": "c", "phone": "12"}, "text": "x"}',
            422,
            "validation_failed",
        ),
    ]
    for body, status, code in cases:
        response = owner.request(
            "POST",
            path,
            content=body,
            headers={**owner.headers, "content-type": "application/json"},
        )
        assert_problem(response, status, code)
    too_long = {"external_id": "a", "contact": {"external_id": "c"}, "text": "x" * 4097}
    assert_problem(owner.request("POST", path, json=too_long), 422, "validation_failed")
    assert owner.request("GET", owner.ws("/conversations")).json()["items"] == []
    unknown = owner.request(
        "POST", owner.ws(f"/channels/{uuid.uuid4()}/inbound"), json=too_long | {"text": "x"}
    )
    assert_problem(unknown, 404, "not_found")


def test_changes_write_typed_events_to_the_outbox(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    received = inbound(owner, channel, "hello")
    inbound(owner, channel, "again")

    async def events() -> list[tuple[str, dict[str, Any]]]:
        async with server.db.read("test_outbox") as s:
            rows = await s.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.workspace_id == uuid.UUID(owner.workspace_id))
                .order_by(OutboxEvent.id)
            )
            return [(r.type, r.payload) for r in rows]

    stored = server.run(events())
    assert [t for t, _ in stored] == [
        "contact.created",
        "conversation.created",
        "message.created",
        "conversation.updated",
        "message.created",
        "conversation.updated",
    ]
    message = stored[2][1]["message"]
    assert message["id"] == received["message_id"]
    assert message["seq"] == 1
    assert stored[5][1]["conversation"]["last_seq"] == 2


def test_channels_are_listed_without_secrets(owner: Account, client: httpx.Client) -> None:
    created = owner.request(
        "POST",
        owner.ws("/channels"),
        json={"type": "api", "name": "CRM sync", "outbound_url": "https://example.com/hook"},
    ).json()
    assert created["inbound_secret"].startswith("rdc_")
    listed = owner.request("GET", owner.ws("/channels")).json()["items"]
    assert [c["name"] for c in listed] == ["CRM sync"]
    assert "inbound_secret" not in listed[0]
    bad = owner.request(
        "POST", owner.ws("/channels"), json={"type": "api", "name": "x", "outbound_url": "ftp://x"}
    )
    assert_problem(bad, 422, "validation_failed")
    unknown = owner.request("POST", owner.ws("/channels"), json={"type": "pigeon", "name": "x"})
    assert_problem(unknown, 422, "validation_failed")


def test_list_filters_by_contact(owner: Account) -> None:
    channel = api_channel(owner)
    ann = inbound(owner, channel, "hi", contact="ann")
    inbound(owner, channel, "hello", contact="bob")
    contact_id = owner.request("GET", owner.ws(f"/conversations/{ann['conversation_id']}")).json()[
        "contact_id"
    ]
    listed = owner.request("GET", owner.ws("/conversations"), params={"contact_id": contact_id})
    assert listed.status_code == 200, listed.text
    assert [c["id"] for c in listed.json()["items"]] == [ann["conversation_id"]]
    nobody = owner.request(
        "GET", owner.ws("/conversations"), params={"contact_id": str(uuid.uuid4())}
    )
    assert nobody.json()["items"] == []


def test_reply_window_is_shown_for_whatsapp_only(server: Server, owner: Account) -> None:
    api = api_channel(owner)
    message = inbound(owner, api, "hi", contact="window-api")
    api_view = owner.request("GET", owner.ws(f"/conversations/{message['conversation_id']}"))
    assert api_view.json()["last_inbound_at"] is not None
    assert api_view.json()["reply_window_closes_at"] is None

    wrote = utcnow() - timedelta(hours=3)
    whatsapp = whatsapp_channel(
        owner,
        "http://127.0.0.1:9",  # never called: nothing is sent here
        "1",
        "access-token-0123456789",
        "app-secret-0123456789",
        "verify-token-0123456789",
    )["id"]
    conversation = provider_conversation(server, owner, whatsapp, "16505550001", wrote)
    view = owner.request("GET", owner.ws(f"/conversations/{conversation}")).json()
    closes = datetime.fromisoformat(view["reply_window_closes_at"])
    assert datetime.fromisoformat(view["last_inbound_at"]) == wrote
    assert closes == wrote + timedelta(hours=24)
    listed = owner.request("GET", owner.ws("/conversations"), params={"channel_id": whatsapp})
    assert [c["reply_window_closes_at"] for c in listed.json()["items"]] == [
        view["reply_window_closes_at"]
    ]

    # Events carry the same shape, so live clients see the window too.
    patched = owner.request(
        "PATCH", owner.ws(f"/conversations/{conversation}"), json={"priority": "high"}
    )
    assert patched.status_code == 200, patched.text
    [event] = [
        p
        for p in outbox_payloads(server, owner, "conversation.updated")
        if p["conversation"]["id"] == conversation
    ]
    assert datetime.fromisoformat(event["conversation"]["reply_window_closes_at"]) == closes


def test_conversations_show_the_contacts_name_else_phone(server: Server, owner: Account) -> None:
    api = api_channel(owner)
    named = inbound(owner, api, "hi", contact="named-1", name="Mei Lin")
    phone_only = inbound(owner, api, "hi", contact="phone-1", phone="+8613800138000")
    anonymous = inbound(owner, api, "hi", contact="anonymous-1")
    expected = {
        named["conversation_id"]: "Mei Lin",
        phone_only["conversation_id"]: "+8613800138000",
        anonymous["conversation_id"]: None,
    }

    listed = owner.request("GET", owner.ws("/conversations"), params={"channel_id": api})
    assert {c["id"]: c["contact_name"] for c in listed.json()["items"]} == expected
    one = owner.request("GET", owner.ws(f"/conversations/{named['conversation_id']}")).json()
    assert one["contact_name"] == "Mei Lin"
    # Live clients get the name with the new conversation, before any refetch.
    created = {
        p["conversation"]["id"]: p["conversation"]["contact_name"]
        for p in outbox_payloads(server, owner, "conversation.created")
        if p["conversation"]["id"] in expected
    }
    assert created == expected
