"""Sign-up, sign-in, refresh rotation with reuse detection, sign-out."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from relaydesk.security.tokens import encode_access_token
from tests.conftest import PASSWORD, Account, assert_problem, signup, unique_email
from tests.harness import Server


def test_signup_returns_tokens_user_and_workspace(client: httpx.Client) -> None:
    email = unique_email()
    response = client.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "name": "Ann", "workspace_name": "Acme"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == email
    assert body["workspace"]["name"] == "Acme"
    assert body["access_token"]
    assert body["refresh_token"].startswith("rdr_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["workspaces"] == [
        {**body["workspace"], "role": "owner"},
    ]


def test_signup_rejects_taken_email_case_insensitively(
    client: httpx.Client, owner: Account
) -> None:
    response = client.post(
        "/api/v1/auth/signup",
        json={
            "email": owner.email.upper(),
            "password": PASSWORD,
            "name": "Twin",
            "workspace_name": "Other",
        },
    )
    assert_problem(response, 409, "auth.email_taken")


def test_signup_validates_input(client: httpx.Client) -> None:
    short = client.post(
        "/api/v1/auth/signup",
        json={"email": unique_email(), "password": "short", "name": "A", "workspace_name": "W"},
    )
    body = assert_problem(short, 422, "validation_failed")
    assert body["errors"][0]["loc"] == ["body", "password"]
    bad_email = client.post(
        "/api/v1/auth/signup",
        json={"email": "not-an-email", "password": PASSWORD, "name": "A", "workspace_name": "W"},
    )
    assert_problem(bad_email, 422, "validation_failed")
    garbage = client.post(
        "/api/v1/auth/signup", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(garbage, 400, "malformed_body")


def test_signup_can_be_disabled(make_server: Callable[..., Server]) -> None:
    closed = make_server(signup_enabled=False)
    with closed.client() as c:
        response = c.post(
            "/api/v1/auth/signup",
            json={
                "email": unique_email(),
                "password": PASSWORD,
                "name": "A",
                "workspace_name": "W",
            },
        )
    assert_problem(response, 403, "auth.signup_disabled")


def test_login_with_any_email_case(client: httpx.Client, owner: Account) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"email": owner.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200
    assert set(response.json()) >= {"access_token", "refresh_token", "expires_in"}


def test_login_wrong_password_and_unknown_account_look_the_same(
    client: httpx.Client, owner: Account
) -> None:
    wrong = client.post("/api/v1/auth/login", json={"email": owner.email, "password": "nope-nope"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": unique_email(), "password": "nope-nope"}
    )
    assert (
        assert_problem(wrong, 401, "auth.invalid_credentials")["detail"]
        == (assert_problem(unknown, 401, "auth.invalid_credentials")["detail"])
    )


def test_refresh_rotates_and_reuse_ends_the_session(client: httpx.Client, owner: Account) -> None:
    first = client.post("/api/v1/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != owner.refresh_token
    new_headers = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert client.get("/api/v1/me", headers=new_headers).status_code == 200

    # The old token presented again: someone copied it. The whole sign-in ends.
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert_problem(reused, 401, "auth.refresh_token_reused")
    after = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert_problem(after, 401, "auth.session_revoked")
    assert_problem(client.get("/api/v1/me", headers=new_headers), 401, "auth.session_revoked")
    assert_problem(owner.request("GET", "/api/v1/me"), 401, "auth.session_revoked")


def test_refresh_with_unknown_token(client: httpx.Client) -> None:
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": "rdr_not-a-real-token"})
    assert_problem(response, 401, "auth.invalid_refresh_token")


def test_logout_revokes_access_and_refresh_tokens(client: httpx.Client, owner: Account) -> None:
    other = client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    other_headers = {"Authorization": f"Bearer {other.json()['access_token']}"}
    assert owner.request("POST", "/api/v1/auth/logout").status_code == 204
    assert_problem(owner.request("GET", "/api/v1/me"), 401, "auth.session_revoked")
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert_problem(refresh, 401, "auth.session_revoked")
    # Another device's sign-in is its own session and stays.
    assert client.get("/api/v1/me", headers=other_headers).status_code == 200


def test_password_change_ends_other_sessions(client: httpx.Client, owner: Account) -> None:
    other = client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    other_headers = {"Authorization": f"Bearer {other.json()['access_token']}"}
    changed = owner.request(
        "POST",
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a whole new secret"},
    )
    assert changed.status_code == 204
    assert owner.request("GET", "/api/v1/me").status_code == 200
    assert_problem(client.get("/api/v1/me", headers=other_headers), 401, "auth.session_revoked")
    old = client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert_problem(old, 401, "auth.invalid_credentials")
    new = client.post(
        "/api/v1/auth/login", json={"email": owner.email, "password": "a whole new secret"}
    )
    assert new.status_code == 200


def test_requests_without_valid_credentials(client: httpx.Client) -> None:
    assert_problem(client.get("/api/v1/me"), 401, "unauthenticated")
    bad_jwt = client.get("/api/v1/me", headers={"Authorization": "Bearer a.b.c"})
    assert_problem(bad_jwt, 401, "auth.invalid_token")
    garbage = client.get("/api/v1/me", headers={"Authorization": "Bearer garbage"})
    assert_problem(garbage, 401, "auth.invalid_token")
    assert garbage.headers["www-authenticate"] == "Bearer"


def test_profile_update(owner: Account) -> None:
    response = owner.request("PATCH", "/api/v1/me", json={"name": "Renamed", "locale": "zh-CN"})
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert owner.request("GET", "/api/v1/me").json()["user"]["locale"] == "zh-CN"


def test_a_user_can_own_several_workspaces(owner: Account, client: httpx.Client) -> None:
    created = owner.request("POST", "/api/v1/workspaces", json={"name": "Second"})
    assert created.status_code == 201
    mine = owner.request("GET", "/api/v1/workspaces").json()
    assert [w["name"] for w in mine] == ["owner workspace", "Second"]
    assert {w["role"] for w in mine} == {"owner"}
    assert signup(client).workspace_id not in {w["id"] for w in mine}


def test_expired_access_token(server: Server, client: httpx.Client, owner: Account) -> None:
    me = owner.request("GET", "/api/v1/me").json()["user"]
    stale = encode_access_token(
        server.settings.secret_key,
        user_id=uuid.UUID(me["id"]),
        session_id=uuid.uuid4(),
        now=datetime.now(UTC) - timedelta(hours=1),
        ttl=timedelta(minutes=15),
    )
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {stale}"})
    assert_problem(response, 401, "auth.token_expired")
    forged = encode_access_token(
        "another-secret-key-of-enough-length-000000",
        user_id=uuid.UUID(me["id"]),
        session_id=uuid.uuid4(),
        now=datetime.now(UTC),
        ttl=timedelta(minutes=15),
    )
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert_problem(response, 401, "auth.invalid_token")
