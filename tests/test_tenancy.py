"""A member of workspace A gets 404 for every resource of workspace B, on every endpoint."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from relaydesk.domains.groups.actions import note_group_txn
from tests.conftest import Account, assert_problem, join, signup
from tests.harness import Server, wait_until
from tests.messaging import api_channel, inbound, whatsapp_channel

PARAM = re.compile(r"{(\w+)}")
# Valid bodies, so that a 404 cannot hide behind a 422.
BODIES: dict[str, Any] = {
    "inbound": {"external_id": "x", "contact": {"external_id": "c"}, "text": "t"},
    "messages": {"text": "t"},
    "notes": {"body": "n"},
}


def workspace_routes(server: Server) -> list[tuple[str, str]]:
    """Every documented operation under a workspace, from the OpenAPI schema."""
    paths = server.app.openapi()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if "{workspace_id}" in path
        for method in operations
    ]


@pytest.fixture(scope="module")
def two_workspaces(server: Server) -> Iterator[dict[str, Any]]:
    with server.client() as client:
        yield _two_workspaces(server, client)


def _dead_letter(server: Server, owner: Account, channel_id: str) -> str:
    """A webhook body that is not JSON, signed with the channel's app secret: a dead letter."""
    body = b"not json"
    signature = hmac.new(b"app-secret-0123456789", body, hashlib.sha256).hexdigest()
    with server.client() as client:
        answer = client.post(
            f"/hooks/whatsapp/{channel_id}",
            content=body,
            headers={"X-Hub-Signature-256": f"sha256={signature}"},
        )
    assert answer.status_code == 200, answer.text
    found: list[str] = []

    def listed() -> bool:
        found[:] = [
            d["id"] for d in owner.request("GET", owner.ws("/dead-letters")).json()["items"]
        ]
        return bool(found)

    wait_until(listed, 10, "the dead letter")
    return found[0]


def _group(server: Server, workspace_id: str, channel_id: str) -> str:
    async def create() -> uuid.UUID:
        async with server.db.write("test_group") as s:
            return await note_group_txn(
                s,
                workspace_id=uuid.UUID(workspace_id),
                channel_id=uuid.UUID(channel_id),
                chat_key="-1001",
                title="Group",
                kind="supergroup",
                conversation_id=None,
            )

    return str(server.run(create()))


def _workflow_run(server: Server, owner: Account, workflow_id: str, channel_id: str) -> str:
    """A run of B's keyword workflow, started by an inbound message."""
    inbound(owner, channel_id, text="hello there", contact="runner")
    found: list[str] = []

    def started() -> bool:
        items = owner.request("GET", owner.ws(f"/workflows/{workflow_id}/runs")).json()["items"]
        found[:] = [r["id"] for r in items]
        return bool(found)

    wait_until(started, 10, "the workflow run")
    return found[0]


def _two_workspaces(server: Server, client: httpx.Client) -> dict[str, Any]:
    a = signup(client, "alpha")
    b = signup(client, "beta")
    b_member = join(b, "agent")
    invitation = b.request("POST", b.ws("/invitations"), json={"email": "x@example.com"})
    key = b.request("POST", b.ws("/api-keys"), json={"name": "b key", "scopes": ["admin"]})
    a_key = a.request("POST", a.ws("/api-keys"), json={"name": "a key", "scopes": ["admin"]})
    b_channel = api_channel(b)
    b_message = inbound(b, b_channel)
    b_contact = b.request("GET", b.ws(f"/conversations/{b_message['conversation_id']}")).json()[
        "contact_id"
    ]
    b.request("POST", b.ws(f"/contacts/{b_contact}/tags"), json={"tags": ["vip"]})
    b.request(
        "POST",
        b.ws(f"/conversations/{b_message['conversation_id']}/labels"),
        json={"labels": ["billing"]},
    )
    definition = b.request(
        "POST",
        b.ws("/attribute-definitions"),
        json={"key": "plan", "label": "Plan", "type": "text"},
    )
    team = b.request("POST", b.ws("/teams"), json={"name": "Support"})
    canned = b.request(
        "POST",
        b.ws("/canned-responses"),
        json={"shortcut": "hi", "title": "Hi", "body": "Hello!"},
    )
    note = b.request("POST", b.ws(f"/contacts/{b_contact}/notes"), json={"body": "VIP"})
    workflow = b.request(
        "POST",
        b.ws("/workflow-templates/keyword-auto-reply/install"),
        json={"params": {"keywords": ["hello"], "reply": "Hi"}},
    )
    b_run = _workflow_run(server, b, workflow.json()["id"], b_channel)
    upload = b.request(
        "POST", b.ws("/attachments"), files={"file": ("a.txt", b"hello", "text/plain")}
    )
    b_whatsapp = whatsapp_channel(
        b,
        "http://127.0.0.1:9",  # nothing listens there: the account is kept, degraded
        "1",
        "access-token-0123456789",
        "app-secret-0123456789",
        "verify-token-0123456789",
        name="Line",
    )["id"]
    template = b.request(
        "POST",
        b.ws(f"/channels/{b_whatsapp}/templates"),
        json={"name": "hi", "language": "en", "components": [{"type": "BODY", "text": "Hi"}]},
    )
    return {
        "a": a,
        "a_key": a_key.json()["key"],
        "ids": {
            "workspace_id": b.workspace_id,
            "user_id": b_member.user_id,
            "invitation_id": invitation.json()["id"],
            "key_id": key.json()["id"],
            "channel_id": b_channel,
            "conversation_id": b_message["conversation_id"],
            "message_id": b_message["message_id"],
            "contact_id": b_contact,
            "tag": "vip",
            "label": "billing",
            "definition_id": definition.json()["id"],
            "team_id": team.json()["id"],
            "attachment_id": upload.json()["id"],
            "template_id": template.json()["id"],
            "dead_letter_id": _dead_letter(server, b, b_whatsapp),
            "group_id": _group(server, b.workspace_id, b_whatsapp),
            "canned_response_id": canned.json()["id"],
            "note_id": note.json()["id"],
            "workflow_id": workflow.json()["id"],
            "run_id": b_run,
            "key": "keyword-auto-reply",
        },
    }


def test_every_workspace_route_is_covered(server: Server) -> None:
    routes = workspace_routes(server)
    # Guards the table below: adding an endpoint adds a row automatically.
    assert len(routes) >= 79
    unknown = {p for _, path in routes for p in PARAM.findall(path)} - {
        "workspace_id",
        "user_id",
        "invitation_id",
        "key_id",
        "channel_id",
        "conversation_id",
        "message_id",
        "contact_id",
        "tag",
        "label",
        "definition_id",
        "team_id",
        "attachment_id",
        "template_id",
        "dead_letter_id",
        "group_id",
        "canned_response_id",
        "note_id",
        "workflow_id",
        "run_id",
        "key",
    }
    assert not unknown, f"give the tenancy test an id of workspace B for {unknown}"


@pytest.mark.parametrize("credential", ["user", "api_key"])
def test_foreign_workspace_answers_404_everywhere(
    server: Server, client: httpx.Client, two_workspaces: dict[str, Any], credential: str
) -> None:
    a: Account = two_workspaces["a"]
    token = a.access_token if credential == "user" else two_workspaces["a_key"]
    headers = {"Authorization": f"Bearer {token}"}
    ids = two_workspaces["ids"]
    checked = 0
    for method, template in workspace_routes(server):
        path = template.format(**ids)
        response = client.request(method, path, headers=headers, json={})
        assert_problem(response, 404, "not_found")
        assert ids["workspace_id"] not in response.text.replace(path, "")
        checked += 1
    assert checked >= 79


def test_foreign_sub_resources_in_own_workspace_answer_404(
    client: httpx.Client, two_workspaces: dict[str, Any]
) -> None:
    """B's member, invitation and key ids under A's own workspace path are 404 too."""
    a: Account = two_workspaces["a"]
    ids = two_workspaces["ids"]
    for method, suffix in [
        ("GET", f"/members/{ids['user_id']}"),
        ("PATCH", f"/members/{ids['user_id']}"),
        ("DELETE", f"/members/{ids['user_id']}"),
        ("GET", f"/invitations/{ids['invitation_id']}"),
        ("DELETE", f"/invitations/{ids['invitation_id']}"),
        ("GET", f"/api-keys/{ids['key_id']}"),
        ("DELETE", f"/api-keys/{ids['key_id']}"),
        ("GET", f"/channels/{ids['channel_id']}"),
        ("POST", f"/channels/{ids['channel_id']}/inbound"),
        ("GET", f"/conversations/{ids['conversation_id']}"),
        ("GET", f"/conversations/{ids['conversation_id']}/messages"),
        ("POST", f"/conversations/{ids['conversation_id']}/messages"),
        ("GET", f"/contacts/{ids['contact_id']}/notes"),
        ("POST", f"/contacts/{ids['contact_id']}/notes"),
        ("DELETE", f"/contacts/{ids['contact_id']}/notes/{ids['note_id']}"),
    ]:
        body = BODIES.get(suffix.split("/")[-1], {"role": "viewer"} if method == "PATCH" else None)
        response = a.request(method, a.ws(suffix), json=body)
        assert_problem(response, 404, "not_found")
    workflow = f"/workflows/{ids['workflow_id']}"
    for method, suffix in [
        ("GET", workflow),
        ("PATCH", workflow),
        ("DELETE", workflow),
        ("POST", f"{workflow}/publish"),
        ("POST", f"{workflow}/unpublish"),
        ("POST", f"{workflow}/validate"),
        ("GET", f"{workflow}/versions"),
        ("GET", f"{workflow}/export"),
        ("GET", f"{workflow}/runs"),
        ("GET", f"/workflow-runs/{ids['run_id']}"),
        ("GET", f"/contacts/{ids['contact_id']}/workflow-runs"),
    ]:
        body = {"name": "Mine"} if method == "PATCH" else None
        assert_problem(a.request(method, a.ws(suffix), json=body), 404, "not_found")
    canned = f"/canned-responses/{ids['canned_response_id']}"
    for method, body in [("GET", None), ("PATCH", {"title": "Mine"}), ("DELETE", None)]:
        assert_problem(a.request(method, a.ws(canned), json=body), 404, "not_found")
    # B's own contact's note, under one of A's contacts, is not found either.
    own_contact = a.request("POST", a.ws("/contacts"), json={"name": "Own"}).json()["id"]
    foreign_note = f"/contacts/{own_contact}/notes/{ids['note_id']}"
    assert_problem(a.request("DELETE", a.ws(foreign_note)), 404, "not_found")
    # Filters name B's rows without revealing them: nothing matches in A.
    listed = a.request("GET", a.ws("/conversations"), params={"contact_id": ids["contact_id"]})
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []


def test_unknown_and_malformed_workspace_ids(owner: Account) -> None:
    missing = owner.request("GET", "/api/v1/workspaces/00000000-0000-0000-0000-000000000000")
    assert_problem(missing, 404, "not_found")
    malformed = owner.request("GET", "/api/v1/workspaces/not-a-uuid")
    assert_problem(malformed, 422, "validation_failed")
