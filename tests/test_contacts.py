"""Contacts over the REST API: CRUD, typed attributes, filters, tags, consent, merge,
attribute definitions and workspace isolation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from relaydesk.events.models import OutboxEvent
from tests.conftest import Account, assert_problem, join, signup
from tests.harness import Server
from tests.messaging import api_channel, inbound

DEFINITIONS = [
    {"key": "plan", "label": "Plan", "type": "text"},
    {"key": "score", "label": "Score", "type": "number"},
    {"key": "birthday", "label": "Birthday", "type": "date"},
    {"key": "vip", "label": "VIP", "type": "boolean"},
    {"key": "interests", "label": "Interests", "type": "list", "options": ["tea", "茶", "golf"]},
]


def define(account: Account, *definitions: dict[str, Any]) -> dict[str, str]:
    """Create attribute definitions (all of DEFINITIONS by default); key → id."""
    ids = {}
    for definition in definitions or DEFINITIONS:
        response = account.request("POST", account.ws("/attribute-definitions"), json=definition)
        assert response.status_code == 201, response.text
        ids[definition["key"]] = response.json()["id"]
    return ids


def create(account: Account, **body: Any) -> dict[str, Any]:
    response = account.request("POST", account.ws("/contacts"), json=body)
    assert response.status_code == 201, response.text
    contact: dict[str, Any] = response.json()
    return contact


def listed(account: Account, **params: Any) -> list[dict[str, Any]]:
    response = account.request("GET", account.ws("/contacts"), params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def names(account: Account, **params: Any) -> set[str]:
    return {c["name"] for c in listed(account, **params)}


def outbox_types(server: Server, workspace_id: str) -> list[str]:
    async def load() -> list[str]:
        async with server.db.read("test_outbox") as s:
            rows = await s.scalars(
                select(OutboxEvent.type)
                .where(OutboxEvent.workspace_id == uuid.UUID(workspace_id))
                .order_by(OutboxEvent.id)
            )
            return list(rows)

    return server.run(load())


def audit_actions(account: Account, action: str) -> list[dict[str, Any]]:
    response = account.request("GET", account.ws("/audit-events"), params={"action": action})
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["items"]
    return events


def test_create_read_update_delete(server: Server, owner: Account) -> None:
    define(owner)
    agent = join(owner, "agent")
    created = create(
        agent,
        name="李雷",
        phone="+86 138 1234 5678",
        email="li.lei@Example.COM",
        language="zh-CN",
        avatar_url="https://example.com/a.png",
        attributes={"plan": "gold", "score": 7.5, "vip": True, "interests": ["茶", "tea"]},
        tags=["vip", "beijing", "vip"],
        owner_user_id=agent.user_id,
    )
    assert created["phone"] == "+8613812345678"
    assert created["email"] == "li.lei@example.com"
    assert created["tags"] == ["beijing", "vip"]
    assert created["attributes"] == {
        "plan": "gold",
        "score": 7.5,
        "vip": True,
        "interests": ["茶", "tea"],
    }
    assert created["owner_user_id"] == agent.user_id
    assert (created["consents"], created["identities"], created["last_seen_at"]) == ([], [], None)
    path = owner.ws(f"/contacts/{created['id']}")
    assert owner.request("GET", path).json() == created

    patched = agent.request(
        "PATCH",
        path,
        json={
            "name": "Li Lei",
            "language": None,
            "blocked": True,
            "attributes": {"score": 9, "plan": None, "birthday": "1990-02-03"},
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["name"], body["language"], body["blocked"]) == ("Li Lei", None, True)
    assert body["phone"] == "+8613812345678"  # not sent: unchanged
    renamed = agent.request("PATCH", path, json={"name": "Li"}).json()
    assert (renamed["name"], renamed["blocked"]) == ("Li", True)  # left out: still blocked
    assert body["attributes"] == {
        "score": 9,
        "vip": True,
        "interests": ["茶", "tea"],
        "birthday": "1990-02-03",
    }

    assert agent.request("DELETE", path).status_code == 204
    assert_problem(owner.request("GET", path), 404, "not_found")
    assert_problem(agent.request("DELETE", path), 404, "not_found")
    deleted = audit_actions(owner, "contact.deleted")
    assert [e["target_id"] for e in deleted] == [created["id"]]
    assert outbox_types(server, owner.workspace_id) == [
        "contact.created",
        "contact.updated",
        "contact.updated",
        "contact.deleted",
    ]


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        ({"name": "x", "phone": "12345"}, "validation_failed", "phone"),
        ({"name": "x", "phone": "+86 138"}, "validation_failed", "phone"),
        ({"name": "x", "email": "not-an-email"}, "validation_failed", "email"),
        ({"name": "x", "language": "chinese!"}, "validation_failed", "language"),
        ({"name": "x", "tags": ["a;b"]}, "validation_failed", "tags"),
        ({"name": "x", "surname": "y"}, "validation_failed", "surname"),
        ({"name": "x", "attributes": {"colour": "red"}}, "contacts.unknown_attribute", "colour"),
        ({"name": "x", "attributes": {"score": "7"}}, "contacts.invalid_attribute", "score"),
        ({"name": "x", "attributes": {"vip": "yes"}}, "contacts.invalid_attribute", "vip"),
        ({"name": "x", "attributes": {"birthday": "03/02/1990"}}, "contacts.invalid_attribute", ""),
        ({"name": "x", "attributes": {"interests": ["chess"]}}, "contacts.invalid_attribute", ""),
        ({"name": "x", "attributes": {"interests": "tea"}}, "contacts.invalid_attribute", ""),
        ({"name": "x", "attributes": {"plan": ""}}, "contacts.invalid_attribute", "plan"),
        ({"name": "x", "owner_user_id": str(uuid.uuid4())}, "contacts.owner_not_member", ""),
    ],
)
def test_bad_input_is_a_problem_and_stores_nothing(
    server: Server, owner: Account, body: dict[str, Any], code: str, where: str
) -> None:
    define(owner)
    response = owner.request("POST", owner.ws("/contacts"), json=body)
    problem = assert_problem(response, 422, code)
    assert where in problem["detail"]
    assert listed(owner) == []
    assert outbox_types(server, owner.workspace_id) == []


def test_bad_update_changes_nothing(owner: Account, client: httpx.Client) -> None:
    define(owner)
    stranger = signup(client, "stranger")
    contact = create(owner, name="Ann", attributes={"score": 1})
    path = owner.ws(f"/contacts/{contact['id']}")
    cases = [
        ({"attributes": {"score": 2, "vip": "no"}}, "contacts.invalid_attribute"),
        ({"name": "Bob", "attributes": {"nope": 1}}, "contacts.unknown_attribute"),
        ({"name": "Bob", "owner_user_id": stranger.user_id}, "contacts.owner_not_member"),
        ({"name": "Bob", "email": "bob@"}, "validation_failed"),
        ({"blocked": None}, "validation_failed"),
    ]
    for body, code in cases:
        assert_problem(owner.request("PATCH", path, json=body), 422, code)
    after = owner.request("GET", path).json()
    assert (after["name"], after["attributes"], after["owner_user_id"]) == (
        "Ann",
        {"score": 1},
        None,
    )


def test_attribute_definitions(owner: Account) -> None:
    agent, viewer = join(owner, "agent"), join(owner, "viewer")
    ids = define(owner)
    path = owner.ws("/attribute-definitions")
    listed_keys = [d["key"] for d in viewer.request("GET", path).json()]
    assert listed_keys == ["birthday", "interests", "plan", "score", "vip"]
    one = viewer.request("GET", f"{path}/{ids['interests']}").json()
    assert (one["type"], one["options"]) == ("list", ["tea", "茶", "golf"])
    denied = agent.request("POST", path, json={"key": "k", "label": "K", "type": "text"})
    assert_problem(denied, 403, "workspaces.permission_denied")
    taken = owner.request("POST", path, json={"key": "plan", "label": "Again", "type": "text"})
    assert_problem(taken, 409, "contacts.attribute_key_taken")
    for bad, code in [
        ({"key": "Bad Key", "label": "x", "type": "text"}, "validation_failed"),
        ({"key": "k", "label": "x", "type": "colour"}, "validation_failed"),
        ({"key": "k", "label": "x", "type": "list"}, "contacts.invalid_definition"),
        (
            {"key": "k", "label": "x", "type": "text", "options": ["a"]},
            "contacts.invalid_definition",
        ),
    ]:
        assert_problem(owner.request("POST", path, json=bad), 422, code)

    # Unused: any change is fine.
    retyped = owner.request("PATCH", f"{path}/{ids['plan']}", json={"type": "number"})
    assert retyped.status_code == 200, retyped.text
    assert retyped.json()["type"] == "number"
    owner.request("PATCH", f"{path}/{ids['plan']}", json={"type": "text", "label": "Tier"})

    contact = create(agent, name="Ann", attributes={"plan": "gold", "interests": ["golf"]})
    in_use = owner.request("PATCH", f"{path}/{ids['plan']}", json={"type": "number"})
    body = assert_problem(in_use, 409, "contacts.attribute_in_use")
    assert "plan" in body["detail"]
    dropped = owner.request("PATCH", f"{path}/{ids['interests']}", json={"options": ["tea"]})
    assert "golf" in assert_problem(dropped, 409, "contacts.attribute_in_use")["detail"]
    kept = owner.request("PATCH", f"{path}/{ids['interests']}", json={"options": ["golf", "chess"]})
    assert kept.json()["options"] == ["golf", "chess"]
    assert_problem(
        owner.request("DELETE", f"{path}/{ids['plan']}"), 409, "contacts.attribute_in_use"
    )
    relabel = owner.request("PATCH", f"{path}/{ids['plan']}", json={"label": "Tier 2"})
    assert relabel.json()["label"] == "Tier 2"

    owner.request(
        "PATCH", owner.ws(f"/contacts/{contact['id']}"), json={"attributes": {"plan": None}}
    )
    assert owner.request("DELETE", f"{path}/{ids['plan']}").status_code == 204
    assert_problem(owner.request("GET", f"{path}/{ids['plan']}"), 404, "not_found")
    unknown_now = owner.request(
        "PATCH", owner.ws(f"/contacts/{contact['id']}"), json={"attributes": {"plan": "x"}}
    )
    assert_problem(unknown_now, 422, "contacts.unknown_attribute")


def test_each_filter(owner: Account) -> None:
    define(owner)
    channel = api_channel(owner)
    other_channel = api_channel(owner, "Other")
    ann = create(
        owner,
        name="Ann Lee",
        email="ann@shop.example",
        tags=["vip", "beijing"],
        attributes={"plan": "gold", "score": 10, "vip": True, "interests": ["tea", "golf"]},
    )
    create(
        owner,
        name="Bob 100%",
        phone="+442071838750",
        tags=["vip"],
        blocked=True,
        attributes={"plan": "silver", "score": 2.5, "vip": False, "birthday": "1990-02-03"},
    )
    create(owner, name="张伟", email="zhang@example.com", attributes={"interests": ["茶"]})
    before = datetime.now(UTC)
    inbound(owner, channel, contact="dan", name="Dan")
    after = datetime.now(UTC)

    assert names(owner) == {"Ann Lee", "Bob 100%", "张伟", "Dan"}
    assert names(owner, tag="vip") == {"Ann Lee", "Bob 100%"}
    assert names(owner, tag=["vip", "beijing"]) == {"Ann Lee"}
    assert names(owner, tag="nobody") == set()
    assert names(owner, attribute="plan:gold") == {"Ann Lee"}
    assert names(owner, attribute="score:10") == {"Ann Lee"}
    assert names(owner, attribute="score:10.0") == {"Ann Lee"}
    assert names(owner, attribute="score:2.5") == {"Bob 100%"}
    assert names(owner, attribute="vip:true") == {"Ann Lee"}
    assert names(owner, attribute="vip:false") == {"Bob 100%"}
    assert names(owner, attribute="birthday:1990-02-03") == {"Bob 100%"}
    assert names(owner, attribute="interests:golf") == {"Ann Lee"}
    assert names(owner, attribute="interests:茶") == {"张伟"}
    assert names(owner, attribute=["interests:tea", "plan:gold"]) == {"Ann Lee"}
    assert names(owner, blocked="true") == {"Bob 100%"}
    assert names(owner, blocked="false") == {"Ann Lee", "张伟", "Dan"}
    assert names(owner, q="ann") == {"Ann Lee"}
    assert names(owner, q="SHOP.EXAMPLE") == {"Ann Lee"}
    assert names(owner, q="2071838") == {"Bob 100%"}
    assert names(owner, q="100%") == {"Bob 100%"}
    assert names(owner, q="%") == {"Bob 100%"}
    assert names(owner, q="张") == {"张伟"}
    assert names(owner, last_seen_after=before.isoformat()) == {"Dan"}
    assert names(owner, last_seen_before=after.isoformat()) == {"Dan"}
    assert names(owner, last_seen_before=before.isoformat()) == set()
    assert names(owner, last_seen_after=after.isoformat()) == set()

    consent = owner.ws(f"/contacts/{ann['id']}/consents/{channel}")
    owner.request("PUT", consent, json={"status": "opted_in", "source": "web_form"})
    bob = next(c for c in listed(owner) if c["name"] == "Bob 100%")
    owner.request(
        "PUT",
        owner.ws(f"/contacts/{bob['id']}/consents/{channel}"),
        json={"status": "opted_out", "source": "reply_stop"},
    )
    assert names(owner, consent=f"{channel}:opted_in") == {"Ann Lee"}
    assert names(owner, consent=f"{channel}:opted_out") == {"Bob 100%"}
    assert names(owner, consent=f"{other_channel}:opted_in") == set()
    assert names(owner, tag="vip", consent=f"{channel}:opted_in", q="lee") == {"Ann Lee"}

    for params, code in [
        ({"attribute": "plan"}, "contacts.invalid_filter"),
        ({"attribute": "score:ten"}, "contacts.invalid_filter"),
        ({"attribute": "vip:maybe"}, "contacts.invalid_filter"),
        ({"attribute": "interests:chess"}, "contacts.invalid_filter"),
        ({"attribute": "colour:red"}, "contacts.unknown_attribute"),
        ({"consent": "not-a-channel:opted_in"}, "contacts.invalid_filter"),
        ({"consent": f"{channel}:maybe"}, "contacts.invalid_filter"),
        ({"last_seen_before": "2024-01-01T00:00:00"}, "validation_failed"),
        ({"blocked": "perhaps"}, "validation_failed"),
    ]:
        response = owner.request("GET", owner.ws("/contacts"), params=params)
        assert_problem(response, 422, code)


def test_pages_newest_first(owner: Account) -> None:
    for i in range(5):
        create(owner, name=f"c{i}")
    first = owner.request("GET", owner.ws("/contacts"), params={"limit": 2}).json()
    assert [c["name"] for c in first["items"]] == ["c4", "c3"]
    second = owner.request(
        "GET", owner.ws("/contacts"), params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = owner.request(
        "GET", owner.ws("/contacts"), params={"limit": 2, "cursor": second["next_cursor"]}
    ).json()
    assert [c["name"] for c in second["items"] + third["items"]] == ["c2", "c1", "c0"]
    assert third["next_cursor"] is None
    bad = owner.request("GET", owner.ws("/contacts"), params={"cursor": "garbage"})
    assert_problem(bad, 400, "invalid_cursor")


def test_tags(server: Server, owner: Account) -> None:
    contact = create(owner, name="Ann", tags=["new"])
    path = owner.ws(f"/contacts/{contact['id']}/tags")
    added = owner.request("POST", path, json={"tags": ["vip", " 大客户 ", "new", "vip"]})
    assert added.status_code == 200, added.text
    assert added.json()["tags"] == ["new", "vip", "大客户"]
    assert owner.request("DELETE", f"{path}/new").status_code == 204
    assert owner.request("DELETE", f"{path}/大客户").status_code == 204
    assert owner.request("DELETE", f"{path}/never-had").status_code == 204
    assert owner.request("GET", owner.ws(f"/contacts/{contact['id']}")).json()["tags"] == ["vip"]
    for bad in ({"tags": []}, {"tags": ["x|y"]}, {"tags": ["x" * 65]}, {"tags": "vip"}):
        assert_problem(owner.request("POST", path, json=bad), 422, "validation_failed")
    # Adding an existing tag or removing a missing one changes nothing, and says nothing.
    owner.request("POST", path, json={"tags": ["vip"]})
    assert outbox_types(server, owner.workspace_id) == ["contact.created"] + ["contact.updated"] * 3


def test_consent_per_channel(owner: Account, client: httpx.Client) -> None:
    channel = api_channel(owner)
    contact = create(owner, name="Ann")
    path = owner.ws(f"/contacts/{contact['id']}/consents/{channel}")
    opted_in = owner.request("PUT", path, json={"status": "opted_in", "source": "web_form"})
    assert opted_in.status_code == 200, opted_in.text
    assert (opted_in.json()["status"], opted_in.json()["source"]) == ("opted_in", "web_form")
    again = owner.request("PUT", path, json={"status": "opted_in", "source": "import"}).json()
    assert again == opted_in.json()  # same status: when and how stay as first recorded
    opted_out = owner.request("PUT", path, json={"status": "opted_out", "source": "reply_stop"})
    body = opted_out.json()
    assert body["status"] == "opted_out"
    assert datetime.fromisoformat(body["changed_at"]) >= datetime.fromisoformat(
        opted_in.json()["changed_at"]
    )
    detail = owner.request("GET", owner.ws(f"/contacts/{contact['id']}")).json()
    assert detail["consents"] == [body]

    for bad in ({"status": "maybe", "source": "x"}, {"status": "opted_in"}):
        assert_problem(owner.request("PUT", path, json=bad), 422, "validation_failed")
    stranger = signup(client, "stranger")
    foreign_channel = api_channel(stranger)
    foreign = owner.ws(f"/contacts/{contact['id']}/consents/{foreign_channel}")
    response = owner.request("PUT", foreign, json={"status": "opted_in", "source": "x"})
    assert_problem(response, 404, "not_found")


def test_merge_moves_everything_and_later_messages_follow(server: Server, owner: Account) -> None:
    define(owner)
    web, sms = api_channel(owner, "Web"), api_channel(owner, "SMS")
    first = inbound(owner, web, "hi from web", contact="ann-web", name="Ann", email="ann@x.com")
    second = inbound(
        owner, sms, "hi from sms", contact="ann-sms", name="Ann S", phone="+442071838750"
    )
    conversation_a = owner.request("GET", owner.ws(f"/conversations/{first['conversation_id']}"))
    conversation_b = owner.request("GET", owner.ws(f"/conversations/{second['conversation_id']}"))
    keep, other = conversation_a.json()["contact_id"], conversation_b.json()["contact_id"]
    assert keep != other
    owner.request(
        "PATCH",
        owner.ws(f"/contacts/{keep}"),
        json={"attributes": {"plan": "gold", "vip": True}},
    )
    owner.request(
        "PATCH",
        owner.ws(f"/contacts/{other}"),
        json={"attributes": {"plan": "silver", "score": 3}, "language": "en"},
    )
    owner.request("POST", owner.ws(f"/contacts/{keep}/tags"), json={"tags": ["a", "shared"]})
    owner.request("POST", owner.ws(f"/contacts/{other}/tags"), json={"tags": ["b", "shared"]})
    owner.request(
        "PUT",
        owner.ws(f"/contacts/{keep}/consents/{web}"),
        json={"status": "opted_in", "source": "keep"},
    )
    for channel, status in ((web, "opted_out"), (sms, "opted_in")):
        owner.request(
            "PUT",
            owner.ws(f"/contacts/{other}/consents/{channel}"),
            json={"status": status, "source": "other"},
        )

    agent = join(owner, "agent")
    merged = agent.request(
        "POST", owner.ws(f"/contacts/{keep}/merge"), json={"other_contact_id": other}
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["id"] == keep
    assert (body["name"], body["email"]) == ("Ann", "ann@x.com")  # this one's values win
    assert (body["phone"], body["language"]) == ("+442071838750", "en")  # gaps are filled
    assert body["attributes"] == {"plan": "gold", "vip": True, "score": 3}
    assert body["tags"] == ["a", "b", "shared"]
    consents = {c["channel_id"]: (c["status"], c["source"]) for c in body["consents"]}
    assert consents == {web: ("opted_in", "keep"), sms: ("opted_in", "other")}
    assert {i["external_id"] for i in body["identities"]} == {"ann-web", "ann-sms"}
    assert_problem(owner.request("GET", owner.ws(f"/contacts/{other}")), 404, "not_found")
    moved = owner.request("GET", owner.ws(f"/conversations/{second['conversation_id']}")).json()
    assert moved["contact_id"] == keep

    later = inbound(owner, sms, "it's me again", contact="ann-sms")
    assert later["conversation_id"] == second["conversation_id"]
    assert later["seq"] == 2
    messages = owner.request(
        "GET", owner.ws(f"/conversations/{second['conversation_id']}/messages")
    ).json()["items"]
    assert {m["sender_id"] for m in messages} == {keep}
    assert [c["id"] for c in listed(owner)] == [keep]

    audited = audit_actions(owner, "contact.merged")
    assert len(audited) == 1
    assert audited[0]["target_id"] == keep
    assert audited[0]["data"]["merged_id"] == other
    assert "contact.merged" in outbox_types(server, owner.workspace_id)

    assert_problem(
        owner.request("POST", owner.ws(f"/contacts/{keep}/merge"), json={"other_contact_id": keep}),
        422,
        "contacts.merge_self",
    )
    gone = owner.request(
        "POST", owner.ws(f"/contacts/{keep}/merge"), json={"other_contact_id": other}
    )
    assert_problem(gone, 404, "not_found")


def test_viewers_read_agents_write(owner: Account) -> None:
    viewer, agent = join(owner, "viewer"), join(owner, "agent")
    contact = create(agent, name="Ann")
    path = owner.ws(f"/contacts/{contact['id']}")
    assert viewer.request("GET", path).status_code == 200
    assert viewer.request("GET", owner.ws("/contacts")).status_code == 200
    assert viewer.request("GET", owner.ws("/contacts/export")).status_code == 200
    for method, suffix, body in [
        ("POST", "/contacts", {"name": "x"}),
        ("PATCH", f"/contacts/{contact['id']}", {"name": "x"}),
        ("DELETE", f"/contacts/{contact['id']}", None),
        ("POST", f"/contacts/{contact['id']}/tags", {"tags": ["x"]}),
    ]:
        response = viewer.request(method, owner.ws(suffix), json=body)
        assert_problem(response, 403, "workspaces.permission_denied")
    assert agent.request("PATCH", path, json={"name": "Ann B"}).status_code == 200


def test_another_workspace_contact_is_not_found(owner: Account, client: httpx.Client) -> None:
    define(owner)
    channel = api_channel(owner)
    mine = create(owner, name="Mine")
    stranger = signup(client, "stranger")
    define(stranger)
    theirs = create(stranger, name="Theirs", tags=["t"])
    their_definition = stranger.request("GET", stranger.ws("/attribute-definitions")).json()[0]
    cid, other = theirs["id"], mine["id"]
    routes: list[tuple[str, str, Any]] = [
        ("GET", f"/contacts/{cid}", None),
        ("PATCH", f"/contacts/{cid}", {"name": "hacked"}),
        ("DELETE", f"/contacts/{cid}", None),
        ("POST", f"/contacts/{cid}/tags", {"tags": ["x"]}),
        ("DELETE", f"/contacts/{cid}/tags/t", None),
        ("PUT", f"/contacts/{cid}/consents/{channel}", {"status": "opted_in", "source": "x"}),
        ("POST", f"/contacts/{cid}/merge", {"other_contact_id": other}),
        ("POST", f"/contacts/{other}/merge", {"other_contact_id": cid}),
        ("GET", f"/attribute-definitions/{their_definition['id']}", None),
        ("PATCH", f"/attribute-definitions/{their_definition['id']}", {"label": "x"}),
        ("DELETE", f"/attribute-definitions/{their_definition['id']}", None),
    ]
    for method, suffix, body in routes:
        response = owner.request(method, owner.ws(suffix), json=body)
        assert_problem(response, 404, "not_found")
    # Their workspace's paths answer 404 to us as well.
    assert_problem(owner.request("GET", stranger.ws(f"/contacts/{cid}")), 404, "not_found")
    assert_problem(owner.request("GET", stranger.ws("/contacts")), 404, "not_found")
    after = stranger.request("GET", stranger.ws(f"/contacts/{cid}")).json()
    assert (after["name"], after["tags"]) == ("Theirs", ["t"])
    assert owner.request("GET", owner.ws(f"/contacts/{other}")).status_code == 200
    assert {c["name"] for c in listed(owner)} == {"Mine"}


def test_last_seen_filters_need_aware_times(owner: Account) -> None:
    naive = (datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None).isoformat()
    response = owner.request("GET", owner.ws("/contacts"), params={"last_seen_after": naive})
    assert_problem(response, 422, "validation_failed")
