"""The role matrix: what owners, admins, agents and viewers may do."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Account, assert_problem, join, signup, unique_email


@pytest.fixture
def team(client: httpx.Client) -> dict[str, Account]:
    owner = signup(client)
    return {
        "owner": owner,
        "admin": join(owner, "admin"),
        "agent": join(owner, "agent"),
        "viewer": join(owner, "viewer"),
    }


ALL = {"owner", "admin", "agent", "viewer"}
# (action, method, path suffix, body) → roles allowed; others get 403.
MATRIX: list[tuple[str, str, str, Any, set[str]]] = [
    ("read workspace", "GET", "", None, {"owner", "admin", "agent", "viewer"}),
    ("list members", "GET", "/members", None, {"owner", "admin", "agent", "viewer"}),
    ("rename workspace", "PATCH", "", {"name": "Renamed"}, {"owner", "admin"}),
    ("list invitations", "GET", "/invitations", None, {"owner", "admin"}),
    ("invite", "POST", "/invitations", "invite", {"owner", "admin"}),
    ("list API keys", "GET", "/api-keys", None, {"owner", "admin"}),
    ("create API key", "POST", "/api-keys", {"name": "k", "scopes": ["read"]}, {"owner", "admin"}),
    ("read audit log", "GET", "/audit-events", None, {"owner", "admin"}),
    ("list workflows", "GET", "/workflows", None, {"owner", "admin", "agent", "viewer"}),
    ("list workflow templates", "GET", "/workflow-templates", None, ALL),
    ("read business hours", "GET", "/business-hours", None, ALL),
    ("set business hours", "PUT", "/business-hours", {"timezone": "UTC"}, {"owner", "admin"}),
    (
        "create workflow",
        "POST",
        "/workflows",
        {"name": "w", "graph": {"trigger": {"type": "contact_created"}}},
        {"owner", "admin"},
    ),
    (
        "install workflow template",
        "POST",
        "/workflow-templates/welcome-new-contact/install",
        {"params": {"reply": "Welcome"}},
        {"owner", "admin"},
    ),
]


@pytest.mark.parametrize(("action", "method", "suffix", "body", "allowed"), MATRIX)
def test_role_matrix(
    team: dict[str, Account], action: str, method: str, suffix: str, body: Any, allowed: set[str]
) -> None:
    for role, account in team.items():
        payload = {"email": unique_email(), "role": "viewer"} if body == "invite" else body
        response = account.request(method, account.ws(suffix), json=payload)
        if role in allowed:
            assert response.status_code in (200, 201), f"{role} should {action}: {response.text}"
        else:
            assert_problem(response, 403, "workspaces.permission_denied")


def test_agent_cannot_manage_members(team: dict[str, Account]) -> None:
    agent, viewer = team["agent"], team["viewer"]
    change = agent.request("PATCH", agent.ws(f"/members/{viewer.user_id}"), json={"role": "agent"})
    assert_problem(change, 403, "workspaces.permission_denied")
    remove = agent.request("DELETE", agent.ws(f"/members/{viewer.user_id}"))
    assert_problem(remove, 403, "workspaces.permission_denied")


def test_admin_manages_members_below_owner(team: dict[str, Account]) -> None:
    admin, agent, owner = team["admin"], team["agent"], team["owner"]
    demoted = admin.request("PATCH", admin.ws(f"/members/{agent.user_id}"), json={"role": "viewer"})
    assert demoted.status_code == 200
    assert demoted.json()["role"] == "viewer"
    promote = admin.request("PATCH", admin.ws(f"/members/{agent.user_id}"), json={"role": "owner"})
    assert_problem(promote, 403, "workspaces.permission_denied")
    touch_owner = admin.request(
        "PATCH", admin.ws(f"/members/{owner.user_id}"), json={"role": "agent"}
    )
    assert_problem(touch_owner, 403, "workspaces.permission_denied")
    assert_problem(
        admin.request("DELETE", admin.ws(f"/members/{owner.user_id}")),
        403,
        "workspaces.permission_denied",
    )
    assert admin.request("DELETE", admin.ws(f"/members/{agent.user_id}")).status_code == 204
    assert_problem(agent.request("GET", agent.ws()), 404, "not_found")


def test_nobody_removes_the_last_owner(team: dict[str, Account]) -> None:
    owner = team["owner"]
    demote = owner.request("PATCH", owner.ws(f"/members/{owner.user_id}"), json={"role": "admin"})
    assert_problem(demote, 409, "workspaces.last_owner")
    leave = owner.request("DELETE", owner.ws(f"/members/{owner.user_id}"))
    assert_problem(leave, 409, "workspaces.last_owner")

    # With a second owner, the first may step down.
    admin = team["admin"]
    promoted = owner.request("PATCH", owner.ws(f"/members/{admin.user_id}"), json={"role": "owner"})
    assert promoted.status_code == 200
    assert owner.request("DELETE", owner.ws(f"/members/{owner.user_id}")).status_code == 204
    last = admin.request("PATCH", admin.ws(f"/members/{admin.user_id}"), json={"role": "agent"})
    assert_problem(last, 409, "workspaces.last_owner")


def test_any_member_may_leave(team: dict[str, Account]) -> None:
    viewer = team["viewer"]
    assert viewer.request("DELETE", viewer.ws(f"/members/{viewer.user_id}")).status_code == 204
    assert_problem(viewer.request("GET", viewer.ws()), 404, "not_found")


def test_nobody_grants_above_their_own_role(team: dict[str, Account]) -> None:
    admin = team["admin"]
    invite_owner = admin.request(
        "POST", admin.ws("/invitations"), json={"email": unique_email(), "role": "owner"}
    )
    assert_problem(invite_owner, 403, "workspaces.permission_denied")


def test_members_list_is_paginated(team: dict[str, Account]) -> None:
    owner = team["owner"]
    first = owner.request("GET", owner.ws("/members"), params={"limit": 3}).json()
    assert len(first["items"]) == 3
    assert first["next_cursor"]
    second = owner.request(
        "GET", owner.ws("/members"), params={"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert second["next_cursor"] is None
    ids = [m["user_id"] for m in first["items"] + second["items"]]
    assert sorted(ids) == sorted(a.user_id for a in team.values())
    bad = owner.request("GET", owner.ws("/members"), params={"cursor": "%%%"})
    assert_problem(bad, 400, "invalid_cursor")


def test_workspace_settings_are_validated(owner: Account) -> None:
    ok = owner.request("PATCH", owner.ws(), json={"timezone": "Asia/Shanghai", "locale": "zh-CN"})
    assert ok.status_code == 200
    assert ok.json()["timezone"] == "Asia/Shanghai"
    bad = owner.request("PATCH", owner.ws(), json={"timezone": "Mars/Olympus"})
    assert "unknown time zone" in assert_problem(bad, 422, "validation_failed")["detail"]


def test_members_read_canned_responses_and_admins_manage_them(team: dict[str, Account]) -> None:
    body = {"shortcut": "thanks", "title": "Thanks", "body": "Thank you for writing!"}
    for role in ("agent", "viewer"):
        account = team[role]
        refused = account.request("POST", account.ws("/canned-responses"), json=body)
        assert_problem(refused, 403, "workspaces.permission_denied")
    admin = team["admin"]
    created = admin.request("POST", admin.ws("/canned-responses"), json=body)
    assert created.status_code == 201, created.text
    path = f"/canned-responses/{created.json()['id']}"
    agent = team["agent"]
    change = agent.request("PATCH", agent.ws(path), json={"title": "Mine"})
    assert_problem(change, 403, "workspaces.permission_denied")
    assert_problem(agent.request("DELETE", agent.ws(path)), 403, "workspaces.permission_denied")
    for account in team.values():
        listed = account.request("GET", account.ws("/canned-responses"))
        assert [i["shortcut"] for i in listed.json()["items"]] == ["thanks"]


def test_agents_read_workflows_and_admins_manage_them(team: dict[str, Account]) -> None:
    admin = team["admin"]
    body = {"name": "w", "graph": {"trigger": {"type": "contact_created"}}}
    created = admin.request("POST", admin.ws("/workflows"), json=body)
    assert created.status_code == 201, created.text
    path = f"/workflows/{created.json()['id']}"
    for role in ("agent", "viewer"):
        account = team[role]
        assert account.request("GET", account.ws(path)).status_code == 200
        assert account.request("GET", account.ws(f"{path}/runs")).status_code == 200
        for method, suffix, payload in [
            ("PATCH", path, {"name": "x"}),
            ("DELETE", path, None),
            ("POST", f"{path}/publish", None),
            ("POST", f"{path}/unpublish", None),
            ("POST", "/workflows/import", {"name": "i", "graph": body["graph"]}),
        ]:
            refused = account.request(method, account.ws(suffix), json=payload)
            assert_problem(refused, 403, "workspaces.permission_denied")
