"""API keys: shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import hashlib
import uuid

import httpx
from sqlalchemy import select

from relaydesk.domains.workspaces.models import ApiKey
from tests.conftest import Account, assert_problem
from tests.harness import Server


def _create(owner: Account, scopes: list[str], name: str = "integration") -> dict[str, str]:
    response = owner.request("POST", owner.ws("/api-keys"), json={"name": name, "scopes": scopes})
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


def test_key_is_shown_once_and_stored_only_as_a_hash(server: Server, owner: Account) -> None:
    created = _create(owner, ["read"])
    key = created["key"]
    assert key.startswith("rdk_")
    assert created["prefix"] == key[: len(created["prefix"])]

    listed = owner.request("GET", owner.ws("/api-keys")).json()["items"]
    fetched = owner.request("GET", owner.ws(f"/api-keys/{created['id']}")).json()
    for shown in [*listed, fetched]:
        assert "key" not in shown
        assert key not in str(shown)

    async def stored() -> list[tuple[str, ...]]:
        async with server.db.read("test_read_keys") as s:
            rows = await s.execute(select(ApiKey).where(ApiKey.id == uuid.UUID(created["id"])))
            return [tuple(str(v) for v in vars(r).values()) for (r,) in rows]

    rows = server.run(stored())
    assert len(rows) == 1
    assert all(key not in value for value in rows[0])
    assert hashlib.sha256(key.encode()).hexdigest() in rows[0]


def test_key_authenticates_within_its_scopes(client: httpx.Client, owner: Account) -> None:
    read_key = _create(owner, ["read"])["key"]
    headers = {"Authorization": f"Bearer {read_key}"}
    assert client.get(owner.ws(), headers=headers).status_code == 200
    assert client.get(owner.ws("/members"), headers=headers).status_code == 200
    write = client.patch(owner.ws(), headers=headers, json={"name": "x"})
    assert_problem(write, 403, "workspaces.permission_denied")
    assert_problem(client.get("/api/v1/me", headers=headers), 403, "auth.user_required")

    admin_key = _create(owner, ["admin"])["key"]
    renamed = client.patch(
        owner.ws(), headers={"Authorization": f"Bearer {admin_key}"}, json={"name": "Via key"}
    )
    assert renamed.status_code == 200


def test_last_used_time_is_recorded(client: httpx.Client, owner: Account) -> None:
    created = _create(owner, ["read"])
    assert created["last_used_at"] is None
    client.get(owner.ws(), headers={"Authorization": f"Bearer {created['key']}"})
    fetched = owner.request("GET", owner.ws(f"/api-keys/{created['id']}")).json()
    assert fetched["last_used_at"] is not None


def test_revoked_key_stops_working(client: httpx.Client, owner: Account) -> None:
    created = _create(owner, ["read"])
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert client.get(owner.ws(), headers=headers).status_code == 200
    assert owner.request("DELETE", owner.ws(f"/api-keys/{created['id']}")).status_code == 204
    assert_problem(client.get(owner.ws(), headers=headers), 401, "auth.api_key_revoked")
    fetched = owner.request("GET", owner.ws(f"/api-keys/{created['id']}")).json()
    assert fetched["revoked_at"] is not None


def test_unknown_key(client: httpx.Client, owner: Account) -> None:
    headers = {"Authorization": "Bearer rdk_thisKeyDoesNotExist0000000000000000000000"}
    assert_problem(client.get(owner.ws(), headers=headers), 401, "auth.invalid_token")


def test_key_validation(owner: Account) -> None:
    no_scope = owner.request("POST", owner.ws("/api-keys"), json={"name": "k", "scopes": []})
    assert_problem(no_scope, 422, "validation_failed")
    bad_scope = owner.request("POST", owner.ws("/api-keys"), json={"name": "k", "scopes": ["root"]})
    assert_problem(bad_scope, 422, "validation_failed")
    past = owner.request(
        "POST",
        owner.ws("/api-keys"),
        json={"name": "k", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"},
    )
    assert_problem(past, 422, "workspaces.api_key_expiry_past")


def test_key_list_pages_without_gaps_or_repeats(owner: Account) -> None:
    made = {_create(owner, ["read"], name=f"key {i}")["id"] for i in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = owner.request("GET", owner.ws("/api-keys"), params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == made
