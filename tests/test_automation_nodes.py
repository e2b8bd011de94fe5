"""Node types end to end through the real server: `http_request` (address checks, saved
variables, retries), `ask_question` (answered and timed out), assignment modes,
`start_workflow`, waits until a time or a date attribute, and dry runs."""

from __future__ import annotations

import ipaddress
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from relaydesk.domains.automation.engine.nodes.flow import next_time
from relaydesk.domains.automation.engine.nodes.http import dig, mask_headers, refused
from relaydesk.domains.automation.models import WorkflowRun
from tests.automation import define, graph, messages, publish, run_detail, runs, wait_for_runs
from tests.conftest import join, signup
from tests.harness import Server, wait_until
from tests.messaging import api_channel, inbound

MESSAGE = {"type": "message_received"}


def keyword(word: str) -> dict[str, Any]:
    return {**MESSAGE, "params": {"keywords": {"mode": "exact", "values": [word]}}}


@contextmanager
def http_service(
    answer: Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, Any]]],
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP service: every request it gets (headers, body) is listed."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            seen.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            status, data = answer(self)
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _any  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    service = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=service.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{service.server_address[1]}", seen
    finally:
        service.shutdown()
        service.server_close()


# http_request -------------------------------------------------------------------------


def test_addresses_refused_unless_public() -> None:
    for text in (
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "fc00::1",
        "240.0.0.1",
        "100.64.0.1",
    ):
        assert refused(ipaddress.ip_address(text)), text
    for text in ("93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"):
        assert not refused(ipaddress.ip_address(text)), text
    assert dig({"a": {"b": [{"c": 5}]}}, "a.b.0.c") == 5
    assert dig({"a": []}, "a.3") is None
    masked = mask_headers({"Authorization": "Bearer x", "X-Api-Key": "k", "Accept": "json"})
    assert masked == {"Authorization": "***", "X-Api-Key": "***", "Accept": "json"}


def test_http_request_to_loopback_is_refused_by_default(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    channel = api_channel(owner)
    with http_service(lambda _h: (200, {})) as (url, seen):
        workflow = publish(
            owner,
            graph(
                keyword("call"),
                [{"id": "call", "type": "http_request", "params": {"method": "GET", "url": url}}],
                [("trigger", "call")],
            ),
        )
        inbound(owner, channel, text="call", contact="refused")
        [failed] = wait_for_runs(owner, workflow["id"], 1, {"failed"})
    assert failed["reason"] == "automation.http_address_refused"
    [step] = run_detail(owner, failed["id"])["steps"]
    assert step["status"] == "failed"
    assert step["attempts"] == 1  # refused at once: another attempt would be refused again
    assert seen == []


@pytest.fixture(scope="module")
def open_server(make_server: Callable[..., Server]) -> Server:
    return make_server(automation_http_allow_private=True)


def test_http_request_saves_json_fields_with_private_addresses_allowed(open_server: Server) -> None:
    with open_server.client() as client:
        owner = signup(client)
        channel = api_channel(owner)

        def answer(_h: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
            return 200, {"order": {"id": "A-17", "items": [{"sku": "tea"}]}}

        with http_service(answer) as (url, seen):
            workflow = publish(
                owner,
                graph(
                    keyword("order"),
                    [
                        {
                            "id": "lookup",
                            "type": "http_request",
                            "params": {
                                "method": "POST",
                                "url": url + "/orders?who={{contact.name}}",
                                "headers": {"Authorization": "Bearer s3cret"},
                                "body": {"text": "{{message.text}}"},
                                "save": {"order_id": "order.id", "sku": "order.items.0.sku"},
                            },
                        },
                        {
                            "id": "reply",
                            "type": "send_message",
                            "params": {"text": "Order {{vars.order_id}}: {{vars.sku}}"},
                        },
                    ],
                    [("trigger", "lookup"), ("lookup", "reply")],
                ),
            )
            received = inbound(owner, channel, text="order", contact="buyer", name="Mei")
            [done] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
        [request] = seen
        assert request["method"] == "POST"
        assert request["path"] == "/orders?who=Mei"
        assert request["headers"]["Idempotency-Key"] == f"{done['id']}:lookup"
        assert request["headers"]["Authorization"] == "Bearer s3cret"
        assert json.loads(request["body"]) == {"text": "order"}
        lookup, _reply = run_detail(owner, done["id"])["steps"]
        assert lookup["output"] == {"status": 200, "saved": {"order_id": "A-17", "sku": "tea"}}
        assert lookup["input"]["headers"]["Authorization"] == "***"
        assert "s3cret" not in json.dumps(lookup)
        sent = [
            m["text"]
            for m in messages(owner, received["conversation_id"])
            if m["direction"] == "out"
        ]
        assert sent == ["Order A-17: tea"]


def test_http_request_5xx_retries_then_the_failure_edge(open_server: Server) -> None:
    with open_server.client() as client:
        owner = signup(client)
        channel = api_channel(owner)
        with http_service(lambda _h: (503, {"error": "busy"})) as (url, seen):
            workflow = publish(
                owner,
                graph(
                    keyword("flaky"),
                    [
                        {
                            "id": "call",
                            "type": "http_request",
                            "params": {"method": "GET", "url": url},
                        },
                        {"id": "flag", "type": "add_tag", "params": {"tags": ["http-failed"]}},
                    ],
                    [("trigger", "call"), ("call", "flag", "failure")],
                ),
            )
            inbound(owner, channel, text="flaky", contact="flaky")
            [done] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
        assert len(seen) == 3
        call, flag = run_detail(owner, done["id"])["steps"]
        assert (call["status"], call["attempts"], call["output"]["reason"]) == (
            "failed",
            3,
            "automation.http_failed",
        )
        assert "503" in call["error"]
        assert flag["status"] == "succeeded"
        # Each attempt carried the same key: the service may drop repeats.
        assert {r["headers"]["Idempotency-Key"] for r in seen} == {f"{done['id']}:call"}


def test_a_slow_http_request_holds_up_no_other_write(open_server: Server) -> None:
    arrived, release = threading.Event(), threading.Event()

    def answer(_h: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        arrived.set()
        release.wait(30)
        return 200, {"ok": True}

    with open_server.client() as client:
        owner = signup(client)
        channel = api_channel(owner)
        with http_service(answer) as (url, seen):
            try:
                workflow = publish(
                    owner,
                    graph(
                        keyword("slow"),
                        [
                            {
                                "id": "call",
                                "type": "http_request",
                                "params": {"method": "GET", "url": url, "timeout_seconds": 30},
                            },
                            {"id": "flag", "type": "add_tag", "params": {"tags": ["called"]}},
                        ],
                        [("trigger", "call"), ("call", "flag")],
                    ),
                )
                inbound(owner, channel, text="slow", contact="patient")
                assert arrived.wait(20), "the request never reached the service"
                # The service still holds the call: writes elsewhere go through meanwhile.
                created = owner.request(
                    "POST", owner.ws("/contacts"), json={"name": "Meanwhile"}, timeout=10
                )
                assert created.status_code == 201, created.text
                assert inbound(owner, channel, text="hello", contact="other")
                assert not release.is_set()
                [running] = runs(owner, workflow["id"])
                assert running["state"] == "running"
                assert run_detail(owner, running["id"])["steps"] == []
            finally:
                release.set()
            [done] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
        assert len(seen) == 1
        call, flag = run_detail(owner, done["id"])["steps"]
        assert (call["status"], call["attempts"], call["output"]["status"]) == ("succeeded", 1, 200)
        assert flag["status"] == "succeeded"


# ask_question -------------------------------------------------------------------------


def test_ask_question_saves_the_answer_and_leaves_by_answered(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    define(owner, "email_given")
    channel = api_channel(owner)
    workflow = publish(
        owner,
        graph(
            keyword("lead"),
            [
                {
                    "id": "ask",
                    "type": "ask_question",
                    "params": {
                        "text": "Your email?",
                        "save_to_attribute": "email_given",
                        "timeout_minutes": 60,
                    },
                },
                {
                    "id": "thanks",
                    "type": "send_message",
                    "params": {"text": "Thanks, {{contact.attributes.email_given}}"},
                },
                {"id": "late", "type": "add_tag", "params": {"tags": ["no-answer"]}},
            ],
            [("trigger", "ask"), ("ask", "thanks", "answered"), ("ask", "late", "timeout")],
        ),
    )
    first = inbound(owner, channel, text="lead", contact="lead-1")
    [waiting] = wait_for_runs(owner, workflow["id"], 1, {"waiting"})
    conversation = first["conversation_id"]
    assert [m["text"] for m in messages(owner, conversation) if m["direction"] == "out"] == [
        "Your email?"
    ]
    inbound(owner, channel, text="mei@example.com", contact="lead-1")
    [done] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
    assert done["id"] == waiting["id"]
    contact = owner.request("GET", owner.ws(f"/contacts/{done['contact_id']}")).json()
    assert contact["attributes"]["email_given"] == "mei@example.com"
    assert "no-answer" not in contact["tags"]
    out = [m["text"] for m in messages(owner, conversation) if m["direction"] == "out"]
    assert out == ["Your email?", "Thanks, mei@example.com"]
    ask, thanks = run_detail(owner, done["id"])["steps"]
    assert ask["output"]["answer"] == "mei@example.com"
    assert ask["output"]["saved"] is True
    assert ask["output"]["handle"] == "answered"
    assert thanks["node_id"] == "thanks"


def test_ask_question_times_out(make_server: Callable[..., Server]) -> None:
    srv = make_server(automation_poll_seconds=0.05)
    with srv.client() as client:
        owner = signup(client)
        define(owner, "size")
        channel = api_channel(owner)
        workflow = publish(
            owner,
            graph(
                keyword("size"),
                [
                    {
                        "id": "ask",
                        "type": "ask_question",
                        "params": {
                            "text": "Which size?",
                            "save_to_attribute": "size",
                            "timeout_minutes": 1,
                        },
                    },
                    {"id": "late", "type": "add_tag", "params": {"tags": ["no-answer"]}},
                ],
                [("trigger", "ask"), ("ask", "late", "timeout")],
            ),
        )
        inbound(owner, channel, text="size", contact="quiet")
        [waiting] = wait_for_runs(owner, workflow["id"], 1, {"waiting"})

        # Bring the timeout forward rather than wait a minute.
        async def due_now() -> None:
            async with srv.db.write("test_due") as s:
                await s.execute(
                    update(WorkflowRun)
                    .where(WorkflowRun.id == uuid.UUID(waiting["id"]))
                    .values(wake_at=datetime.now(UTC) - timedelta(seconds=1))
                )

        srv.run(due_now())
        [done] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
        contact = owner.request("GET", owner.ws(f"/contacts/{done['contact_id']}")).json()
        assert "no-answer" in contact["tags"]
        assert "size" not in contact["attributes"]
        # A message after the timeout is no answer any more.
        inbound(owner, channel, text="XL", contact="quiet")
        wait_until(lambda: len(runs(owner, workflow["id"])) == 1, 2, "no new run")
        contact = owner.request("GET", owner.ws(f"/contacts/{done['contact_id']}")).json()
        assert "size" not in contact["attributes"]


# assign -------------------------------------------------------------------------------


def test_assign_round_robin_and_least_busy(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    channel = api_channel(owner)
    agents = [join(owner, "agent") for _ in range(2)]
    team = owner.request("POST", owner.ws("/teams"), json={"name": "Sales"}).json()
    for agent in agents:
        added = owner.request(
            "POST", owner.ws(f"/teams/{team['id']}/members"), json={"user_id": agent.user_id}
        )
        assert added.status_code == 204, added.text
    turns = publish(
        owner,
        graph(
            keyword("sales"),
            [
                {
                    "id": "give",
                    "type": "assign",
                    "params": {"mode": "team_round_robin", "team_id": team["id"]},
                }
            ],
            [("trigger", "give")],
        ),
        "turns",
    )
    assigned = []
    for n in range(3):
        received = inbound(owner, channel, text="sales", contact=f"rr-{n}")
        wait_for_runs(owner, turns["id"], n + 1, {"completed"})
        got = owner.request("GET", owner.ws(f"/conversations/{received['conversation_id']}")).json()
        assert got["team_id"] == team["id"]
        assigned.append(got["assignee_user_id"])
    members = sorted(a.user_id for a in agents)
    assert assigned[0] != assigned[1]
    assert assigned[2] == assigned[0]
    assert sorted(assigned[:2]) == members
    # Least busy over the whole workspace: the owner has no open conversation assigned.
    least = publish(
        owner,
        graph(
            keyword("help"),
            [{"id": "give", "type": "assign", "params": {"mode": "least_busy"}}],
            [("trigger", "give")],
        ),
        "least",
    )
    received = inbound(owner, channel, text="help", contact="lb")
    wait_for_runs(owner, least["id"], 1, {"completed"})
    got = owner.request("GET", owner.ws(f"/conversations/{received['conversation_id']}")).json()
    assert got["assignee_user_id"] == owner.user_id


# start_workflow -------------------------------------------------------------------------


def test_start_workflow_runs_a_child_and_refuses_itself(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    channel = api_channel(owner)
    child = publish(
        owner,
        graph(
            {"type": "manual"},
            [{"id": "tag", "type": "add_tag", "params": {"tags": ["child-ran"]}}],
            [("trigger", "tag")],
        ),
        "child",
    )
    parent = publish(
        owner,
        graph(
            keyword("go"),
            [{"id": "start", "type": "start_workflow", "params": {"workflow_id": child["id"]}}],
            [("trigger", "start")],
        ),
        "parent",
    )
    inbound(owner, channel, text="go", contact="family")
    [done] = wait_for_runs(owner, parent["id"], 1, {"completed"})
    [kid] = wait_for_runs(owner, child["id"], 1, {"completed"})
    assert kid["parent_run_id"] == done["id"]
    assert kid["depth"] == done["depth"] + 1
    assert kid["contact_id"] == done["contact_id"]
    contact = owner.request("GET", owner.ws(f"/contacts/{done['contact_id']}")).json()
    assert "child-ran" in contact["tags"]
    # A workflow starting itself does not validate.
    selfish = owner.request(
        "POST",
        owner.ws("/workflows"),
        json={"name": "self", "graph": graph(keyword("me"), [], [])},
    ).json()
    body = graph(
        keyword("me"),
        [{"id": "start", "type": "start_workflow", "params": {"workflow_id": selfish["id"]}}],
        [("trigger", "start")],
    )
    owner.request("PATCH", owner.ws(f"/workflows/{selfish['id']}"), json={"graph": body})
    checked = owner.request("POST", owner.ws(f"/workflows/{selfish['id']}/validate")).json()
    assert not checked["valid"]
    assert any("itself" in p["message"] for p in checked["problems"])


# wait modes -----------------------------------------------------------------------------


def test_next_time_of_day_in_a_timezone() -> None:
    now = datetime(2026, 3, 7, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    assert next_time(now, "10:00", "Asia/Shanghai") == datetime(2026, 3, 7, 2, 0, tzinfo=UTC)
    assert next_time(now, "09:00", "Asia/Shanghai") == datetime(2026, 3, 8, 1, 0, tzinfo=UTC)
    # Across New York's change to daylight saving time (8 March 2026).
    ny = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)  # 23:00 on the 7th, EST
    assert next_time(ny, "09:00", "America/New_York") == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)


def test_wait_until_time_and_until_attribute(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    define(owner, "renewal", "date")
    define(owner, "trial_end", "date")
    channel = api_channel(owner)
    workflow = publish(
        owner,
        graph(
            keyword("plan"),
            [
                {
                    "id": "past",
                    "type": "wait",
                    "params": {"mode": "until_attribute", "key": "trial_end"},
                },
                {
                    "id": "later",
                    "type": "wait",
                    "params": {"mode": "until_attribute", "key": "renewal", "offset_minutes": -60},
                },
                {
                    "id": "morning",
                    "type": "wait",
                    "params": {"mode": "until_time", "time": "09:00", "timezone": "Asia/Shanghai"},
                },
            ],
            [("trigger", "past"), ("past", "later"), ("later", "morning")],
        ),
    )
    received = inbound(owner, channel, text="hi", contact="planner")
    contact_id = owner.request(
        "GET", owner.ws(f"/conversations/{received['conversation_id']}")
    ).json()["contact_id"]
    renewal = (datetime.now(UTC) + timedelta(days=30)).date()
    patched = owner.request(
        "PATCH",
        owner.ws(f"/contacts/{contact_id}"),
        json={"attributes": {"trial_end": "2020-01-01", "renewal": renewal.isoformat()}},
    )
    assert patched.status_code == 200, patched.text
    inbound(owner, channel, text="plan", contact="planner")
    [waiting] = wait_for_runs(owner, workflow["id"], 1, {"waiting"})
    steps = run_detail(owner, waiting["id"])["steps"]
    assert [s["node_id"] for s in steps] == ["past", "later"]
    assert steps[0]["output"]["past"] is True
    expected = datetime.combine(renewal, datetime.min.time(), UTC) - timedelta(hours=1)
    assert datetime.fromisoformat(steps[1]["output"]["wake_at"]) == expected
    assert (
        datetime.fromisoformat(waiting["wake_at"]).replace(tzinfo=UTC) == expected
        or datetime.fromisoformat(waiting["wake_at"]) == expected
    )


# dry runs -------------------------------------------------------------------------------


def test_a_dry_run_shows_the_reply_and_does_nothing(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    channel = api_channel(owner)
    received = inbound(owner, channel, text="hello", contact="tester", name="Ana")
    conversation = received["conversation_id"]
    contact_id = owner.request("GET", owner.ws(f"/conversations/{conversation}")).json()[
        "contact_id"
    ]
    workflow = publish(
        owner,
        graph(
            keyword("never-sent"),
            [
                {"id": "pause", "type": "wait", "params": {"mode": "duration", "seconds": 3600}},
                {
                    "id": "check",
                    "type": "condition",
                    "params": {
                        "match": "all",
                        "rules": [{"field": "contact.name", "op": "eq", "value": "Ana"}],
                    },
                },
                {"id": "reply", "type": "send_message", "params": {"text": "Hi {{contact.name}}!"}},
                {"id": "tag", "type": "add_tag", "params": {"tags": ["tested"]}},
                {
                    "id": "call",
                    "type": "http_request",
                    "params": {
                        "method": "POST",
                        "url": "http://127.0.0.1:9/x",
                        "headers": {"Authorization": "Bearer k"},
                    },
                },
            ],
            [
                ("trigger", "pause"),
                ("pause", "check"),
                ("check", "reply", "true"),
                ("reply", "tag"),
                ("tag", "call"),
            ],
        ),
    )
    started = owner.request(
        "POST",
        owner.ws(f"/workflows/{workflow['id']}/runs"),
        json={"contact_id": contact_id, "dry_run": True},
    )
    assert started.status_code == 202, started.text
    [done] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
    steps = {s["node_id"]: s for s in run_detail(owner, done["id"])["steps"]}
    assert steps["pause"]["output"]["dry_run"] is True
    assert steps["check"]["output"]["result"] is True
    assert steps["reply"]["output"]["would"]["send"] == {"text": "Hi Ana!"}
    assert steps["tag"]["output"]["would"] == {"add_tag": ["tested"]}
    assert steps["call"]["output"]["would"]["request"]["headers"] == {"Authorization": "***"}
    assert [m for m in messages(owner, conversation) if m["direction"] == "out"] == []
    contact = owner.request("GET", owner.ws(f"/contacts/{contact_id}")).json()
    assert "tested" not in contact["tags"]
