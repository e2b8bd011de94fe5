"""Workflow templates: every one installs published from valid params, bad params are
refused field by field, and the welcome and away messages run end to end, respecting
consent and business hours."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.automation import messages, run_detail, wait_for_runs
from tests.conftest import Account, assert_problem, signup
from tests.messaging import api_channel, inbound

TEAM = "00000000-0000-0000-0000-000000000000"  # replaced by a real team per workspace

VALID: dict[str, dict[str, Any]] = {
    "keyword-auto-reply": {"keywords": ["price"], "reply": "See our prices"},
    "welcome-new-contact": {"reply": "Welcome!"},
    "away-message": {"reply": "We are closed"},
    "escalate-waiting-customer": {"minutes": 15, "team_id": TEAM},
    "follow-up-no-reply": {"hours": 24, "text": "Any news?"},
    "collect-email-lead": {"question": "What is your email?", "tag": "lead"},
    "csat-on-resolve": {"question": "How did we do, 1 to 5?"},
    "route-by-language": {
        "rules": [{"language": "zh", "team_id": TEAM}, {"language": "en", "team_id": TEAM}]
    },
    "vip-to-team": {"tag": "vip", "team_id": TEAM},
    "reengage-whatsapp-template": {"days": 3, "template_name": "hello_again", "language": "en"},
}

BAD: dict[str, tuple[dict[str, Any], str]] = {
    "escalate-waiting-customer": ({"minutes": 0, "team_id": TEAM}, "minutes"),
    "follow-up-no-reply": ({"hours": 24}, "text"),
    "collect-email-lead": ({"question": ""}, "question"),
    "csat-on-resolve": ({}, "question"),
    "route-by-language": ({"rules": []}, "rules"),
    "vip-to-team": ({"team_id": "not-a-uuid"}, "team_id"),
    "reengage-whatsapp-template": ({"days": 3, "template_name": "x"}, "language"),
}


def team(owner: Account) -> str:
    created = owner.request("POST", owner.ws("/teams"), json={"name": "Support"})
    assert created.status_code == 201, created.text
    team_id: str = created.json()["id"]
    return team_id


def install(owner: Account, key: str, params: dict[str, Any]) -> httpx.Response:
    return owner.request(
        "POST", owner.ws(f"/workflow-templates/{key}/install"), json={"params": params}
    )


def with_team(params: dict[str, Any], team_id: str) -> dict[str, Any]:
    def swap(value: Any) -> Any:
        if value == TEAM:
            return team_id
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    result: dict[str, Any] = swap(params)
    return result


def test_all_ten_templates_are_listed_with_a_params_schema(owner: Account) -> None:
    listed = owner.request("GET", owner.ws("/workflow-templates"))
    assert listed.status_code == 200, listed.text
    by_key = {t["key"]: t for t in listed.json()}
    assert set(by_key) == set(VALID)
    for t in by_key.values():
        assert t["name"]
        assert t["description"]
        assert t["params_schema"]["type"] == "object"


@pytest.mark.parametrize("key", sorted(VALID))
def test_each_template_installs_published(owner: Account, key: str) -> None:
    installed = install(owner, key, with_team(VALID[key], team(owner)))
    if installed.status_code == 422 and "automation.not_available" in installed.text:
        missing = sorted(
            {
                p["message"]
                for p in installed.json().get("problems", [])
                if p["code"] == "automation.not_available"
            }
        )
        pytest.xfail(f"{key}: needs a node type or mode not runnable yet: {missing}")
    assert installed.status_code == 201, installed.text
    workflow = installed.json()
    assert workflow["status"] == "published"
    assert workflow["published_version"] == 1
    assert workflow["template_key"] == key


@pytest.mark.parametrize("key", sorted(BAD))
def test_bad_template_params_are_refused_by_field(owner: Account, key: str) -> None:
    params, field = BAD[key]
    problem = assert_problem(install(owner, key, params), 422, "automation.template_params_invalid")
    assert any(e["loc"][:2] == ["params", field] for e in problem["errors"]), problem


def test_welcome_greets_a_new_contact_once(owner: Account) -> None:
    channel = api_channel(owner)
    workflow = install(owner, "welcome-new-contact", {"reply": "Welcome, {{contact.name}}!"})
    assert workflow.status_code == 201, workflow.text
    first = inbound(owner, channel, text="hi", contact="newbie", name="Mei")
    [run] = wait_for_runs(owner, workflow.json()["id"], 1, {"completed"})
    # The conversation's second message is not a first message.
    inbound(owner, channel, text="again", contact="newbie")
    out = [m for m in messages(owner, first["conversation_id"]) if m["direction"] == "out"]
    assert [m["text"] for m in out] == ["Welcome, Mei!"]
    assert out[0]["sender_type"] == "bot"
    assert run_detail(owner, run["id"])["steps"][0]["output"]["message_id"] == out[0]["id"]


def _hours(open_now: bool) -> dict[str, Any]:
    now = datetime.now(UTC)
    # Open all day today (UTC) or all day tomorrow only.
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[
        (now.weekday() + (0 if open_now else 1)) % 7
    ]
    return {"timezone": "UTC", "weekly": {day: [["00:00", "24:00"]]}, "holidays": []}


@pytest.mark.parametrize("open_now", [False, True])
def test_away_message_only_outside_business_hours(client: httpx.Client, open_now: bool) -> None:
    owner = signup(client)
    saved = owner.request("PUT", owner.ws("/business-hours"), json=_hours(open_now))
    assert saved.status_code == 200, saved.text
    channel = api_channel(owner)
    workflow = install(owner, "away-message", {"reply": "We are closed, back soon"})
    assert workflow.status_code == 201, workflow.text
    received = inbound(owner, channel, text="hello", contact="late")
    [run] = wait_for_runs(owner, workflow.json()["id"], 1, {"completed"})
    out = [
        m["text"] for m in messages(owner, received["conversation_id"]) if m["direction"] == "out"
    ]
    steps = run_detail(owner, run["id"])["steps"]
    if open_now:
        assert out == []
        assert [s["node_id"] for s in steps] == ["closed"]
    else:
        assert out == ["We are closed, back soon"]
        assert [s["node_id"] for s in steps] == ["closed", "away"]


def test_an_opted_out_contact_gets_no_automatic_reply(owner: Account) -> None:
    channel = api_channel(owner)
    workflow = install(owner, "keyword-auto-reply", {"keywords": ["price"], "reply": "Prices!"})
    assert workflow.status_code == 201, workflow.text
    first = inbound(owner, channel, text="hi", contact="quiet-one")
    conversation = owner.request("GET", owner.ws(f"/conversations/{first['conversation_id']}"))
    contact_id = conversation.json()["contact_id"]
    opted_out = owner.request(
        "PUT",
        owner.ws(f"/contacts/{contact_id}/consents/{channel}"),
        json={"status": "opted_out", "source": "reply_stop"},
    )
    assert opted_out.status_code == 200, opted_out.text
    inbound(owner, channel, text="price?", contact="quiet-one")
    [run] = wait_for_runs(owner, workflow.json()["id"], 1, {"completed"})
    [step] = run_detail(owner, run["id"])["steps"]
    assert step["status"] == "skipped"
    assert step["output"]["reason"] == "consent.opted_out"
    out = [m for m in messages(owner, first["conversation_id"]) if m["direction"] == "out"]
    assert out == []
