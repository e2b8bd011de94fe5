"""The audit log records identity and access changes and cannot be rewritten."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import PASSWORD, Account, join
from tests.harness import Server


def _actions(owner: Account) -> list[str]:
    events = owner.request("GET", owner.ws("/audit-events"), params={"limit": 200}).json()
    return [e["action"] for e in events["items"]]


def test_identity_and_access_changes_are_audited(
    server: Server, client: httpx.Client, owner: Account
) -> None:
    client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    member = join(owner, "agent")
    owner.request("PATCH", owner.ws(f"/members/{member.user_id}"), json={"role": "viewer"})
    key = owner.request("POST", owner.ws("/api-keys"), json={"name": "k", "scopes": ["read"]})
    owner.request("DELETE", owner.ws(f"/api-keys/{key.json()['id']}"))

    actions = _actions(owner)
    for expected in [
        "auth.signup",
        "workspace.created",
        "invitation.created",
        "invitation.accepted",
        "member.role_changed",
        "api_key.created",
        "api_key.revoked",
    ]:
        assert expected in actions, f"{expected} missing from {actions}"
    # Newest first.
    assert actions[0] == "api_key.revoked"
    # The key itself never reaches the audit log.
    events = owner.request("GET", owner.ws("/audit-events")).text
    assert key.json()["key"] not in events

    role_change = owner.request(
        "GET", owner.ws("/audit-events"), params={"action": "member.role_changed"}
    ).json()["items"][0]
    assert role_change["data"] == {"from": "agent", "to": "viewer"}
    assert role_change["actor_id"] == owner.user_id
    assert role_change["request_id"]

    account = owner.request("GET", "/api/v1/me/audit-events").json()["items"]
    assert [e["action"] for e in account].count("auth.login") == 1


def test_failed_sign_ins_show_in_the_account_log(client: httpx.Client, owner: Account) -> None:
    client.post("/api/v1/auth/login", json={"email": owner.email, "password": "wrong-one"})
    latest = owner.request("GET", "/api/v1/me/audit-events").json()["items"][0]
    assert latest["action"] == "auth.login_failed"
    assert latest["actor_type"] == "anonymous"
    assert latest["target_id"] == owner.user_id
    assert latest["ip"] == "127.0.0.1"
    assert "wrong-one" not in str(latest)


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"]
)
def test_audit_rows_cannot_be_changed(server: Server, owner: Account, statement: str) -> None:
    async def tamper() -> None:
        async with server.db.write("test_tamper") as s:
            await s.execute(text(statement))

    with pytest.raises(DBAPIError, match="append-only"):
        server.run(tamper())
    assert "auth.signup" in _actions(owner)
