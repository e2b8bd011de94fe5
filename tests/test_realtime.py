"""The realtime gateway: live delivery, resume without gaps or repeats, heartbeats, typing,
per-user events, auth, and the server-sent-events fallback."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from relaydesk.db import Database
from relaydesk.events.models import OutboxEvent
from tests.conftest import Account, assert_problem, join, signup
from tests.harness import Server, make_settings, running_server, throwaway_database, wait_until
from tests.messaging import api_channel, inbound
from tests.realtime_client import (
    Frame,
    connected,
    events,
    realtime,
    sse_frames,
    texts,
)


def _outbox_count(server: Server, workspace_id: str) -> int:
    async def count() -> int:
        async with server.db.read("test_outbox_count") as s:
            value = await s.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.workspace_id == uuid.UUID(workspace_id))
            )
        return int(value or 0)

    return server.run(count())


def _has_text(text: str) -> Any:
    return lambda frames: text in texts(frames)


def test_message_created_is_delivered_live(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    with connected(server.base_url, owner) as rt:
        caught_up = rt.subscribe(owner.workspace_id)
        assert caught_up["workspace_id"] == owner.workspace_id
        received = inbound(owner, channel, "where is my parcel?")
        frames = rt.until(_has_text("where is my parcel?"))
    [created] = events(frames, "message.created")
    assert created["workspace_id"] == owner.workspace_id
    assert created["event"]["message"]["conversation_id"] == received["conversation_id"]
    assert created["event"]["message"]["seq"] == 1
    assert created["actor"] == {"type": "user", "id": owner.user_id}
    positions = [f["position"] for f in events(frames)]
    assert positions == sorted(set(positions))
    assert positions[0] > caught_up["position"]


def test_a_conversation_subscription_gets_only_that_conversation(
    server: Server, owner: Account
) -> None:
    channel = api_channel(owner)
    ann = inbound(owner, channel, "ann 1", contact="ann")
    with connected(server.base_url, owner) as rt:
        rt.subscribe(owner.workspace_id, conversation_ids=[ann["conversation_id"]])
        inbound(owner, channel, "bob 1", contact="bob")
        inbound(owner, channel, "ann 2", contact="ann")
        frames = rt.until(_has_text("ann 2"))
    assert texts(frames) == ["ann 2"]
    assert {
        f["event"].get("message", f["event"].get("conversation", {})).get("conversation_id")
        or f["event"]["conversation"]["id"]
        for f in events(frames)
    } == {ann["conversation_id"]}


def test_resume_delivers_exactly_the_missed_events_while_new_ones_arrive(
    server: Server, owner: Account
) -> None:
    channel = api_channel(owner)
    inbound(owner, channel, "before")
    with connected(server.base_url, owner) as rt:
        last_applied = rt.subscribe(owner.workspace_id)["position"]

    sent: list[str] = []
    writer = server.client()
    writer_account = Account(**{**owner.__dict__, "client": writer})

    def keep_sending() -> None:
        for i in range(40):
            text = f"m{i}"
            inbound(writer_account, channel, text)
            sent.append(text)

    with ThreadPoolExecutor(1) as pool:
        sending = pool.submit(keep_sending)
        # Reconnect while messages are still arriving: some are missed, some come live.
        wait_until(lambda: len(sent) >= 10, 30, "ten messages sent while disconnected")
        with connected(server.base_url, owner) as rt:
            rt.send("subscribe", workspace_id=owner.workspace_id, after=last_applied)
            rt.next("subscribed")
            sending.result(60)
            inbound(owner, channel, "last")
            frames = rt.until(_has_text("last"), timeout=30)
    writer.close()
    assert texts(frames) == [*sent, "last"]
    positions = [f["position"] for f in events(frames)]
    assert positions == sorted(set(positions)), "an event was repeated or out of order"
    assert positions[0] == last_applied + 1, "the first missed event was not replayed"
    assert len([f for f in frames if f["type"] == "caught_up"]) == 1


def test_resume_from_an_unknown_position_requires_a_resync(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    with connected(server.base_url, owner) as rt:
        rt.send("subscribe", workspace_id=owner.workspace_id, after=10**12)
        rt.next("subscribed")
        resync = rt.next("resync_required")
        assert resync["workspace_id"] == owner.workspace_id
        inbound(owner, channel, "after the resync")
        frames = rt.until(_has_text("after the resync"))
    assert all(f["position"] > resync["position"] for f in events(frames))


def test_a_backlog_longer_than_the_replay_limit_requires_a_resync(
    make_server: Any,
) -> None:
    server: Server = make_server(realtime_replay_limit=3)
    with server.client() as http:
        owner = signup(http)
        channel = api_channel(owner)
        inbound(owner, channel, "one")  # contact, conversation, message: 3 events
        inbound(owner, channel, "two")  # 2 more: 5 to replay from 0
        with connected(server.base_url, owner) as rt:
            rt.send("subscribe", workspace_id=owner.workspace_id, after=0)
            rt.next("subscribed")
            frames = rt.until(lambda fs: bool(fs) and fs[-1]["type"] == "resync_required")
            assert len(events(frames)) <= 3
            inbound(owner, channel, "three")
            assert texts(rt.until(_has_text("three"))) == ["three"]
        # Within the limit, the replay is served.
        with connected(server.base_url, owner) as rt:
            rt.send("subscribe", workspace_id=owner.workspace_id, after=frames[-1]["position"])
            rt.next("subscribed")
            replayed = rt.until(lambda fs: bool(fs) and fs[-1]["type"] == "caught_up")
            assert texts(replayed) == ["three"]


def test_an_event_left_unpublished_by_a_crash_is_delivered_after_start_up(
    tmp_path: Path,
) -> None:
    with throwaway_database(tmp_path) as url:
        settings = make_settings(tmp_path, url)
        with running_server(settings) as first, first.client() as http:
            owner = signup(http)
            channel = api_channel(owner)
            with connected(first.base_url, owner) as rt:
                applied = rt.subscribe(owner.workspace_id)["position"]
            # The process "dies" between commit and publish: nothing hands the events on,
            # and on PostgreSQL nothing positions the rows either (on SQLite the writing
            # transaction positioned them itself).
            first.run(first.app.state.realtime.publisher.stop())
            inbound(owner, channel, "written just before the crash")

            async def unpublished(db: Database) -> int:
                async with db.read("test_unpublished") as s:
                    stmt = select(func.count()).where(OutboxEvent.position.is_(None))
                    return int(await s.scalar(stmt) or 0)

            async def written_since(db: Database) -> int:
                async with db.read("test_written") as s:
                    stmt = select(func.count()).where(
                        OutboxEvent.workspace_id == uuid.UUID(owner.workspace_id),
                        (OutboxEvent.position > applied) | OutboxEvent.position.is_(None),
                    )
                    return int(await s.scalar(stmt) or 0)

            left_behind = first.run(written_since(first.db))
            assert left_behind >= 3  # contact, conversation and message at least
            positioned_in_txn = first.db.is_sqlite
            assert first.run(unpublished(first.db)) == (0 if positioned_in_txn else left_behind)
        with running_server(settings) as second:
            with connected(second.base_url, owner) as rt:
                rt.send("subscribe", workspace_id=owner.workspace_id, after=applied)
                rt.next("subscribed")
                frames = rt.until(lambda fs: bool(fs) and fs[-1]["type"] == "caught_up")
            assert texts(frames) == ["written just before the crash"]
            assert len(events(frames)) == left_behind
            assert {"contact.created", "conversation.created"} <= {
                f["event_type"] for f in events(frames)
            }
            assert second.run(unpublished(second.db)) == 0


def test_a_silent_connection_is_closed_and_a_live_one_is_kept(make_server: Any) -> None:
    server: Server = make_server(realtime_heartbeat_seconds=0.2, realtime_idle_timeout_seconds=1)
    with server.client() as http:
        owner = signup(http)
    with connected(server.base_url, owner) as silent, connected(server.base_url, owner) as alive:
        assert silent.next("ping", skip_pings=False)["type"] == "ping"
        # `alive` answers every server ping for longer than the idle timeout.
        pongs = 0
        while pongs < 8:
            alive.next("ping", skip_pings=False)
            alive.send("pong")
            pongs += 1
        alive.send("ping", id=7)
        assert alive.next("pong")["ref"] == 7
        assert silent.closed_with() == (4408, "realtime.idle_timeout")


def test_typing_reaches_other_subscribers_and_is_not_stored(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    viewer = join(owner, "viewer")
    conversation = inbound(owner, channel)["conversation_id"]
    stored = _outbox_count(server, owner.workspace_id)
    with (
        connected(server.base_url, owner) as typist,
        connected(server.base_url, agent) as colleague,
        connected(server.base_url, viewer) as watcher,
    ):
        typist.subscribe(owner.workspace_id)
        colleague.subscribe(owner.workspace_id, conversation_ids=[conversation])
        watcher.subscribe(owner.workspace_id)
        typist.send(
            "typing", id="t1", workspace_id=owner.workspace_id, conversation_id=conversation
        )
        assert typist.next("ack")["ref"] == "t1"
        for other in (colleague, watcher):
            typing = other.next("typing")
            assert typing["conversation_id"] == conversation
            assert typing["user_id"] == owner.user_id
            assert typing["state"] == "start"
        # A viewer may watch but not type; a conversation of another workspace is not found.
        watcher.send(
            "typing", id="t2", workspace_id=owner.workspace_id, conversation_id=conversation
        )
        denied = watcher.next("error")
        assert (denied["code"], denied["ref"]) == ("workspaces.permission_denied", "t2")
        typist.send(
            "typing", id="t3", workspace_id=owner.workspace_id, conversation_id=str(uuid.uuid4())
        )
        assert typist.next("error")["code"] == "not_found"
        # The typist got no echo of its own frame: the next thing it sees is this message.
        inbound(owner, channel, "marker")
        assert [f["type"] for f in typist.until(_has_text("marker")) if f["type"] != "event"] == []
    assert _outbox_count(server, owner.workspace_id) == stored + 2  # the marker only


def test_read_events_reach_only_that_user(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    agent = join(owner, "agent")
    received = inbound(owner, channel, "please read me")
    with (
        connected(server.base_url, owner) as owners,
        connected(server.base_url, agent) as agents,
        connected(server.base_url, agent) as agents_phone,
    ):
        for rt in (owners, agents, agents_phone):
            rt.subscribe(owner.workspace_id)
        marked = agent.request(
            "POST",
            agent.ws(f"/conversations/{received['conversation_id']}/read"),
            json={"seq": received["seq"]},
        )
        assert marked.status_code == 200, marked.text
        for rt in (agents, agents_phone):
            [read] = events(rt.until(lambda fs: bool(events(fs, "conversation.read"))))
            assert read["event"]["user_id"] == agent.user_id
            assert read["event"]["unread_count"] == 0
        inbound(owner, channel, "after the read")
        seen_by_owner = owners.until(_has_text("after the read"))
    assert events(seen_by_owner, "conversation.read") == []


def test_authentication_failures(server: Server, owner: Account) -> None:
    with realtime(server.base_url, "not-a-token") as rt:
        error = rt.next("error")
        assert error["code"] == "auth.invalid_token"
        assert rt.closed_with() == (4401, "auth.invalid_token")
    with realtime(server.base_url) as rt:
        rt.send("subscribe", workspace_id=owner.workspace_id)
        assert rt.next("error")["code"] == "unauthenticated"
        assert rt.closed_with()[0] == 4401
    with realtime(server.base_url) as rt:
        rt.send("hello", id="h", token="rdk_" + "x" * 40)
        error = rt.next("error")
        assert (error["code"], error["ref"]) == ("auth.invalid_token", "h")
        assert rt.closed_with()[0] == 4401
    with realtime(server.base_url) as rt:
        rt.send("hello", token=owner.access_token)
        assert rt.next("welcome")["user_id"] == owner.user_id


def test_foreign_workspaces_and_bad_frames_get_error_frames(
    server: Server, owner: Account, client: httpx.Client
) -> None:
    stranger = signup(client, "stranger")
    with connected(server.base_url, owner) as rt:
        for workspace in (stranger.workspace_id, str(uuid.uuid4())):
            rt.send("subscribe", id="s", workspace_id=workspace)
            error = rt.next("error")
            assert (error["code"], error["status"], error["ref"]) == ("not_found", 404, "s")
        rt.ws.send("{not json")
        assert rt.next("error")["code"] == "malformed_body"
        rt.send("subscribe", workspace_id="nope")
        assert rt.next("error")["code"] == "validation_failed"
        rt.ws.send('{"v": 2, "type": "ping"}')
        assert rt.next("error")["code"] == "realtime.unsupported_version"
        rt.send("unsubscribe", workspace_id=owner.workspace_id)
        assert rt.next("error")["code"] == "realtime.not_subscribed"
        rt.send("ping", id=1)
        assert rt.next("pong")["ref"] == 1  # errors never close the connection


def test_an_api_key_follows_its_own_workspace_only(
    server: Server, owner: Account, client: httpx.Client
) -> None:
    created = owner.request(
        "POST", owner.ws("/api-keys"), json={"name": "realtime", "scopes": ["read"]}
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    stranger = signup(client, "stranger")
    channel = api_channel(owner)
    with realtime(server.base_url, key) as rt:
        welcome = rt.next("welcome")
        assert welcome["user_id"] is None
        assert welcome["actor"]["type"] == "api_key"
        rt.send("subscribe", workspace_id=stranger.workspace_id)
        assert rt.next("error")["code"] == "not_found"
        rt.subscribe(owner.workspace_id)
        inbound(owner, channel, "for the integration")
        assert "for the integration" in texts(rt.until(_has_text("for the integration")))


def _stream(http: httpx.Client, account: Account, done: Any, **headers: str) -> list[Frame]:
    with http.stream(
        "GET", account.ws("/events/stream"), headers={**account.headers, **headers}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return sse_frames(response.iter_lines(), done)


def test_server_sent_events_resume_from_last_event_id(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    inbound(owner, channel, "first")
    with server.client() as http:
        first = _stream(http, owner, _has_text("first"), **{"Last-Event-ID": "0"})
        assert [f["sse_event"] for f in first[:1]] == ["subscribed"]
        last_id = events(first)[-1]["sse_id"]
        assert last_id == str(events(first)[-1]["position"])
        inbound(owner, channel, "second")
        inbound(owner, channel, "third")
        resumed = _stream(http, owner, _has_text("third"), **{"Last-Event-ID": last_id})
    assert texts(resumed) == ["second", "third"]
    assert all(int(f["sse_id"]) > int(last_id) for f in events(resumed))
    assert {f["sse_event"] for f in events(resumed)} >= {"message.created"}


def test_server_sent_events_check_access(
    server: Server, owner: Account, client: httpx.Client
) -> None:
    stranger = signup(client, "stranger")
    path = owner.ws("/events/stream")
    assert_problem(client.get(path), 401, "unauthenticated")
    assert_problem(client.get(path, params={"token": "bad"}), 401, "auth.invalid_token")
    assert_problem(client.get(path, headers=stranger.headers), 404, "not_found")
    bad = client.get(path, headers={**owner.headers, "Last-Event-ID": "-1"})
    assert_problem(bad, 422, "validation_failed")


def test_signing_out_or_revoking_a_key_ends_open_connections(make_server: Any) -> None:
    server: Server = make_server(realtime_heartbeat_seconds=0.2, realtime_idle_timeout_seconds=5)
    with server.client() as http:
        owner = signup(http)
        other_device = signup_login(http, owner)
        key = owner.request(
            "POST", owner.ws("/api-keys"), json={"name": "live", "scopes": ["read"]}
        ).json()
        with (
            connected(server.base_url, owner) as signed_in,
            connected(server.base_url, other_device) as kept,
            realtime(server.base_url, key["key"]) as by_key,
        ):
            by_key.next("welcome")
            signed_in.subscribe(owner.workspace_id)
            assert owner.request("POST", "/api/v1/auth/logout").status_code == 204
            revoked = other_device.request("DELETE", owner.ws(f"/api-keys/{key['id']}"))
            assert revoked.status_code == 204
            assert (
                signed_in.until(lambda fs: bool(fs) and fs[-1]["type"] == "error")[-1]["code"]
                == "auth.session_revoked"
            )
            assert signed_in.closed_with() == (4401, "auth.session_revoked")
            assert by_key.closed_with() == (4401, "auth.api_key_revoked")
            # The same user's other sign-in is its own session and stays connected.
            kept.next("ping", skip_pings=False)
            kept.send("ping", id=1)
            assert kept.next("pong")["ref"] == 1


def signup_login(http: httpx.Client, account: Account) -> Account:
    """A second sign-in of `account` (another device)."""
    tokens = http.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    ).json()
    return Account(
        **{
            **account.__dict__,
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
        }
    )
