"""Schedule, webhook and manual triggers: tick computation and backfill, ticks fired once by
two servers on one database, the webhook endpoint with its secret, and manual and bulk
starts through the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from relaydesk.domains.automation.engine.scheduler import Scheduler
from relaydesk.domains.automation.models import ScheduleTick, WorkflowRun, WorkflowVersion
from relaydesk.domains.automation.triggers.schedule import due_ticks, next_tick
from tests.automation import WAIT, graph, publish, run_detail, runs, wait_for_runs
from tests.conftest import Account, assert_problem, join, signup
from tests.harness import Server, make_settings, running_server, throwaway_database, wait_until

# Without a contact the tag step is skipped and the run completes.
STOP = [{"id": "end", "type": "add_tag", "params": {"tags": ["ticked"]}}]
TO_STOP = [("trigger", "end")]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Tick computation ---------------------------------------------------------------------


def test_skip_fires_only_a_latest_tick_that_is_still_fresh() -> None:
    since = _at("2026-03-01T06:00:00")
    grace = timedelta(seconds=10)
    # Down from 06:00 to 09:00:05: the 07:00 and 08:00 ticks are skipped, 09:00 fires.
    due = due_ticks(
        "0 * * * *", "UTC", since=since, now=_at("2026-03-01T09:00:05"), backfill="skip",
        grace=grace, cap=100,
    )  # fmt: skip
    assert due.ticks == [_at("2026-03-01T09:00:00")]
    # Back at 09:30: even the latest tick is too old to fire.
    late = due_ticks(
        "0 * * * *", "UTC", since=since, now=_at("2026-03-01T09:30:00"), backfill="skip",
        grace=grace, cap=100,
    )  # fmt: skip
    assert late.ticks == []
    # A tick already claimed is not due again.
    claimed = due_ticks(
        "0 * * * *", "UTC", since=_at("2026-03-01T09:00:00"), now=_at("2026-03-01T09:00:05"),
        backfill="skip", grace=grace, cap=100,
    )  # fmt: skip
    assert claimed.ticks == []


def test_once_fires_every_missed_tick_up_to_the_cap() -> None:
    since = _at("2026-03-01T06:00:00")
    due = due_ticks(
        "0 * * * *", "UTC", since=since, now=_at("2026-03-01T09:30:00"), backfill="once",
        grace=timedelta(seconds=10), cap=100,
    )  # fmt: skip
    assert due.ticks == [_at(f"2026-03-01T0{h}:00:00") for h in (7, 8, 9)]
    assert not due.dropped
    capped = due_ticks(
        "* * * * * *", "UTC", since=since, now=_at("2026-03-01T09:30:00"), backfill="once",
        grace=timedelta(seconds=10), cap=5,
    )  # fmt: skip
    assert capped.dropped
    assert capped.ticks == [_at(f"2026-03-01T09:29:5{s}") for s in range(6, 10)] + [
        _at("2026-03-01T09:30:00")
    ]


def test_ticks_are_in_the_workflows_timezone_across_daylight_saving() -> None:
    # 09:00 in Shanghai is 01:00 UTC.
    assert next_tick("0 9 * * *", "Asia/Shanghai", _at("2026-03-01T02:00:00")) == _at(
        "2026-03-02T01:00:00"
    )
    # New York moves to summer time on 2026-03-08: 09:00 there is 14:00, then 13:00 UTC.
    due = due_ticks(
        "0 9 * * *", "America/New_York", since=_at("2026-03-06T00:00:00"),
        now=_at("2026-03-09T23:00:00"), backfill="once", grace=timedelta(seconds=1), cap=10,
    )  # fmt: skip
    assert due.ticks == [
        _at("2026-03-06T14:00:00"),
        _at("2026-03-07T14:00:00"),
        _at("2026-03-08T13:00:00"),
        _at("2026-03-09T13:00:00"),
    ]


# Validation ---------------------------------------------------------------------------


def _problems(owner: Account, body: dict[str, Any]) -> list[dict[str, Any]]:
    created = owner.request("POST", owner.ws("/workflows"), json={"name": "v", "graph": body})
    assert created.status_code == 201, created.text
    answer = owner.request("POST", owner.ws(f"/workflows/{created.json()['id']}/validate"))
    problems: list[dict[str, Any]] = answer.json()["problems"]
    return problems


def test_schedule_webhook_and_manual_validate_and_are_available(client: httpx.Client) -> None:
    owner = signup(client)
    for trigger in (
        {"type": "schedule", "params": {"cron": "0 9 * * 1-5", "timezone": "Asia/Shanghai"}},
        {"type": "schedule", "params": {"cron": "*/10 * * * * *", "backfill": "once"}},
        {"type": "webhook", "params": {}},
        {"type": "manual", "params": {}},
    ):
        assert _problems(owner, graph(trigger, STOP, TO_STOP)) == [], trigger
    bad = _problems(
        owner,
        graph(
            {"type": "schedule", "params": {"cron": "61 * * * *", "timezone": "Mars/Base"}},
            STOP,
            TO_STOP,
        ),
    )
    assert {p["code"] for p in bad} == {"automation.invalid_cron", "automation.invalid_timezone"}
    seven = graph({"type": "schedule", "params": {"cron": "* * * * * * *"}}, STOP, TO_STOP)
    assert _problems(owner, seven)[0]["code"] == "automation.invalid_cron"
    # trigger.body.* is a variable of webhook workflows only.
    tag = [{"id": "tag", "type": "add_tag", "params": {"tags": ["{{trigger.body.plan}}"]}}]
    assert _problems(owner, graph({"type": "webhook"}, tag, [("trigger", "tag")])) == []
    [problem] = _problems(owner, graph({"type": "manual"}, tag, [("trigger", "tag")]))
    assert problem["code"] == "automation.unknown_variable"


# Schedules ----------------------------------------------------------------------------


def _db_scalar(server: Server, query: Any) -> Any:
    async def read() -> Any:
        async with server.db.read("test") as s:
            return await s.scalar(query)

    return server.run(read())


def test_a_tick_fires_once_with_two_servers_on_one_database(tmp_path: Path) -> None:
    with throwaway_database(tmp_path) as url:
        settings = [
            make_settings(
                tmp_path / name, url, automation_schedule_poll_seconds=0.2, executor_id=name
            )
            for name in ("first", "second")
        ]
        for s in settings:
            s.data_dir.mkdir(parents=True, exist_ok=True)
        with (
            running_server(settings[0]) as first,
            running_server(settings[1], migrate=False) as second,
            first.client() as client,
        ):
            owner = signup(client)
            every_second = graph(
                {"type": "schedule", "params": {"cron": "* * * * * *"}}, STOP, TO_STOP
            )
            workflow = publish(owner, every_second, "Every second")
            wid = uuid.UUID(workflow["id"])
            wait_for_runs(owner, workflow["id"], 3, {"completed"})
            off = owner.request("POST", owner.ws(f"/workflows/{workflow['id']}/unpublish"))
            assert off.status_code == 200, off.text
            # Both servers fired ticks: claims by one are skipped by the other.
            ticks = _db_scalar(first, select(func.count()).where(ScheduleTick.workflow_id == wid))
            claimers = _db_scalar(
                second,
                select(func.count(func.distinct(ScheduleTick.claimed_by))).where(
                    ScheduleTick.workflow_id == wid
                ),
            )
            started = _db_scalar(first, select(func.count()).where(WorkflowRun.workflow_id == wid))
            assert started == ticks >= 3
            assert claimers >= 1
            seen = [run_detail(owner, r["id"])["context"]["trigger"]["tick_at"] for r in runs(
                owner, workflow["id"], limit=100
            )]  # fmt: skip
            assert len(seen) == len(set(seen)) == started


@pytest.fixture(scope="module")
def quiet(make_server: Callable[..., Server]) -> Server:
    """A server whose engine does not run: the tests drive the scheduler's passes."""
    return make_server(automation_enabled=False, automation_bulk_max_contacts=3)


def _backdate(server: Server, workflow_id: str, when: datetime) -> None:
    async def write() -> None:
        async with server.db.write("test_backdate") as s:
            await s.execute(
                update(WorkflowVersion)
                .where(WorkflowVersion.workflow_id == uuid.UUID(workflow_id))
                .values(created_at=when)
            )

    server.run(write())


def _scheduler(server: Server, name: str) -> Scheduler:
    return Scheduler(server.db, name, grace=timedelta(seconds=5), backfill_max=100, max_contacts=3)


def test_backfill_once_fires_each_missed_tick_and_skip_only_a_fresh_one(quiet: Server) -> None:
    with quiet.client() as client:
        owner = signup(client)
        hourly = {"cron": "0 * * * *", "timezone": "Asia/Shanghai"}
        once = publish(
            owner,
            graph({"type": "schedule", "params": {**hourly, "backfill": "once"}}, STOP, TO_STOP),
        )
        skip = publish(owner, graph({"type": "schedule", "params": hourly}, STOP, TO_STOP))
        published = _at("2026-03-01T00:30:00")
        for workflow in (once, skip):
            _backdate(quiet, workflow["id"], published)
        scheduler = _scheduler(quiet, "a")
        # Back after three hours and a bit: `once` catches up 01:00, 02:00 and 03:00 UTC;
        # `skip` fires nothing (its latest tick is ten minutes old).
        fired = quiet.run(scheduler.fire_due(_at("2026-03-01T03:10:00")))
        assert (fired.ticks, fired.runs) == (3, 3)
        assert fired.next_due == _at("2026-03-01T04:00:00")
        assert len(runs(owner, once["id"])) == 3
        assert runs(owner, skip["id"]) == []
        ticks = sorted(
            run_detail(owner, r["id"])["context"]["trigger"]["tick_at"]
            for r in runs(owner, once["id"])
        )
        assert ticks == [f"2026-03-01T0{h}:00:00+00:00" for h in (1, 2, 3)]
        # Another process's pass at the same moment finds every tick claimed.
        again = quiet.run(_scheduler(quiet, "b").fire_due(_at("2026-03-01T03:10:01")))
        assert (again.ticks, again.runs) == (0, 0)
        # Just after 04:00 both fire that tick once.
        on_time = quiet.run(scheduler.fire_due(_at("2026-03-01T04:00:02")))
        assert (on_time.ticks, on_time.runs) == (2, 2)
        assert len(runs(owner, once["id"])) == 4
        assert len(runs(owner, skip["id"])) == 1
        assert all(r["trigger_type"] == "schedule" for r in runs(owner, skip["id"]))
        for workflow in (once, skip):
            _unpublish(owner, workflow["id"])


def _unpublish(owner: Account, workflow_id: str) -> None:
    """The module's scheduler tests share a server: leave nothing to tick for the next."""
    answer = owner.request("POST", owner.ws(f"/workflows/{workflow_id}/unpublish"))
    assert answer.status_code == 200, answer.text


def test_a_schedule_with_contact_tags_starts_one_run_per_tagged_contact(quiet: Server) -> None:
    with quiet.client() as client:
        owner = signup(client)
        tagged = [_contact(owner, ["vip", "cn"]) for _ in range(2)]
        _contact(owner, ["vip"])
        workflow = publish(
            owner,
            graph(
                {
                    "type": "schedule",
                    "params": {"cron": "0 9 * * *", "contact_tags": ["vip", "cn"]},
                },
                STOP,
                TO_STOP,
            ),
        )
        _backdate(quiet, workflow["id"], _at("2026-03-01T00:00:00"))
        quiet.run(_scheduler(quiet, "a").fire_due(_at("2026-03-01T09:00:01")))
        assert sorted(r["contact_id"] for r in runs(owner, workflow["id"])) == sorted(tagged)
        _unpublish(owner, workflow["id"])


# Webhooks -----------------------------------------------------------------------------


def _contact(owner: Account, tags: list[str], **fields: Any) -> str:
    created = owner.request("POST", owner.ws("/contacts"), json={"tags": tags, **fields})
    assert created.status_code == 201, created.text
    contact_id: str = created.json()["id"]
    return contact_id


def _hook(
    client: httpx.Client, workflow_id: str, secret: str | None, body: Any, **headers: str
) -> httpx.Response:
    sent = {**headers, **({"X-RelayDesk-Secret": secret} if secret is not None else {})}
    return client.post(f"/hooks/automation/{workflow_id}", json=body, headers=sent)


def test_a_webhook_starts_a_run_with_its_body_for_the_named_contact(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    contact = _contact(owner, [], email="Buyer@Example.com", name="Buyer")
    body = graph(
        {"type": "webhook"},
        [
            {
                "id": "tag",
                "type": "add_tag",
                "params": {"tags": ["plan-{{trigger.body.order.plan}}"]},
            }
        ],
        [("trigger", "tag")],
    )
    workflow = publish(owner, body)
    secret = workflow["webhook_secret"]
    assert secret.startswith("rdwh_")
    shown = owner.request("GET", owner.ws(f"/workflows/{workflow['id']}")).json()
    assert shown["webhook_secret"] is None
    # Republishing keeps the secret and does not show it again.
    again = owner.request("POST", owner.ws(f"/workflows/{workflow['id']}/publish"))
    assert again.json()["webhook_secret"] is None

    # No secret, a wrong one: 401, no run.
    assert_problem(
        _hook(client, workflow["id"], None, {}), 401, "automation.webhook_secret_invalid"
    )
    assert_problem(
        _hook(client, workflow["id"], secret + "x", {}), 401, "automation.webhook_secret_invalid"
    )
    assert_problem(
        _hook(client, workflow["id"], secret, [1, 2]), 422, "automation.webhook_body_invalid"
    )
    assert_problem(_hook(client, str(uuid.uuid4()), secret, {}), 404, "not_found")
    assert runs(owner, workflow["id"]) == []

    order = {"email": "buyer@example.com", "order": {"plan": "gold", "id": 7}}
    answer = _hook(client, workflow["id"], secret, order, **{"Idempotency-Key": "order-7"})
    assert answer.status_code == 202, answer.text
    assert answer.json()["duplicate"] is False
    repeated = _hook(client, workflow["id"], secret, order, **{"Idempotency-Key": "order-7"})
    assert repeated.status_code == 202
    assert repeated.json() == {"run_id": answer.json()["run_id"], "duplicate": True}
    [run] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
    assert run["id"] == answer.json()["run_id"]
    assert run["contact_id"] == contact
    detail = run_detail(owner, run["id"])
    assert detail["context"]["trigger"]["body"] == order
    assert detail["steps"][0]["input"]["tags"] == ["plan-gold"]
    tags = owner.request("GET", owner.ws(f"/contacts/{contact}")).json()["tags"]
    assert "plan-gold" in tags

    # An unknown contact: the run starts without one, and the miss is recorded.
    unknown = _hook(client, workflow["id"], secret, {"phone": "+8613800000000"})
    assert unknown.status_code == 202, unknown.text
    wait_until(
        lambda: run_detail(owner, unknown.json()["run_id"])["state"] == "completed",
        WAIT,
        "the run without a contact",
    )
    missed = run_detail(owner, unknown.json()["run_id"])
    assert missed["contact_id"] is None
    assert missed["context"]["trigger"]["contact_lookup"] == {
        "by": "phone",
        "reason": "automation.contact_not_found",
    }
    assert missed["steps"][0]["status"] == "skipped"

    # Rotation: the old secret stops working, the new one works.
    rotated = owner.request("POST", owner.ws(f"/workflows/{workflow['id']}/webhook-secret"))
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["path"] == f"/hooks/automation/{workflow['id']}"
    new_secret = rotated.json()["secret"]
    assert new_secret != secret
    assert_problem(
        _hook(client, workflow["id"], secret, {}), 401, "automation.webhook_secret_invalid"
    )
    assert _hook(client, workflow["id"], new_secret, {}).status_code == 202

    # Unpublished: 404, even with the right secret.
    owner.request("POST", owner.ws(f"/workflows/{workflow['id']}/unpublish"))
    assert_problem(_hook(client, workflow["id"], new_secret, {}), 404, "not_found")
    assert len(runs(owner, workflow["id"])) == 3


def test_webhook_bodies_are_capped_and_secrets_only_for_webhooks(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    workflow = publish(owner, graph({"type": "webhook"}, STOP, TO_STOP))
    big = {"x": "a" * server.settings.webhook_max_bytes}
    too_large = _hook(client, workflow["id"], workflow["webhook_secret"], big)
    assert_problem(too_large, 413, "payload_too_large")
    manual = publish(owner, graph({"type": "manual"}, STOP, TO_STOP))
    assert manual["webhook_secret"] is None
    refused = owner.request("POST", owner.ws(f"/workflows/{manual['id']}/webhook-secret"))
    assert_problem(refused, 409, "automation.not_webhook")
    assert_problem(_hook(client, manual["id"], workflow["webhook_secret"], {}), 404, "not_found")
    assert runs(owner, workflow["id"]) == []


# Manual starts ------------------------------------------------------------------------


def _start(owner: Account, workflow_id: str, **body: Any) -> httpx.Response:
    return owner.request("POST", owner.ws(f"/workflows/{workflow_id}/runs"), json=body)


def test_manual_starts_for_a_contact_and_in_bulk(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    agent = join(owner, "agent")
    workflow = publish(
        owner,
        graph(
            {"type": "manual"},
            [{"id": "tag", "type": "add_tag", "params": {"tags": ["started"]}}],
            [("trigger", "tag")],
        ),
    )
    one = _contact(owner, ["lead"])
    started = _start(agent, workflow["id"], contact_id=one)
    assert started.status_code == 202, started.text
    assert started.json()["count"] == 1
    [run] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
    assert run["id"] == started.json()["run_ids"][0]
    assert run["trigger_type"] == "manual"
    assert run["dry_run"] is False
    assert "started" in owner.request("GET", owner.ws(f"/contacts/{one}")).json()["tags"]

    # Bulk: one run per contact having every tag; agents may not.
    both = [_contact(owner, ["lead", "cn"]) for _ in range(3)]
    assert_problem(
        _start(agent, workflow["id"], contact_filter={"tags": ["lead"]}),
        403,
        "workspaces.permission_denied",
    )
    bulk = _start(owner, workflow["id"], contact_filter={"tags": ["lead", "cn"]})
    assert bulk.status_code == 202, bulk.text
    assert bulk.json()["count"] == 3
    done = wait_for_runs(owner, workflow["id"], 4, {"completed"})
    assert {r["contact_id"] for r in done} == {one, *both}

    assert_problem(_start(owner, workflow["id"], contact_id=str(uuid.uuid4())), 404, "not_found")
    assert_problem(
        _start(owner, workflow["id"], contact_id=one, contact_filter={"tags": ["x"]}),
        422,
        "automation.start_target_invalid",
    )


def test_only_manual_workflows_start_by_hand_but_any_has_a_dry_run(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    contact = _contact(owner, [])
    webhook = publish(
        owner,
        graph(
            {"type": "webhook"},
            [{"id": "tag", "type": "add_tag", "params": {"tags": ["x"]}}],
            [("trigger", "tag")],
        ),
    )
    assert_problem(
        _start(owner, webhook["id"], contact_id=contact), 409, "automation.manual_start_refused"
    )
    dry = _start(owner, webhook["id"], contact_id=contact, dry_run=True)
    assert dry.status_code == 202, dry.text
    [run] = wait_for_runs(owner, webhook["id"], 1, {"completed"})
    assert run["dry_run"] is True
    assert owner.request("GET", owner.ws(f"/contacts/{contact}")).json()["tags"] == []
    draft = owner.request(
        "POST",
        owner.ws("/workflows"),
        json={"name": "d", "graph": graph({"type": "manual"}, STOP, TO_STOP)},
    ).json()
    assert_problem(_start(owner, draft["id"]), 409, "automation.not_published")


def test_a_bulk_start_over_the_cap_is_refused_whole(quiet: Server) -> None:
    with quiet.client() as client:
        owner = signup(client)
        workflow = publish(owner, graph({"type": "manual"}, STOP, TO_STOP))
        for _ in range(4):
            _contact(owner, ["many"])
        refused = _start(owner, workflow["id"], contact_filter={"tags": ["many"]})
        problem = assert_problem(refused, 422, "automation.too_many_contacts")
        assert problem["limit"] == 3
        assert runs(owner, workflow["id"]) == []
        # Without a contact: one run.
        assert _start(owner, workflow["id"]).json()["count"] == 1
