"""Resume by per-conversation seq over the WebSocket: exactly the missed messages, then live,
none twice; with `after`, with concurrent writes, and the limits of the input."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import Account, assert_problem, signup
from tests.harness import Server, wait_until
from tests.messaging import api_channel, inbound
from tests.realtime_client import Frame, RealtimeClient, connected, events, texts


def replayed(frames: list[Frame]) -> list[dict[str, Any]]:
    """The messages replayed by seq (from `messages` frames), in order."""
    return [m for f in frames if f["type"] == "messages" for m in f["messages"]]


def replayed_texts(frames: list[Frame]) -> list[str]:
    return [m["text"] for m in replayed(frames)]


def _has_text(text: str) -> Any:
    return lambda frames: text in texts(frames)


def _resume(rt: RealtimeClient, workspace_id: str, **fields: Any) -> list[Frame]:
    """Subscribe with `fields`; the frames after `subscribed` up to `caught_up` (included)."""
    rt.send("subscribe", id="resume", workspace_id=workspace_id, **fields)
    subscribed = rt.next("subscribed")
    assert subscribed["ref"] == "resume"
    return rt.until(lambda fs: bool(fs) and fs[-1]["type"] in {"caught_up", "resync_required"})


def test_resume_by_seq_sends_exactly_the_missed_messages_then_live_ones(
    server: Server, owner: Account
) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel, "one")["conversation_id"]
    with connected(server.base_url, owner) as rt:
        rt.subscribe(owner.workspace_id, conversation_ids=[conversation])
        inbound(owner, channel, "two")
        [seen] = events(rt.until(_has_text("two")), "message.created")
    have = seen["event"]["message"]["seq"]
    for text in ("three", "four", "five"):
        inbound(owner, channel, text)

    with connected(server.base_url, owner) as rt:
        frames = _resume(
            rt, owner.workspace_id, conversation_ids=[conversation], seqs={conversation: have}
        )
        assert replayed_texts(frames) == ["three", "four", "five"]
        assert [m["seq"] for m in replayed(frames)] == [have + 1, have + 2, have + 3]
        [batch] = [f for f in frames if f["type"] == "messages"]
        assert (batch["workspace_id"], batch["conversation_id"]) == (
            owner.workspace_id,
            conversation,
        )
        assert texts(frames) == [], "a replayed message came again as an event"
        assert frames[-1]["resync_conversation_ids"] == []
        inbound(owner, channel, "six")
        live = rt.until(_has_text("six"))
    assert texts(live) == ["six"]
    assert replayed(live) == []
    [created] = events(live, "message.created")
    assert created["event"]["message"]["seq"] == have + 4


def test_a_replayed_message_is_the_message_a_live_event_carried(
    server: Server, owner: Account
) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel, "first")["conversation_id"]
    with connected(server.base_url, owner) as rt:
        rt.subscribe(owner.workspace_id)
        inbound(owner, channel, "carried live")
        [live] = events(rt.until(_has_text("carried live")), "message.created")
    with connected(server.base_url, owner) as rt:
        frames = _resume(rt, owner.workspace_id, seqs={conversation: 1})
    [again] = replayed(frames)
    assert again == live["event"]["message"]


def test_a_long_replay_comes_in_frames_of_at_most_100_messages(
    server: Server, owner: Account
) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel, "first")["conversation_id"]
    batch = owner.request(
        "POST",
        owner.ws(f"/channels/{channel}/inbound/batch"),
        json={
            "messages": [
                {
                    "external_id": uuid.uuid4().hex,
                    "contact": {"external_id": "customer-1"},
                    "text": f"m{i}",
                }
                for i in range(250)
            ]
        },
    )
    assert batch.status_code == 200, batch.text
    with connected(server.base_url, owner) as rt:
        frames = _resume(rt, owner.workspace_id, seqs={conversation: 1})
    sizes = [len(f["messages"]) for f in frames if f["type"] == "messages"]
    assert sizes == [100, 100, 50]
    assert [m["seq"] for m in replayed(frames)] == list(range(2, 252))
    assert replayed_texts(frames) == [f"m{i}" for i in range(250)]


def test_the_messages_list_takes_pages_of_up_to_1000(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    path = owner.ws(f"/conversations/{conversation}/messages")
    page = owner.request("GET", path, params={"after_seq": 0, "limit": 1000})
    assert page.status_code == 200, page.text
    assert [m["seq"] for m in page.json()["items"]] == [1]
    too_big = owner.request("GET", path, params={"after_seq": 0, "limit": 1001})
    assert_problem(too_big, 422, "validation_failed")


def test_resume_by_seq_while_messages_are_being_written(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel, "before")["conversation_id"]
    have = 1
    sent: list[str] = []
    writer = server.client()
    writer_account = Account(**{**owner.__dict__, "client": writer})

    def keep_sending() -> None:
        for i in range(40):
            inbound(writer_account, channel, f"m{i}")
            sent.append(f"m{i}")

    try:
        with ThreadPoolExecutor(1) as pool:
            sending = pool.submit(keep_sending)
            # Reconnect while messages are still arriving: some are replayed, some come live.
            wait_until(lambda: len(sent) >= 10, 30, "ten messages sent while disconnected")
            with connected(server.base_url, owner) as rt:
                rt.send(
                    "subscribe",
                    workspace_id=owner.workspace_id,
                    conversation_ids=[conversation],
                    seqs={conversation: have},
                )
                rt.next("subscribed")
                sending.result(60)
                inbound(owner, channel, "last")
                frames = rt.until(_has_text("last"), timeout=30)
    finally:
        writer.close()
    # Replayed first, then live, as one gapless run of seqs.
    kinds = [f["type"] for f in frames if f["type"] in {"messages", "event"}]
    first_event = kinds.index("event")
    assert "messages" not in kinds[first_event:], "a replayed message came after a live event"
    messages = replayed(frames) + [f["event"]["message"] for f in events(frames, "message.created")]
    assert [m["text"] for m in messages] == [*sent, "last"]
    assert [m["seq"] for m in messages] == list(range(have + 1, have + 42))
    assert len(replayed(frames)) >= 10


def test_a_message_replayed_by_seq_is_not_sent_again_when_its_event_comes_late(
    make_server: Any,
) -> None:
    # Events reach the hub only when the test says so: no polling, no publisher.
    server: Server = make_server(outbox_poll_seconds=600)
    realtime = server.app.state.realtime

    async def deliver_events() -> None:
        await realtime.publisher.publish_pending()  # PostgreSQL: position and hand on
        realtime.hub.request_check()  # SQLite: positioned by the write, read back

    with server.client() as http:
        owner = signup(http)
        channel = api_channel(owner)
        conversation = inbound(owner, channel, "one")["conversation_id"]
        server.run(realtime.publisher.stop())
        inbound(owner, channel, "two")  # stored; its events have reached no hub yet
        with connected(server.base_url, owner) as rt:
            frames = _resume(rt, owner.workspace_id, seqs={conversation: 1})
            assert replayed_texts(frames) == ["two"]
            inbound(owner, channel, "three")
            server.run(deliver_events())
            live = rt.until(_has_text("three"))
    assert texts(live) == ["three"], "the replayed message came again with its event"


def test_resume_by_seq_and_position_together(server: Server, owner: Account) -> None:
    channel = api_channel(owner)
    ann = inbound(owner, channel, "ann 1", contact="ann")["conversation_id"]
    with connected(server.base_url, owner) as rt:
        position = rt.subscribe(owner.workspace_id)["position"]
    inbound(owner, channel, "ann 2", contact="ann")
    bob = inbound(owner, channel, "bob 1", contact="bob")["conversation_id"]
    with connected(server.base_url, owner) as rt:
        frames = _resume(rt, owner.workspace_id, after=position, seqs={ann: 1})
        # Ann's message by seq, first; then the events since the position, without it again.
        assert replayed_texts(frames) == ["ann 2"]
        assert texts(frames) == ["bob 1"]
        assert {"contact.created", "conversation.created"} <= {
            f["event_type"] for f in events(frames)
        }
        positions = [f["position"] for f in events(frames)]
        assert positions == sorted(set(positions))
        assert positions[0] > position
        assert frames[-1]["type"] == "caught_up"
        inbound(owner, channel, "ann 3", contact="ann")
        inbound(owner, channel, "bob 2", contact="bob")
        live = rt.until(_has_text("bob 2"))
    assert texts(live) == ["ann 3", "bob 2"]
    assert {f["event"]["message"]["conversation_id"] for f in events(live, "message.created")} == {
        ann,
        bob,
    }


def test_conversations_beyond_the_replay_limit_are_left_to_refetch(make_server: Any) -> None:
    server: Server = make_server(realtime_replay_limit=3)
    with server.client() as http:
        owner = signup(http)
        channel = api_channel(owner)
        long = inbound(owner, channel, "long 1", contact="long")["conversation_id"]
        short = inbound(owner, channel, "short 1", contact="short")["conversation_id"]
        ahead = inbound(owner, channel, "ahead 1", contact="ahead")["conversation_id"]
        for i in range(2, 7):
            inbound(owner, channel, f"long {i}", contact="long")
        inbound(owner, channel, "short 2", contact="short")
        with connected(server.base_url, owner) as rt:
            # `long` misses 5 (over the limit of 3), `ahead` claims a seq never given.
            frames = _resume(rt, owner.workspace_id, seqs={long: 1, short: 1, ahead: 9})
            assert replayed_texts(frames) == ["short 2"]
            assert set(frames[-1]["resync_conversation_ids"]) == {long, ahead}
            # Their live messages still come, as events.
            inbound(owner, channel, "long 7", contact="long")
            assert texts(rt.until(_has_text("long 7"))) == ["long 7"]


def test_seqs_are_validated(server: Server, owner: Account, client: httpx.Client) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    stranger = signup(client, "stranger")
    foreign = inbound(stranger, api_channel(stranger))["conversation_id"]
    too_many = {str(uuid.uuid4()): 0 for _ in range(501)}
    invalid: list[tuple[dict[str, Any], str, str]] = [
        ({"seqs": {"not-a-uuid": 1}}, "validation_failed", "seqs"),
        ({"seqs": {conversation: -1}}, "validation_failed", "seqs"),
        ({"seqs": {conversation: "3"}}, "validation_failed", "seqs"),
        ({"seqs": {conversation: True}}, "validation_failed", "seqs"),
        ({"seqs": [conversation]}, "validation_failed", "seqs"),
        ({"seqs": too_many}, "validation_failed", "seqs"),
        ({"seqs": {str(uuid.uuid4()): 0}}, "not_found", "conversation"),
        ({"seqs": {foreign: 0}}, "not_found", "conversation"),
        (
            {"conversation_ids": [str(uuid.uuid4())], "seqs": {conversation: 0}},
            "validation_failed",
            "conversation_ids",
        ),
    ]
    with connected(server.base_url, owner) as rt:
        rt.subscribe(owner.workspace_id)
        for fields, code, mentioned in invalid:
            rt.send("subscribe", id="bad", workspace_id=owner.workspace_id, **fields)
            error = rt.next("error")
            assert (error["code"], error["ref"]) == (code, "bad"), (fields, error)
            assert mentioned in error["detail"], error
        # Refused subscribes leave the existing subscription in place.
        inbound(owner, channel, "still subscribed")
        assert texts(rt.until(_has_text("still subscribed"))) == ["still subscribed"]
