"""Access is checked again every heartbeat: a member removed from a workspace loses its
subscription to it (the connection stays for the others), a changed role applies at once,
and an event stream ends when its sign-in, key or membership does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from tests.conftest import Account, join, signup
from tests.harness import Server, wait_until
from tests.messaging import api_channel, inbound
from tests.realtime_client import Frame, RealtimeClient, connected, texts

_FAST = {"realtime_heartbeat_seconds": 0.2, "realtime_idle_timeout_seconds": 5}


def _has_text(text: str) -> Any:
    return lambda frames: text in texts(frames)


def _own_workspace(account: Account, name: str) -> Account:
    """`account` in a new workspace of its own (it is the owner there)."""
    created = account.request("POST", "/api/v1/workspaces", json={"name": name})
    assert created.status_code == 201, created.text
    return Account(**{**account.__dict__, "workspace_id": created.json()["id"]})


def test_removing_a_member_ends_their_subscription_to_that_workspace_only(
    make_server: Any,
) -> None:
    server: Server = make_server(**_FAST)
    with server.client() as http:
        owner = signup(http)
        channel = api_channel(owner)
        agent = join(owner, "agent")
        elsewhere = _own_workspace(agent, "Agent's own")
        other_channel = api_channel(elsewhere)
        with connected(server.base_url, agent) as rt:
            rt.subscribe(owner.workspace_id)
            rt.subscribe(elsewhere.workspace_id)
            removed = owner.request("DELETE", owner.ws(f"/members/{agent.user_id}"))
            assert removed.status_code == 204, removed.text
            ended = rt.next("error")
            assert ended["code"] == "realtime.subscription_ended"
            assert (ended["status"], ended["workspace_id"]) == (403, owner.workspace_id)
            # The owner's events no longer come; the other workspace's still do.
            inbound(owner, channel, "after the removal")
            inbound(elsewhere, other_channel, "in the other workspace")
            seen = rt.until(_has_text("in the other workspace"))
            rt.send("unsubscribe", workspace_id=owner.workspace_id)
            seen += rt.until(lambda fs: bool(fs) and fs[-1]["type"] == "error")
            assert seen[-1]["code"] == "realtime.not_subscribed"
            assert texts(seen) == ["in the other workspace"]
            assert {f["workspace_id"] for f in seen if f["type"] == "event"} == {
                elsewhere.workspace_id
            }
            rt.send("subscribe", workspace_id=owner.workspace_id)
            assert rt.until(lambda fs: bool(fs) and fs[-1]["type"] == "error")[-1]["code"] == (
                "not_found"
            )
            rt.send("ping", id=1)
            assert rt.next("pong")["ref"] == 1


def _typing_allowed(rt: RealtimeClient, workspace_id: str, conversation_id: str) -> bool:
    rt.send("typing", id="t", workspace_id=workspace_id, conversation_id=conversation_id)
    answer = rt.until(lambda fs: bool(fs) and fs[-1]["type"] in {"ack", "error"})[-1]
    if answer["type"] == "error":
        assert answer["code"] == "workspaces.permission_denied", answer
    return bool(answer["type"] == "ack")


def test_a_changed_role_applies_to_an_open_subscription(make_server: Any) -> None:
    server: Server = make_server(**_FAST)
    with server.client() as http:
        owner = signup(http)
        channel = api_channel(owner)
        conversation = inbound(owner, channel)["conversation_id"]
        agent = join(owner, "agent")
        with connected(server.base_url, agent) as rt:
            rt.subscribe(owner.workspace_id)
            assert _typing_allowed(rt, owner.workspace_id, conversation)
            demoted = owner.request(
                "PATCH", owner.ws(f"/members/{agent.user_id}"), json={"role": "viewer"}
            )
            assert demoted.status_code == 200, demoted.text
            wait_until(
                lambda: not _typing_allowed(rt, owner.workspace_id, conversation),
                10,
                "typing refused to the viewer",
            )
            # A viewer still follows the workspace.
            inbound(owner, channel, "seen by the viewer")
            assert "seen by the viewer" in texts(rt.until(_has_text("seen by the viewer")))


def _sse(lines: Iterator[str]) -> Iterator[Frame]:
    current: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "data" in current:
                frame: Frame = json.loads(current["data"])
                frame["sse_event"] = current.get("event")
                yield frame
            current = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            current[name] = value.removeprefix(" ")


def _stream_ended_by(http: httpx.Client, path: str, token: str, end: Any) -> Frame:
    """Follow the stream to `caught_up`, call `end()`, then read on: the stream must close
    after one last frame, which is returned."""
    headers = {"Authorization": f"Bearer {token}"}
    with http.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200
        frames = _sse(response.iter_lines())
        while next(frames)["type"] != "caught_up":
            pass
        end()
        rest = list(frames)  # the server ends the stream, or the read times out
    assert len(rest) == 1, rest
    return rest[0]


def test_an_event_stream_ends_when_its_sign_in_key_or_membership_does(make_server: Any) -> None:
    server: Server = make_server(**_FAST)
    with server.client() as http, server.client() as streams:
        owner = signup(http)
        path = owner.ws("/events/stream")

        def sign_out() -> None:
            assert owner.request("POST", "/api/v1/auth/logout").status_code == 204

        ended = _stream_ended_by(streams, path, owner.access_token, sign_out)
        assert (ended["sse_event"], ended["code"]) == ("error", "auth.session_revoked")

        admin = join(Account(**{**owner.__dict__, "access_token": _login(http, owner)}), "admin")
        key = admin.request(
            "POST", admin.ws("/api-keys"), json={"name": "stream", "scopes": ["read"]}
        ).json()

        def revoke() -> None:
            revoked = admin.request("DELETE", admin.ws(f"/api-keys/{key['id']}"))
            assert revoked.status_code == 204, revoked.text

        ended = _stream_ended_by(streams, path, key["key"], revoke)
        assert ended["code"] == "auth.api_key_revoked"

        agent = join(admin, "agent")

        def remove() -> None:
            removed = admin.request("DELETE", admin.ws(f"/members/{agent.user_id}"))
            assert removed.status_code == 204, removed.text

        ended = _stream_ended_by(streams, path, agent.access_token, remove)
        assert (ended["code"], ended["workspace_id"]) == (
            "realtime.subscription_ended",
            owner.workspace_id,
        )


def _login(http: httpx.Client, account: Account) -> str:
    tokens = http.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert tokens.status_code == 200, tokens.text
    token: str = tokens.json()["access_token"]
    return token
