"""`customer_waiting` / `agent_waiting`: timers armed by messages, checked again when due,
counted in business hours; and adding business time across nights, weekends, holidays and
time zones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from relaydesk.domains.automation.business_hours import (
    BusinessHoursIn,
    add_business_minutes,
    add_business_time,
)
from tests.automation import graph, messages, publish, run_detail, wait_for_runs
from tests.conftest import signup
from tests.harness import Server
from tests.messaging import api_channel, inbound
from tests.outbound_fakes import reply

# One trigger "minute" lasts this many seconds on the server below.
UNIT = 0.5

OFFICE = BusinessHoursIn(
    timezone="Asia/Shanghai",
    weekly={
        d: [("09:00", "12:00"), ("13:00", "18:00")] for d in ("mon", "tue", "wed", "thu", "fri")
    },
    holidays=["2026-10-01"],  # a Thursday
)


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)  # type: ignore[misc]


def test_business_minutes_inside_one_interval() -> None:
    start = shanghai(2026, 9, 28, 10, 0)  # Monday 10:00
    assert add_business_minutes(OFFICE, start, 30) == shanghai(2026, 9, 28, 10, 30)


def test_business_minutes_skip_lunch_and_the_night() -> None:
    start = shanghai(2026, 9, 28, 11, 50)  # 10 min before lunch
    assert add_business_minutes(OFFICE, start, 20) == shanghai(2026, 9, 28, 13, 10)
    evening = shanghai(2026, 9, 28, 17, 45)  # 15 min before closing
    assert add_business_minutes(OFFICE, evening, 30) == shanghai(2026, 9, 29, 9, 15)
    night = shanghai(2026, 9, 28, 23, 0)  # closed: counting starts at the next opening
    assert add_business_minutes(OFFICE, night, 5) == shanghai(2026, 9, 29, 9, 5)


def test_business_minutes_skip_weekends_and_holidays() -> None:
    friday = shanghai(2026, 10, 2, 17, 50)
    assert add_business_minutes(OFFICE, friday, 20) == shanghai(2026, 10, 5, 9, 10)
    wednesday = shanghai(2026, 9, 30, 17, 59)  # Thursday 1 October is a holiday
    assert add_business_minutes(OFFICE, wednesday, 2) == shanghai(2026, 10, 2, 9, 1)
    saturday = shanghai(2026, 10, 3, 10, 0)
    assert add_business_minutes(OFFICE, saturday, 60) == shanghai(2026, 10, 5, 10, 0)
    # A whole working day (8 hours) from Monday 9:00 ends Monday 18:00.
    assert add_business_minutes(OFFICE, shanghai(2026, 9, 28, 9, 0), 480) == shanghai(
        2026, 9, 28, 18, 0
    )


def test_business_minutes_in_other_time_zones_and_across_clock_changes() -> None:
    berlin = BusinessHoursIn(timezone="Europe/Berlin", weekly={"sun": [("00:00", "24:00")]})
    # Sunday 29 March 2026 lasts 23 hours in Berlin (clocks go 02:00 → 03:00).
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # Sunday 00:00 in Berlin (UTC+1)
    assert add_business_minutes(berlin, start, 23 * 60) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    # The 24th hour is the next Sunday's first.
    assert add_business_minutes(berlin, start, 24 * 60) == datetime(2026, 4, 4, 23, 0, tzinfo=UTC)
    new_york = BusinessHoursIn(timezone="America/New_York", weekly={"mon": [("09:00", "10:00")]})
    monday = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)  # Monday 09:30 in New York
    assert add_business_time(new_york, monday, timedelta(minutes=45)) == datetime(
        2026, 1, 12, 14, 15, tzinfo=UTC
    )


def test_business_minutes_without_a_schedule_or_never_open() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert add_business_minutes(None, start, 90) == start + timedelta(minutes=90)
    assert add_business_minutes(BusinessHoursIn(), start, 1) is None


@pytest.fixture(scope="module")
def fast(make_server: Callable[..., Server]) -> Server:
    return make_server(automation_wait_unit_seconds=UNIT)


def escalation(minutes: int, business_hours: bool = False) -> dict[str, Any]:
    return graph(
        {
            "type": "customer_waiting",
            "params": {"minutes": minutes, "business_hours": business_hours},
        },
        [
            {"id": "tag", "type": "add_tag", "params": {"tags": ["escalated"]}},
            {"id": "urgent", "type": "set_priority", "params": {"priority": "urgent"}},
        ],
        [("trigger", "tag"), ("tag", "urgent")],
    )


def contact_tags(owner: Any, contact_id: str) -> list[str]:
    answer = owner.request("GET", owner.ws(f"/contacts/{contact_id}"))
    assert answer.status_code == 200, answer.text
    tags: list[str] = answer.json()["tags"]
    return tags


def test_no_reply_escalation_fires_only_when_no_agent_replied(fast: Server) -> None:
    with fast.client() as client:
        owner = signup(client)
        channel = api_channel(owner)
        workflow = publish(owner, escalation(minutes=4), "No reply")
        answered = inbound(owner, channel, text="anyone?", contact="answered")
        waiting = inbound(owner, channel, text="hello?", contact="ignored")
        # A second message restarts the wait of the same conversation: one fire, not two.
        waiting = inbound(owner, channel, text="hello??", contact="ignored")
        reply(owner, answered["conversation_id"], text="Here!")
        [skipped] = wait_for_runs(owner, workflow["id"], 1, {"skipped"})
        assert skipped["reason"] == "automation.replied"
        assert skipped["conversation_id"] == answered["conversation_id"]
        [fired] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
        assert fired["conversation_id"] == waiting["conversation_id"]
        assert fired["trigger_type"] == "customer_waiting"
        steps = run_detail(owner, fired["id"])["steps"]
        assert [s["node_id"] for s in steps] == ["tag", "urgent"]
        # The escalation came after the wait, counted from the last message.
        due = datetime.fromisoformat(steps[0]["started_at"])
        sent = datetime.fromisoformat(messages(owner, waiting["conversation_id"])[-1]["created_at"])
        assert due >= sent + timedelta(seconds=4 * UNIT)
        assert contact_tags(owner, fired["contact_id"]) == ["escalated"]
        # By now the answered conversation is past its due time too: it never fired.
        all_runs = owner.request("GET", owner.ws(f"/workflows/{workflow['id']}/runs")).json()
        states = sorted((r["state"], r["reason"]) for r in all_runs["items"])
        assert states == [("completed", None), ("skipped", "automation.replied")]
        assert contact_tags(owner, skipped["contact_id"]) == []


def test_the_wait_counts_business_hours_only(fast: Server) -> None:
    with fast.client() as client:
        owner = signup(client)
        channel = api_channel(owner)
        now = datetime.now(UTC)
        # Open one hour a day, starting two hours from now (UTC): closed right now.
        opens_hour = (now.hour + 2) % 24
        window = (
            f"{opens_hour:02d}:00",
            "24:00" if opens_hour == 23 else f"{opens_hour + 1:02d}:00",
        )
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        schedule = {"timezone": "UTC", "weekly": {d: [list(window)] for d in days}, "holidays": []}
        saved = owner.request("PUT", owner.ws("/business-hours"), json=schedule)
        assert saved.status_code == 200, saved.text
        workflow = publish(owner, escalation(minutes=6, business_hours=True), "Office hours")
        received = inbound(owner, channel, text="are you there?", contact="night owl")
        [armed] = wait_for_runs(owner, workflow["id"], 1, {"waiting"})
        sent = datetime.fromisoformat(
            messages(owner, received["conversation_id"])[-1]["created_at"]
        )
        opening = sent.replace(hour=opens_hour, minute=0, second=0, microsecond=0)
        if opening <= sent:
            opening += timedelta(days=1)
        assert datetime.fromisoformat(armed["wake_at"]) == opening + timedelta(seconds=6 * UNIT)
        assert armed["conversation_id"] == received["conversation_id"]
        assert contact_tags(owner, armed["contact_id"]) == []


def test_agent_waiting_fires_when_the_customer_stays_silent(fast: Server) -> None:
    with fast.client() as client:
        owner = signup(client)
        channel = api_channel(owner)
        workflow = publish(
            owner,
            graph(
                {"type": "agent_waiting", "params": {"minutes": 2}},
                [{"id": "nudge", "type": "send_message", "params": {"text": "Still there?"}}],
                [("trigger", "nudge")],
            ),
            "Follow up",
        )
        received = inbound(owner, channel, text="question", contact="quiet")
        reply(owner, received["conversation_id"], text="Answer")
        [fired] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
        assert fired["conversation_id"] == received["conversation_id"]
        # Its own follow-up does not arm the workflow again.
        detail = run_detail(owner, fired["id"])
        assert [s["status"] for s in detail["steps"]] == ["succeeded"]
        runs_now = owner.request("GET", owner.ws(f"/workflows/{workflow['id']}/runs")).json()
        assert [r["state"] for r in runs_now["items"]] == ["completed"]


def test_waiting_triggers_validate(client: httpx.Client) -> None:
    owner = signup(client)
    created = owner.request(
        "POST",
        owner.ws("/workflows"),
        json={
            "name": "bad",
            "graph": graph(
                {"type": "customer_waiting", "params": {"minutes": 0}},
                [{"id": "t", "type": "add_tag", "params": {"tags": ["x"]}}],
                [("trigger", "t")],
            ),
        },
    )
    assert created.status_code == 201, created.text
    checked = owner.request("POST", owner.ws(f"/workflows/{created.json()['id']}/validate"))
    problems = checked.json()["problems"]
    assert checked.json()["valid"] is False
    assert [p["code"] for p in problems] == ["automation.invalid_params"]
