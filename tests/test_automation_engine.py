"""The runner's turns: a workflow's rate limit makes runs wait (none is dropped), and a
contact's runs never overlap while another contact's go ahead."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from relaydesk.domains.automation.models import WorkflowRun, WorkflowVersion
from tests.automation import graph, publish, run_detail, runs, wait_for_runs
from tests.conftest import signup
from tests.harness import Server, wait_until
from tests.messaging import api_channel, inbound


def _at(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _first_step(owner: Any, run_id: str) -> datetime:
    return min(_at(s["started_at"]) for s in run_detail(owner, run_id)["steps"])


def test_runs_over_the_rate_limit_wait_their_turn(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    channel = api_channel(owner)
    body = graph(
        {"type": "message_received", "params": {}},
        [{"id": "tag", "type": "add_tag", "params": {"tags": ["limited"]}}],
        [("trigger", "tag")],
    )
    body["settings"]["rate_limit_per_minute"] = 2
    workflow = publish(owner, body)
    for n in range(5):
        inbound(owner, channel, text="hi", contact=f"limited-{n}")

    def states() -> dict[str, int]:
        found: dict[str, int] = {}
        for run in runs(owner, workflow["id"]):
            found[run["state"]] = found.get(run["state"], 0) + 1
        return found

    async def a_minute_passes() -> None:
        # The window is the last minute of starts: the test moves them back instead of waiting.
        async with server.db.write("test_backdate") as s:
            await s.execute(
                update(WorkflowRun)
                .where(
                    WorkflowRun.workflow_id == uuid.UUID(workflow["id"]),
                    WorkflowRun.started_at.is_not(None),
                )
                .values(started_at=datetime.now(UTC) - timedelta(minutes=2))
            )

    for completed in (2, 4, 5):
        wait_until(
            lambda n=completed: states().get("completed", 0) >= n, 15, f"{completed} completed"
        )
        now = states()
        # Exactly the limit went in this minute; the rest wait, none dropped or failed.
        assert now == {
            "completed": completed,
            **({"pending": 5 - completed} if completed < 5 else {}),
        }
        for run in runs(owner, workflow["id"]):
            if run["state"] == "pending":
                assert run_detail(owner, run["id"])["steps"] == []
                assert _at(run["wake_at"]) > _at(run["created_at"])
        server.run(a_minute_passes())


def test_a_contacts_runs_wait_while_another_contacts_go(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    channel = api_channel(owner)
    workflow = publish(
        owner,
        graph(
            {"type": "message_received", "params": {}},
            [
                {"id": "tag", "type": "add_tag", "params": {"tags": ["served"]}},
                {"id": "more", "type": "add_tag", "params": {"tags": ["served-twice"]}},
            ],
            [("trigger", "tag"), ("tag", "more")],
        ),
    )
    first = inbound(owner, channel, text="hello", contact="contact-a")
    [a_first] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
    lease_until = datetime.now(UTC) + timedelta(seconds=2)

    async def held_by_another_process() -> uuid.UUID:
        """Contact A's run, in the middle of its steps on another executor."""
        run_id = uuid.uuid4()
        async with server.db.write("test_held_run") as s:
            version_id, version = (
                await s.execute(
                    select(WorkflowVersion.id, WorkflowVersion.version).where(
                        WorkflowVersion.workflow_id == uuid.UUID(workflow["id"])
                    )
                )
            ).one()
            now = datetime.now(UTC)
            await s.execute(
                insert(WorkflowRun).values(
                    id=run_id,
                    workspace_id=uuid.UUID(owner.workspace_id),
                    workflow_id=uuid.UUID(workflow["id"]),
                    version_id=version_id,
                    version=version,
                    state="running",
                    contact_id=uuid.UUID(a_first["contact_id"]),
                    conversation_id=uuid.UUID(first["conversation_id"]),
                    trigger_type="message_received",
                    context={"trigger": {"text": "held"}, "vars": {}},
                    wake_at=now,
                    claimed_by=f"other-executor:{uuid.uuid4().hex}",
                    lease_until=lease_until,
                    started_at=now,
                    created_at=now,
                )
            )
        return run_id

    held = server.run(held_by_another_process())
    inbound(owner, channel, text="again", contact="contact-a")
    inbound(owner, channel, text="hello", contact="contact-b")
    done = wait_for_runs(owner, workflow["id"], 4, {"completed"})
    by_contact: dict[str, list[dict[str, Any]]] = {}
    for run in done:
        by_contact.setdefault(run["contact_id"], []).append(run)
    [b_run] = [runs_[0] for c, runs_ in by_contact.items() if c != a_first["contact_id"]]
    a_second = next(
        r for r in by_contact[a_first["contact_id"]] if r["id"] not in (a_first["id"], str(held))
    )
    # B went ahead while A's run was held; A's next run began only after the held one ended.
    b_started = _first_step(owner, b_run["id"])
    assert b_started < lease_until, (b_started, lease_until)
    held_steps = run_detail(owner, str(held))["steps"]
    held_end = max(_at(s["finished_at"]) for s in held_steps)
    assert _first_step(owner, str(held)) >= lease_until
    assert _first_step(owner, a_second["id"]) >= held_end
