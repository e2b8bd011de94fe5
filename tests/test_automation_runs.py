"""Workflows end to end through the real server: keyword replies on the Telegram fake, the
loop guard, durable waits, runs and steps in the API, per-contact turns, retries and the
failure edge."""

from __future__ import annotations

import itertools
import json
import time
from datetime import datetime
from typing import Any

import httpx

from relaydesk.testing.fakes import TelegramControl, running_fake
from relaydesk.testing.fakes import telegram_updates as tu
from tests.automation import (
    WAIT,
    graph,
    messages,
    publish,
    run_detail,
    runs,
    wait_for_runs,
)
from tests.conftest import Post, signup
from tests.harness import Server, wait_until
from tests.messaging import (
    api_channel,
    create_channel,
    inbound,
    new_bot_token,
    telegram_channel,
)

MESSAGE = {"type": "message_received"}


def test_keyword_template_replies_on_telegram_within_a_second(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    installed = owner.request(
        "POST",
        owner.ws("/workflow-templates/keyword-auto-reply/install"),
        json={
            "params": {"keywords": ["price", "?"], "reply": "Hi {{contact.name}}, see our prices"}
        },
    )
    assert installed.status_code == 201, installed.text
    assert installed.json()["status"] == "published"
    assert installed.json()["published_version"] == 1
    with running_fake("telegram") as fake, TelegramControl(fake.base_url) as control:
        bot_id, token = new_bot_token(control)
        created = telegram_channel(owner, fake.base_url, token)
        assert created["status"] == "connected", created
        # Not a keyword: no reply.
        control.inject(bot_id, tu.text(tu.private_chat(77), tu.user(77, "Li"), "hello"))
        started = time.monotonic()
        # Full-width forms match their ASCII keywords (NFKC, casefold): "PRICE?" in full width.
        full_width = "\uff30\uff32\uff29\uff23\uff25\uff1f"
        control.inject(bot_id, tu.text(tu.private_chat(77), tu.user(77, "Li"), full_width))
        wait_until(lambda: bool(control.sent(bot_id, 77)), WAIT, "the automatic reply")
        elapsed = time.monotonic() - started
        assert elapsed < 1.0, f"the reply took {elapsed:.3f}s"
        [sent] = control.sent(bot_id, 77)
        assert sent["params"]["text"] == "Hi Li, see our prices"
        [run] = wait_for_runs(owner, installed.json()["id"], 1, {"completed"})
        assert run["trigger_type"] == "message_received"
        [reply] = [m for m in messages(owner, run["conversation_id"]) if m["direction"] == "out"]
        assert reply["sender_type"] == "bot"
        assert reply["sender_id"] == run["id"]


def test_workflows_triggering_each_other_stop_at_the_loop_guard(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    ping = publish(
        owner,
        graph(
            {"type": "tag_added", "params": {"tag": "a"}},
            [
                {"id": "drop", "type": "remove_tag", "params": {"tags": ["a"]}},
                {"id": "pass", "type": "add_tag", "params": {"tags": ["b"]}},
            ],
            [("trigger", "drop"), ("drop", "pass")],
        ),
        "ping",
    )
    pong = publish(
        owner,
        graph(
            {"type": "tag_added", "params": {"tag": "b"}},
            [
                {"id": "drop", "type": "remove_tag", "params": {"tags": ["b"]}},
                {"id": "pass", "type": "add_tag", "params": {"tags": ["a"]}},
            ],
            [("trigger", "drop"), ("drop", "pass")],
        ),
        "pong",
    )
    contact = owner.request("POST", owner.ws("/contacts"), json={"name": "Loop"}).json()
    tagged = owner.request(
        "POST", owner.ws(f"/contacts/{contact['id']}/tags"), json={"tags": ["a"]}
    )
    assert tagged.status_code in (200, 204), tagged.text

    def guarded() -> list[dict[str, Any]]:
        return [r for wf in (ping, pong) for r in runs(owner, wf["id"]) if r["state"] == "skipped"]

    wait_until(lambda: bool(guarded()), WAIT, "the loop guard")
    [skipped] = guarded()
    assert skipped["reason"] == "automation.loop_guard"
    assert skipped["depth"] == 6
    everything = runs(owner, ping["id"]) + runs(owner, pong["id"])
    completed = [r for r in everything if r["state"] == "completed"]
    # Depths 0..5 ran; the 7th was cut.
    assert sorted(r["depth"] for r in completed) == [0, 1, 2, 3, 4, 5]
    assert all(r["parent_run_id"] for r in everything if r["depth"] > 0)


def test_wait_then_send_resumes_once_with_steps_in_the_api(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    channel = api_channel(owner)
    workflow = publish(
        owner,
        graph(
            {**MESSAGE, "params": {"keywords": {"mode": "exact", "values": ["later"]}}},
            [
                {"id": "pause", "type": "wait", "params": {"mode": "duration", "seconds": 1}},
                {
                    "id": "reply",
                    "type": "send_message",
                    "params": {"text": "after {{message.text}}"},
                },
            ],
            [("trigger", "pause"), ("pause", "reply")],
        ),
    )
    received = inbound(owner, channel, text="  LATER ", contact="waiter")
    [waiting] = wait_for_runs(owner, workflow["id"], 1, {"waiting"})
    assert waiting["wake_at"] is not None
    assert messages(owner, received["conversation_id"])[-1]["direction"] == "in"
    [done] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
    sent = [m for m in messages(owner, received["conversation_id"]) if m["direction"] == "out"]
    assert [m["text"] for m in sent] == ["after   LATER "]
    detail = run_detail(owner, done["id"])
    assert [s["node_id"] for s in detail["steps"]] == ["pause", "reply"]
    pause, reply = detail["steps"]
    assert pause["status"] == reply["status"] == "succeeded"
    assert reply["input"]["text"] == "after   LATER "
    assert reply["output"]["message_id"] == sent[0]["id"]
    assert reply["duration_ms"] >= 0
    # The reply went after the wait was over.
    woke = datetime.fromisoformat(pause["output"]["wake_at"])
    assert datetime.fromisoformat(reply["started_at"]) >= woke
    contact_runs = owner.request(
        "GET", owner.ws(f"/contacts/{done['contact_id']}/workflow-runs")
    ).json()["items"]
    assert [r["id"] for r in contact_runs] == [done["id"]]


def test_a_batch_of_runs_sending_twice_numbers_each_conversation_in_order(
    server: Server, client: httpx.Client, sink: tuple[str, list[Post]]
) -> None:
    """Runs advanced together store their sends together at the batch's end: each
    conversation still gets its replies in order, with dense seqs, each step names the
    message it sent, and each reply is delivered once."""
    url, posts = sink
    owner = signup(client)
    channel = create_channel(owner, {"type": "api", "name": "Batch", "outbound_url": url})["id"]
    workflow = publish(
        owner,
        graph(
            {**MESSAGE, "params": {"keywords": {"mode": "exact", "values": ["twice"]}}},
            [
                {"id": "one", "type": "send_message", "params": {"text": "one {{contact.name}}"}},
                {"id": "two", "type": "send_message", "params": {"text": "two"}},
            ],
            [("trigger", "one"), ("one", "two")],
        ),
    )
    # One request, one commit: the runs start together and are due together.
    batch = owner.request(
        "POST",
        owner.ws(f"/channels/{channel}/inbound/batch"),
        json={
            "messages": [
                {
                    "external_id": f"twice-{n}",
                    "contact": {"external_id": f"twice-{n}", "name": f"C{n}"},
                    "text": "twice",
                }
                for n in range(8)
            ]
        },
    )
    assert batch.status_code == 200, batch.text
    done = wait_for_runs(owner, workflow["id"], 8, {"completed"})
    assert len(done) == 8
    for run in done:
        conversation = run["conversation_id"]
        thread = messages(owner, conversation)
        name = owner.request("GET", owner.ws(f"/contacts/{run['contact_id']}")).json()["name"]
        assert [(m["seq"], m["direction"], m["text"]) for m in thread] == [
            (1, "in", "twice"),
            (2, "out", f"one {name}"),
            (3, "out", "two"),
        ]
        steps = {s["node_id"]: s["output"] for s in run_detail(owner, run["id"])["steps"]}
        assert steps["one"] == {"message_id": thread[1]["id"], "seq": 2}
        assert steps["two"] == {"message_id": thread[2]["id"], "seq": 3}
        found = owner.request("GET", owner.ws(f"/conversations/{conversation}")).json()
        assert (found["last_seq"], found["last_message_preview"]) == (3, "two")
    wait_until(lambda: len(posts) >= 16, WAIT, "16 replies delivered")
    delivered = [json.loads(p.body) for p in posts]
    assert len(delivered) == 16
    for run in done:
        mine = [d for d in delivered if d["conversation_id"] == run["conversation_id"]]
        assert sorted((d["seq"], d["text"][:3]) for d in mine) == [(2, "one"), (3, "two")]


def test_retries_then_the_failure_edge_and_a_failed_run(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    channel = api_channel(owner)
    # No attribute `plan` is defined: setting it fails every time.
    with_edge = publish(
        owner,
        graph(
            {**MESSAGE, "params": {"keywords": {"mode": "contains", "values": ["upgrade"]}}},
            [
                {
                    "id": "set",
                    "type": "set_attribute",
                    "params": {"key": "plan", "value": "pro"},
                    "retry": {"max_attempts": 2, "backoff_seconds": 0},
                },
                {"id": "flag", "type": "add_tag", "params": {"tags": ["needs-help"]}},
            ],
            [("trigger", "set"), ("set", "flag", "failure")],
        ),
    )
    without = publish(
        owner,
        graph(
            {**MESSAGE, "params": {"keywords": {"mode": "contains", "values": ["upgrade"]}}},
            [{"id": "set", "type": "set_attribute", "params": {"key": "plan", "value": "pro"}}],
            [("trigger", "set")],
        ),
    )
    inbound(owner, channel, text="please upgrade me", contact="upgrader")
    [recovered] = wait_for_runs(owner, with_edge["id"], 1, {"completed"})
    steps = run_detail(owner, recovered["id"])["steps"]
    assert [(s["node_id"], s["status"], s["attempts"]) for s in steps] == [
        ("set", "failed", 2),
        ("flag", "succeeded", 1),
    ]
    assert steps[0]["error"]
    contact = owner.request("GET", owner.ws(f"/contacts/{recovered['contact_id']}")).json()
    assert "needs-help" in contact["tags"]
    [failed] = wait_for_runs(owner, without["id"], 1, {"failed"})
    assert failed["reason"]
    assert failed["error"]


def test_a_contacts_runs_take_turns(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    channel = api_channel(owner)
    flows = [
        publish(
            owner,
            graph(
                {**MESSAGE, "params": {}},
                [
                    {"id": "note", "type": "add_note", "params": {"text": f"flow {n}"}},
                    {"id": "tag", "type": "add_tag", "params": {"tags": [f"seen-{n}"]}},
                ],
                [("trigger", "note"), ("note", "tag")],
            ),
        )
        for n in range(3)
    ]
    inbound(owner, channel, text="hi", contact="busy")
    done = [wait_for_runs(owner, f["id"], 1, {"completed"})[0] for f in flows]
    spans = sorted(
        (
            min(s["started_at"] for s in run_detail(owner, r["id"])["steps"]),
            max(s["finished_at"] for s in run_detail(owner, r["id"])["steps"]),
        )
        for r in done
    )
    # One run of a contact at a time: no run's steps overlap another's.
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start, spans
