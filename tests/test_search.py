"""Search over messages and contacts: substrings (Chinese too), scoping, escaping, sync."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text, update

from relaydesk.db.migrate import alembic_config
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.domains.search.objects import POSTGRES_INDEXES, SQLITE_TABLES, SQLITE_TRIGGERS
from relaydesk.domains.search.queries import matching_conversation_ids
from tests.conftest import Account, assert_problem, join, signup
from tests.harness import BACKEND, Server, make_settings, running_server, throwaway_database
from tests.messaging import api_channel, inbound


def _search(account: Account, q: str, **params: Any) -> dict[str, Any]:
    response = account.request("GET", account.ws("/search"), params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _message_ids(account: Account, q: str, **params: Any) -> list[str]:
    body = _search(account, q, type="messages", limit=200, **params)
    assert body["contacts"] is None
    return [m["id"] for m in body["messages"]["items"]]


def _contact_ids(account: Account, q: str) -> list[str]:
    body = _search(account, q, type="contacts", limit=200)
    assert body["messages"] is None
    return [c["id"] for c in body["contacts"]["items"]]


def _contact_id(server: Server, conversation_id: str) -> str:
    async def read() -> str:
        async with server.db.read("test_contact_of_conversation") as s:
            contact_id = await s.scalar(
                select(Conversation.contact_id).where(Conversation.id == uuid.UUID(conversation_id))
            )
        return str(contact_id)

    return server.run(read())


async def _set_text(server: Server, message_id: str, value: str | None) -> None:
    async with server.db.write("test_set_message_text") as s:
        await s.execute(
            update(Message).where(Message.id == uuid.UUID(message_id)).values(text=value)
        )


def test_chinese_substrings_of_any_length_match(owner: Account) -> None:
    channel = api_channel(owner)
    refund = inbound(owner, channel, "你好，我要退款")
    inbound(owner, channel, "谢谢你的帮助")
    for q in ("退款", "我要", "退", "我要退款", "，我要退"):
        assert _message_ids(owner, q) == [refund["message_id"]], q
    assert _message_ids(owner, "退货") == []
    assert _message_ids(owner, "要退款了") == []

    hit = _search(owner, "退款")["messages"]["items"][0]
    assert hit["conversation_id"] == refund["conversation_id"]
    assert hit["channel_id"] == channel
    assert hit["seq"] == refund["seq"]
    assert hit["snippet"] == [
        {"text": "你好，我要", "match": False},
        {"text": "退款", "match": True},
    ]


def test_latin_text_ignores_case(owner: Account) -> None:
    channel = api_channel(owner)
    shout = inbound(owner, channel, "Where is my REFUND? Refund please")
    inbound(owner, channel, "thanks")
    assert _message_ids(owner, "refund") == [shout["message_id"]]
    assert _message_ids(owner, "rEfUnD pLeAsE") == [shout["message_id"]]
    assert _message_ids(owner, "MY") == [shout["message_id"]]
    parts = _search(owner, "refund")["messages"]["items"][0]["snippet"]
    assert [p["text"] for p in parts if p["match"]] == ["REFUND", "Refund"]
    assert "".join(p["text"] for p in parts) == "Where is my REFUND? Refund please"


def test_contacts_match_on_name_email_and_phone(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    ada = inbound(
        owner,
        channel,
        contact="ada",
        name="Ada Lovelace",
        email="ada.lovelace@analytical.example",
        phone="+8613812345678",
    )
    inbound(owner, channel, contact="bob", name="Bob Stone", email="bob@stone.example")
    ada_id = _contact_id(server, ada["conversation_id"])
    for q in ("LOVELACE", "ada lov", "analytical.example", "@analytical", "13812345", "78", "Ad"):
        assert _contact_ids(owner, q) == [ada_id], q
    assert _contact_ids(owner, "stone.example") != [ada_id]
    assert _contact_ids(owner, "nobody") == []
    hit = _search(owner, "lovelace", type="contacts")["contacts"]["items"][0]
    assert {k: hit[k] for k in ("name", "email", "phone")} == {
        "name": "Ada Lovelace",
        "email": "ada.lovelace@analytical.example",
        "phone": "+8613812345678",
    }


def test_both_types_are_searched_by_default(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    received = inbound(owner, channel, "ask Grace about it", contact="g", name="Grace Hopper")
    body = _search(owner, "grace")
    assert [m["id"] for m in body["messages"]["items"]] == [received["message_id"]]
    assert [c["id"] for c in body["contacts"]["items"]] == [
        _contact_id(server, received["conversation_id"])
    ]


def test_results_stay_in_their_workspace(server: Server, client: Any, owner: Account) -> None:
    other = signup(client, "other")
    mine = inbound(owner, api_channel(owner), "订单号 zx-31337", contact="c", name="Zed Shared")
    theirs = inbound(other, api_channel(other), "订单号 zx-31337", contact="c", name="Zed Shared")
    for q in ("zx-31337", "订单", "单", "zx"):
        assert _message_ids(owner, q) == [mine["message_id"]], q
        assert _message_ids(other, q) == [theirs["message_id"]], q
    assert _contact_ids(owner, "zed shared") == [_contact_id(server, mine["conversation_id"])]
    assert _contact_ids(owner, "ze") == [_contact_id(server, mine["conversation_id"])]

    foreign = owner.request("GET", f"/api/v1/workspaces/{other.workspace_id}/search?q=zx-31337")
    assert_problem(foreign, 404, "not_found")
    # Not even a bad query reveals anything about another workspace.
    foreign_blank = owner.request("GET", f"/api/v1/workspaces/{other.workspace_id}/search")
    assert_problem(foreign_blank, 404, "not_found")
    foreign_filter = owner.request(
        "GET", owner.ws("/search"), params={"q": "zx", "conversation_id": theirs["conversation_id"]}
    )
    assert_problem(foreign_filter, 404, "not_found")


SPECIAL_TEXTS = [
    'say "hello" now',
    "100% sure",
    "snake_case name",
    "a*b star",
    "it's fine",
    "this OR that",
    "call (555) 123",
    "plain words only",
    "back\\slash and /slash",
    "NEAR(one two)",
]
SPECIAL_QUERIES = [
    '"',
    '"hello"',
    '"hello" OR "sure"',
    "%",
    "100%",
    "%_%",
    "_",
    "e_c",
    "*",
    "a*b",
    "plain*",
    "'",
    "it's",
    "OR",
    "or that",
    "a OR b",
    "(",
    ")",
    "(555)",
    "NEAR(one",
    "^plain",
    "/",
    "/s",
    "\\",
    "\\slash",
    "-",
    ":",
    "text:fine",
]


def test_special_characters_are_literal(owner: Account) -> None:
    channel = api_channel(owner)
    ids = {inbound(owner, channel, body)["message_id"]: body for body in SPECIAL_TEXTS}
    for q in SPECIAL_QUERIES:
        expected = {i for i, body in ids.items() if q.lower() in body.lower()}
        assert set(_message_ids(owner, q)) == expected, q
        assert _search(owner, q)["contacts"]["items"] == [], q


def test_cleared_or_edited_text_leaves_the_index(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    recalled = inbound(owner, channel, "我要退款 order 8842")
    kept = inbound(owner, channel, "keep this one 8842")
    assert set(_message_ids(owner, "8842")) == {recalled["message_id"], kept["message_id"]}

    server.run(_set_text(server, recalled["message_id"], None))
    for q in ("退款", "退", "我要退款", "order"):
        assert _message_ids(owner, q) == [], q
    assert _message_ids(owner, "8842") == [kept["message_id"]]

    server.run(_set_text(server, kept["message_id"], "edited to say 换货"))
    assert _message_ids(owner, "keep this") == []
    assert _message_ids(owner, "换货") == [kept["message_id"]]
    assert _message_ids(owner, "edited to") == [kept["message_id"]]
    server.run(_set_text(server, kept["message_id"], ""))
    assert _message_ids(owner, "edited to") == []
    assert _message_ids(owner, "换") == []


def test_recall_and_edit_through_the_api_update_results(owner: Account) -> None:
    channel = api_channel(owner)
    received = inbound(owner, channel, "我要退款 parcel 5512")
    conversation = owner.ws(f"/conversations/{received['conversation_id']}")
    reply = owner.request("POST", f"{conversation}/messages", json={"text": "refund 5512 sent"})
    assert reply.status_code == 201, reply.text
    reply_id = reply.json()["id"]
    assert set(_message_ids(owner, "5512")) == {received["message_id"], reply_id}

    recalled = owner.request("POST", f"{conversation}/messages/{received['message_id']}/recall")
    assert recalled.status_code == 200, recalled.text
    for q in ("退款", "我要退款", "parcel"):
        assert _message_ids(owner, q) == [], q

    edited = owner.request(
        "PATCH", f"{conversation}/messages/{reply_id}", json={"text": "换货 on its way"}
    )
    assert edited.status_code == 200, edited.text
    assert _message_ids(owner, "5512") == []
    assert _message_ids(owner, "换货") == [reply_id]
    assert _message_ids(owner, "on its way") == [reply_id]


def test_pages_newest_first(owner: Account) -> None:
    channel = api_channel(owner)
    sent = [
        inbound(owner, channel, f"tracking 77{i}", contact=f"c{i}")["message_id"] for i in range(5)
    ]
    for q in ("tracking 77", "77"):
        seen: list[str] = []
        params: dict[str, Any] = {"q": q, "type": "messages", "limit": 2}
        while True:
            response = owner.request("GET", owner.ws("/search"), params=params)
            assert response.status_code == 200, response.text
            page = response.json()["messages"]
            assert len(page["items"]) <= 2
            seen += [m["id"] for m in page["items"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert seen == sent[::-1], q

    first = _search(owner, "tracking", limit=2)
    assert first["messages"]["next_cursor"] is not None
    no_type = owner.request(
        "GET",
        owner.ws("/search"),
        params={"q": "tracking", "cursor": first["messages"]["next_cursor"]},
    )
    assert_problem(no_type, 400, "search.cursor_needs_type")
    bad = owner.request(
        "GET", owner.ws("/search"), params={"q": "tracking", "type": "messages", "cursor": "xx"}
    )
    assert_problem(bad, 400, "invalid_cursor")


def test_filters_narrow_messages(owner: Account) -> None:
    first_channel = api_channel(owner, "first")
    second_channel = api_channel(owner, "second")
    ann = inbound(owner, first_channel, "invoice 19", contact="ann")
    bob = inbound(owner, first_channel, "invoice 20", contact="bob")
    eve = inbound(owner, second_channel, "invoice 21", contact="eve", name="Invoice Eve")

    by_conversation = _search(owner, "invoice", conversation_id=ann["conversation_id"])
    assert by_conversation["contacts"] is None
    assert [m["id"] for m in by_conversation["messages"]["items"]] == [ann["message_id"]]
    assert _message_ids(owner, "invoice", channel_id=first_channel) == [
        bob["message_id"],
        ann["message_id"],
    ]
    assert _message_ids(owner, "in", channel_id=second_channel) == [eve["message_id"]]
    mixed = owner.request(
        "GET",
        owner.ws("/search"),
        params={"q": "invoice", "type": "contacts", "channel_id": first_channel},
    )
    assert_problem(mixed, 422, "search.filter_needs_messages")
    missing = owner.request(
        "GET", owner.ws("/search"), params={"q": "invoice", "channel_id": str(uuid.uuid4())}
    )
    assert_problem(missing, 404, "not_found")


@pytest.mark.parametrize("q", ["", "   ", "x" * 201, "a\x00b"])
def test_blank_or_long_query_is_rejected(owner: Account, q: str) -> None:
    response = owner.request("GET", owner.ws("/search"), params={"q": q})
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["loc"] == ["query", "q"]


def test_missing_query_and_bad_type_are_rejected(owner: Account) -> None:
    assert_problem(owner.request("GET", owner.ws("/search")), 422, "validation_failed")
    wrong_type = owner.request("GET", owner.ws("/search"), params={"q": "a", "type": "deals"})
    assert_problem(wrong_type, 422, "validation_failed")


def test_viewers_may_search_and_strangers_may_not(client: Any, owner: Account) -> None:
    inbound(owner, api_channel(owner), "visible to viewers")
    viewer = join(owner, "viewer")
    assert len(_message_ids(viewer, "viewers")) == 1
    assert_problem(client.get(owner.ws("/search"), params={"q": "x"}), 401, "unauthenticated")


def test_matching_conversation_ids_is_reusable(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    ann = inbound(owner, channel, "我要退款", contact="ann")
    inbound(owner, channel, "退款", contact="bob")
    inbound(owner, channel, "nothing here", contact="eve")
    other = signup(owner.client, "other")
    inbound(other, api_channel(other), "我要退款", contact="x")
    workspace_id = uuid.UUID(owner.workspace_id)

    async def ids(q: str) -> set[str]:
        async with server.db.read("test_matching_conversation_ids") as s:
            stmt = matching_conversation_ids(s, workspace_id, q)
            return {str(i) for i in (await s.scalars(stmt)).all()}

    assert server.run(ids("我要退款")) == {ann["conversation_id"]}
    assert len(server.run(ids("退款"))) == 2
    assert len(server.run(ids("退"))) == 2
    assert server.run(ids("refund")) == set()
    with pytest.raises(ValueError, match="blank"):
        server.run(ids("  "))


def test_search_objects_exist_at_head(server: Server) -> None:
    """A later migration that rebuilds messages or contacts must keep search in step."""

    async def names() -> set[str]:
        async with server.db.read("test_search_objects") as s:
            if BACKEND == "sqlite":
                sql = "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
            else:
                sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            return set((await s.scalars(text(sql))).all())

    expected = SQLITE_TABLES | SQLITE_TRIGGERS if BACKEND == "sqlite" else POSTGRES_INDEXES
    assert expected <= server.run(names())


def test_migration_indexes_existing_rows(tmp_path: Path) -> None:
    """Rows written before the search migration are found after it (the backfill). The
    migrations run with the server stopped, as an operator runs them: a running server's
    background work would hold locks the schema changes wait on."""
    with throwaway_database(tmp_path) as url:
        settings = make_settings(tmp_path, url)
        with running_server(settings) as server, server.client() as client:
            owner = signup(client)
            channel = api_channel(owner)
            old = inbound(owner, channel, "我要退款 before search", contact="c", name="Old Timer")
            old_contact = _contact_id(server, old["conversation_id"])
        command.downgrade(alembic_config(server.settings.database), "0002")
        with running_server(settings) as server, server.client() as client:  # migrates up
            owner = replace(owner, client=client)
            assert _message_ids(owner, "我要退款") == [old["message_id"]]
            assert _message_ids(owner, "退款") == [old["message_id"]]
            assert _contact_ids(owner, "old timer") == [old_contact]
            later = inbound(owner, channel, "我要退款 after search", contact="c")
            assert _message_ids(owner, "我要退款") == [later["message_id"], old["message_id"]]
