"""Invitations: single use, expiring, revocable; join with a new or an existing account."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from relaydesk.domains.workspaces.models import Invitation
from tests.conftest import PASSWORD, Account, assert_problem, signup, unique_email
from tests.harness import Server

ACCEPT = "/api/v1/auth/invitations/accept"


def _invite(owner: Account, email: str, role: str = "agent") -> dict[str, str]:
    response = owner.request("POST", owner.ws("/invitations"), json={"email": email, "role": role})
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


def test_new_person_joins_with_the_invited_role(client: httpx.Client, owner: Account) -> None:
    email = unique_email("invitee")
    invitation = _invite(owner, email, "viewer")
    assert invitation["token"].startswith("rdi_")
    assert invitation["token"] in invitation["accept_url"]

    preview = client.post("/api/v1/auth/invitations/preview", json={"token": invitation["token"]})
    assert preview.json() == {
        "workspace_name": "owner workspace",
        "email": email,
        "role": "viewer",
        "expires_at": invitation["expires_at"],
        "account_exists": False,
    }
    nameless = client.post(ACCEPT, json={"token": invitation["token"], "password": PASSWORD})
    assert_problem(nameless, 422, "workspaces.name_required")

    accepted = client.post(
        ACCEPT, json={"token": invitation["token"], "password": PASSWORD, "name": "Vic"}
    )
    assert accepted.status_code == 200
    member = owner.request("GET", owner.ws(f"/members/{accepted.json()['user']['id']}"))
    assert member.json()["role"] == "viewer"

    again = client.post(
        ACCEPT, json={"token": invitation["token"], "password": PASSWORD, "name": "Vic"}
    )
    assert_problem(again, 410, "workspaces.invitation_used")
    listed = owner.request("GET", owner.ws(f"/invitations/{invitation['id']}")).json()
    assert listed["accepted_at"] is not None


def test_existing_account_joins_with_its_password(client: httpx.Client, owner: Account) -> None:
    other = signup(client, "other")
    invitation = _invite(owner, other.email.upper())
    wrong = client.post(ACCEPT, json={"token": invitation["token"], "password": "wrong-password"})
    assert_problem(wrong, 401, "auth.invalid_credentials")
    accepted = client.post(ACCEPT, json={"token": invitation["token"], "password": PASSWORD})
    assert accepted.status_code == 200
    assert accepted.json()["user"]["id"] == other.user_id
    mine = other.request("GET", "/api/v1/workspaces").json()
    assert {w["id"] for w in mine} == {other.workspace_id, owner.workspace_id}


def test_expired_invitation(server: Server, client: httpx.Client, owner: Account) -> None:
    invitation = _invite(owner, unique_email())

    async def expire() -> None:
        async with server.db.write("test_expire_invitation") as s:
            await s.execute(
                update(Invitation)
                .where(Invitation.id == uuid.UUID(invitation["id"]))
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )

    server.run(expire())
    response = client.post(
        ACCEPT, json={"token": invitation["token"], "password": PASSWORD, "name": "Late"}
    )
    assert_problem(response, 410, "workspaces.invitation_expired")


def test_revoked_and_replaced_invitations(client: httpx.Client, owner: Account) -> None:
    email = unique_email()
    first = _invite(owner, email)
    second = _invite(owner, email)
    replaced = client.post(
        ACCEPT, json={"token": first["token"], "password": PASSWORD, "name": "A"}
    )
    assert_problem(replaced, 410, "workspaces.invitation_revoked")
    assert owner.request("DELETE", owner.ws(f"/invitations/{second['id']}")).status_code == 204
    revoked = client.post(
        ACCEPT, json={"token": second["token"], "password": PASSWORD, "name": "A"}
    )
    assert_problem(revoked, 410, "workspaces.invitation_revoked")
    twice = owner.request("DELETE", owner.ws(f"/invitations/{second['id']}"))
    assert_problem(twice, 410, "workspaces.invitation_revoked")


def test_unknown_token_and_existing_member(client: httpx.Client, owner: Account) -> None:
    unknown = client.post(ACCEPT, json={"token": "rdi_nope", "password": PASSWORD, "name": "A"})
    assert_problem(unknown, 404, "workspaces.invitation_invalid")
    member = owner.request("POST", owner.ws("/invitations"), json={"email": owner.email})
    assert_problem(member, 409, "workspaces.already_member")
