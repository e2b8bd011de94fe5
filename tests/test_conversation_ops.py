"""Conversation operations: status, priority, assignment, teams, labels, read cursors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Account, assert_problem, join, signup
from tests.harness import Server
from tests.messaging import api_channel, inbound, outbox_payloads


def _patch(account: Account, conversation: str, **body: Any) -> Any:
    return account.request("PATCH", account.ws(f"/conversations/{conversation}"), json=body)


def _team(owner: Account, name: str) -> str:
    created = owner.request("POST", owner.ws("/teams"), json={"name": name})
    assert created.status_code == 201, created.text
    team_id: str = created.json()["id"]
    return team_id


def test_status_priority_assignee_and_team(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    team = _team(owner, "Billing")
    conversation = inbound(owner, channel)["conversation_id"]
    before = len(outbox_payloads(server, owner, "conversation.updated"))

    changed = _patch(
        agent,
        conversation,
        status="pending",
        priority="urgent",
        assignee_user_id=agent.user_id,
        team_id=team,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["status"], body["priority"]) == ("pending", "urgent")
    assert (body["assignee_user_id"], body["team_id"]) == (agent.user_id, team)
    updated = outbox_payloads(server, owner, "conversation.updated")
    assert len(updated) == before + 1
    assert updated[-1]["conversation"]["priority"] == "urgent"

    resolved = _patch(agent, conversation, status="resolved").json()
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] is not None
    inbound(owner, channel, "one more thing")
    reopened = owner.request("GET", owner.ws(f"/conversations/{conversation}")).json()
    assert (reopened["status"], reopened["resolved_at"]) == ("open", None)

    unassigned = _patch(agent, conversation, assignee_user_id=None, team_id=None).json()
    assert (unassigned["assignee_user_id"], unassigned["team_id"]) == (None, None)
    count = len(outbox_payloads(server, owner, "conversation.updated"))
    assert _patch(agent, conversation, priority="urgent").status_code == 200
    assert len(outbox_payloads(server, owner, "conversation.updated")) == count  # nothing changed


def test_snooze_needs_a_future_time(owner: Account) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    assert_problem(
        _patch(owner, conversation, status="snoozed"), 422, "conversations.snooze_needs_until"
    )
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert_problem(
        _patch(owner, conversation, status="snoozed", snoozed_until=past),
        422,
        "conversations.snooze_needs_until",
    )
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    snoozed = _patch(owner, conversation, snoozed_until=until).json()
    assert snoozed["status"] == "snoozed"
    assert snoozed["snoozed_until"] is not None
    naive = (datetime.now(UTC) + timedelta(hours=2)).replace(tzinfo=None).isoformat()
    assert_problem(
        _patch(owner, conversation, status="snoozed", snoozed_until=naive),
        422,
        "validation_failed",
    )
    opened = _patch(owner, conversation, status="open").json()
    assert (opened["status"], opened["snoozed_until"]) == ("open", None)
    inbound(owner, channel)


def test_invalid_changes_are_refused(owner: Account, client: Any) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    stranger = signup(client, "stranger")
    foreign_team = _team(stranger, "Theirs")
    cases = [
        ({"status": "archived"}, 422, "validation_failed"),
        ({"priority": "whenever"}, 422, "validation_failed"),
        ({"status": None}, 422, "validation_failed"),
        ({"assignee_user_id": str(uuid.uuid4())}, 422, "conversations.unknown_assignee"),
        ({"assignee_user_id": stranger.user_id}, 422, "conversations.unknown_assignee"),
        ({"team_id": foreign_team}, 422, "conversations.unknown_team"),
        ({"colour": "red"}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        assert_problem(_patch(owner, conversation, **body), status, code)
    current = owner.request("GET", owner.ws(f"/conversations/{conversation}")).json()
    assert (current["status"], current["priority"], current["assignee_user_id"]) == (
        "open",
        "normal",
        None,
    )
    viewer = join(owner, "viewer")
    assert_problem(
        _patch(viewer, conversation, status="resolved"), 403, "workspaces.permission_denied"
    )


def test_labels_and_list_filters(owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    team = _team(owner, "Sales")
    ann = inbound(owner, channel, contact="ann")["conversation_id"]
    bob = inbound(owner, channel, contact="bob")["conversation_id"]
    cat = inbound(owner, channel, contact="cat")["conversation_id"]

    labelled = owner.request(
        "POST", owner.ws(f"/conversations/{ann}/labels"), json={"labels": ["VIP", "refund"]}
    )
    assert labelled.status_code == 200, labelled.text
    assert labelled.json()["labels"] == ["refund", "vip"]
    owner.request("POST", owner.ws(f"/conversations/{bob}/labels"), json={"labels": ["vip"]})
    _patch(owner, bob, assignee_user_id=agent.user_id, team_id=team)

    def ids(account: Account, **params: Any) -> set[str]:
        response = account.request("GET", account.ws("/conversations"), params=params)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]}

    assert ids(owner, label="vip") == {ann, bob}
    assert ids(owner, label="refund") == {ann}
    assert ids(owner, team_id=team) == {bob}
    assert ids(agent, mine=True) == {bob}
    assert ids(owner, unassigned=True) == {ann, cat}
    removed = owner.request("DELETE", owner.ws(f"/conversations/{ann}/labels/vip"))
    assert removed.json()["labels"] == ["refund"]
    assert ids(owner, label="vip") == {bob}
    bad = owner.request("POST", owner.ws(f"/conversations/{ann}/labels"), json={"labels": []})
    assert_problem(bad, 422, "validation_failed")


def test_unread_counts_per_member(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    conversation = ""
    for i in range(3):
        conversation = inbound(owner, channel, f"m{i}")["conversation_id"]
    reply = agent.request(
        "POST", agent.ws(f"/conversations/{conversation}/messages"), json={"text": "hi"}
    )
    assert reply.status_code == 201
    other = inbound(owner, channel, contact="someone-else")["conversation_id"]

    def unread(account: Account) -> dict[str, int]:
        items = account.request("GET", account.ws("/conversations")).json()["items"]
        return {c["id"]: c["unread_count"] for c in items}

    assert unread(owner) == {conversation: 4, other: 1}
    assert unread(agent) == {conversation: 3, other: 1}  # the agent's own reply is read

    read = agent.request("POST", agent.ws(f"/conversations/{conversation}/read"), json={"seq": 2})
    assert read.status_code == 200, read.text
    assert read.json() == {"conversation_id": conversation, "last_read_seq": 2, "unread_count": 1}
    back = agent.request("POST", agent.ws(f"/conversations/{conversation}/read"), json={"seq": 1})
    assert back.json()["last_read_seq"] == 2  # never moves back
    past_end = agent.request(
        "POST", agent.ws(f"/conversations/{conversation}/read"), json={"seq": 99}
    )
    assert past_end.json() == {
        "conversation_id": conversation,
        "last_read_seq": 4,
        "unread_count": 0,
    }
    assert unread(agent) == {conversation: 0, other: 1}
    assert unread(owner) == {conversation: 4, other: 1}
    unread_only = agent.request("GET", agent.ws("/conversations"), params={"unread": True})
    assert [c["id"] for c in unread_only.json()["items"]] == [other]
    single = agent.request("GET", agent.ws(f"/conversations/{conversation}")).json()
    assert single["unread_count"] == 0

    reads = [
        e
        for e in outbox_payloads(server, owner, "conversation.read")
        if e["user_id"] == agent.user_id
    ]
    assert [(e["last_read_seq"], e["unread_count"]) for e in reads] == [(2, 1), (4, 0)]
    negative = agent.request(
        "POST", agent.ws(f"/conversations/{conversation}/read"), json={"seq": -1}
    )
    assert_problem(negative, 422, "validation_failed")


def test_api_keys_have_no_read_cursor(owner: Account) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    key = owner.request(
        "POST", owner.ws("/api-keys"), json={"name": "bot", "scopes": ["write"]}
    ).json()["key"]
    headers = {"Authorization": f"Bearer {key}"}
    listed = owner.client.get(owner.ws("/conversations"), headers=headers)
    assert listed.json()["items"][0]["unread_count"] is None
    assert_problem(
        owner.client.post(
            owner.ws(f"/conversations/{conversation}/read"), headers=headers, json={"seq": 1}
        ),
        403,
        "conversations.user_required",
    )
    assert_problem(
        owner.client.get(owner.ws("/conversations"), headers=headers, params={"mine": True}),
        403,
        "conversations.user_required",
    )


def test_teams_are_managed_by_admins(owner: Account) -> None:
    agent = join(owner, "agent")
    team = _team(owner, "Support")
    assert_problem(
        owner.request("POST", owner.ws("/teams"), json={"name": "Support"}), 409, "teams.name_taken"
    )
    assert_problem(
        agent.request("POST", agent.ws("/teams"), json={"name": "Mine"}),
        403,
        "workspaces.permission_denied",
    )
    renamed = owner.request("PATCH", owner.ws(f"/teams/{team}"), json={"name": "Customer care"})
    assert renamed.json()["name"] == "Customer care"
    members = owner.ws(f"/teams/{team}/members")
    for _ in range(2):
        added = owner.request("POST", members, json={"user_id": agent.user_id})
        assert added.status_code == 204, added.text
    assert_problem(
        owner.request("POST", members, json={"user_id": str(uuid.uuid4())}),
        422,
        "teams.not_a_member",
    )
    listed = agent.request("GET", members).json()
    assert [m["user_id"] for m in listed] == [agent.user_id]
    assert [t["name"] for t in agent.request("GET", agent.ws("/teams")).json()] == ["Customer care"]
    assert owner.request("DELETE", f"{members}/{agent.user_id}").status_code == 204
    assert agent.request("GET", members).json() == []

    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    _patch(owner, conversation, team_id=team)
    assert owner.request("DELETE", owner.ws(f"/teams/{team}")).status_code == 204
    assert (
        owner.request("GET", owner.ws(f"/conversations/{conversation}")).json()["team_id"] is None
    )
    assert_problem(owner.request("GET", owner.ws(f"/teams/{team}")), 404, "not_found")


def test_other_workspaces_ids_are_not_found(owner: Account, client: Any) -> None:
    stranger = signup(client, "stranger")
    channel = api_channel(stranger)
    theirs = inbound(stranger, channel)
    team = _team(stranger, "Private")
    conversation = theirs["conversation_id"]
    attempts = [
        ("GET", f"/conversations/{conversation}", None),
        ("PATCH", f"/conversations/{conversation}", {"priority": "high"}),
        ("POST", f"/conversations/{conversation}/labels", {"labels": ["x"]}),
        ("POST", f"/conversations/{conversation}/notes", {"text": "x"}),
        ("POST", f"/conversations/{conversation}/read", {"seq": 1}),
        ("GET", f"/conversations/{conversation}/messages", None),
        ("GET", f"/teams/{team}", None),
        ("PATCH", f"/teams/{team}", {"name": "Mine now"}),
        ("GET", f"/teams/{team}/members", None),
        ("POST", f"/teams/{team}/members", {"user_id": owner.user_id}),
        ("DELETE", f"/teams/{team}", None),
    ]
    for method, path, body in attempts:
        response = owner.request(method, owner.ws(path), json=body)
        assert_problem(response, 404, "not_found")
    untouched = stranger.request("GET", stranger.ws(f"/conversations/{conversation}")).json()
    assert (untouched["priority"], untouched["labels"], untouched["last_seq"]) == ("normal", [], 1)
    assert stranger.request("GET", stranger.ws(f"/teams/{team}")).json()["name"] == "Private"
