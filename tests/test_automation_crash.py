"""A real `relaydesk serve` killed with SIGKILL while a run waits: after a restart under the
same executor id the reply goes out once, at or after its due time, with one step row per
node. And a run held by an executor that died is taken over by another process once its
lease has run out, not before."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from relaydesk.db import Database
from relaydesk.db.database import create_engine
from relaydesk.domains.automation.models import WorkflowRun, WorkflowVersion
from relaydesk.domains.channels.models import OutboundJob
from tests.automation import graph, publish, run_detail, runs, wait_for_runs
from tests.conftest import Account, Post, signup
from tests.harness import TEST_SECRET, serve_process_handle, wait_until
from tests.messaging import create_channel, inbound

WAIT_SECONDS = 3
MESSAGE = {"type": "message_received"}


def _env(cli_env: dict[str, str], executor: str) -> dict[str, str]:
    return {
        **cli_env,
        "RELAYDESK_SECRET_KEY": TEST_SECRET,
        "RELAYDESK_EXECUTOR_ID": executor,
        "RELAYDESK_OUTBOUND_POLL_SECONDS": "0.2",
        "RELAYDESK_AUTOMATION_POLL_SECONDS": "0.2",
        "RELAYDESK_LOG_FORMAT": "console",
    }


def _database(env: dict[str, str]) -> Database:
    return Database(create_engine(make_url(env["RELAYDESK_DATABASE_URL"])))


def _queued_jobs(env: dict[str, str]) -> int:
    async def count() -> int:
        db = _database(env)
        try:
            async with db.read("test_jobs") as s:
                return int(await s.scalar(select(func.count()).select_from(OutboundJob)) or 0)
        finally:
            await db.dispose()

    return asyncio.run(count())


def _at(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_sigkill_while_a_run_waits_sends_once_after_the_wait(
    cli_env: dict[str, str], tmp_path: Path, sink: tuple[str, list[Post]]
) -> None:
    url, posts = sink
    env = _env(cli_env, "automation-crash-executor")
    data = tmp_path / "data"
    with serve_process_handle(env, data) as (base, process), httpx.Client(base_url=base) as c:
        owner = signup(c)
        channel = create_channel(owner, {"type": "api", "name": "Crash", "outbound_url": url})
        workflow = publish(
            owner,
            graph(
                {**MESSAGE, "params": {"keywords": {"mode": "contains", "values": ["later"]}}},
                [
                    {
                        "id": "pause",
                        "type": "wait",
                        "params": {"mode": "duration", "seconds": WAIT_SECONDS},
                    },
                    {"id": "reply", "type": "send_message", "params": {"text": "after the wait"}},
                ],
                [("trigger", "pause"), ("pause", "reply")],
            ),
        )
        inbound(owner, channel["id"], text="tell me later", contact="sleeper")
        [waiting] = wait_for_runs(owner, workflow["id"], 1, {"waiting"})
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    assert posts == [], "the reply went before the wait was over"
    due = _at(waiting["wake_at"])
    with serve_process_handle(env, data) as (base, _), httpx.Client(base_url=base) as c:
        again = dataclasses.replace(owner, client=c)
        [done] = wait_for_runs(again, workflow["id"], 1, {"completed"})
        wait_until(lambda: _queued_jobs(env) == 0 and bool(posts), 15, "the reply to be sent")
        detail = run_detail(again, done["id"])
        [run] = runs(again, workflow["id"])
    assert run["id"] == waiting["id"]
    assert [(s["node_id"], s["status"]) for s in detail["steps"]] == [
        ("pause", "succeeded"),
        ("reply", "succeeded"),
    ]
    reply = detail["steps"][1]
    assert _at(reply["started_at"]) >= due
    [post] = posts
    assert post.at >= due
    # The API channel's idempotency key is the message id the step recorded.
    assert post.idempotency_key == reply["output"]["message_id"]
    assert b"after the wait" in post.body


async def _dead_executors_run(
    env: dict[str, str], workflow_id: str, contact_id: str, lease_until: datetime
) -> uuid.UUID:
    """A run as a claim leaves it, held by an executor that is no more."""
    db = _database(env)
    run_id = uuid.uuid4()
    try:
        async with db.write("test_dead_claim") as s:
            version_id, workspace_id, version = (
                await s.execute(
                    select(
                        WorkflowVersion.id, WorkflowVersion.workspace_id, WorkflowVersion.version
                    ).where(WorkflowVersion.workflow_id == uuid.UUID(workflow_id))
                )
            ).one()
            now = datetime.now(UTC)
            await s.execute(
                insert(WorkflowRun).values(
                    id=run_id,
                    workspace_id=workspace_id,
                    workflow_id=uuid.UUID(workflow_id),
                    version_id=version_id,
                    version=version,
                    state="running",
                    contact_id=uuid.UUID(contact_id),
                    trigger_type="message_received",
                    context={"trigger": {}, "vars": {}},
                    wake_at=now,
                    claimed_by=f"dead-executor:{uuid.uuid4().hex}",
                    lease_until=lease_until,
                    started_at=now,
                    created_at=now,
                )
            )
    finally:
        await db.dispose()
    return run_id


def test_a_dead_executors_run_is_taken_over_after_its_lease(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = _env(cli_env, "live-executor")
    with (
        serve_process_handle(env, tmp_path / "data") as (base, _),
        httpx.Client(base_url=base) as c,
    ):
        owner: Account = signup(c)
        workflow = publish(
            owner,
            graph(
                {**MESSAGE, "params": {"keywords": {"mode": "exact", "values": ["never"]}}},
                [
                    {"id": "tag", "type": "add_tag", "params": {"tags": ["recovered"]}},
                    {"id": "more", "type": "add_tag", "params": {"tags": ["twice"]}},
                ],
                [("trigger", "tag"), ("tag", "more")],
            ),
        )
        contact = owner.request("POST", owner.ws("/contacts"), json={"name": "Orphan"}).json()
        lease_until = datetime.now(UTC) + timedelta(seconds=2)
        run_id = asyncio.run(_dead_executors_run(env, workflow["id"], contact["id"], lease_until))
        started = time.monotonic()
        [done] = wait_for_runs(owner, workflow["id"], 1, {"completed"})
        assert time.monotonic() - started < 10
        detail = run_detail(owner, done["id"])
        tags = owner.request("GET", owner.ws(f"/contacts/{contact['id']}")).json()["tags"]
    assert done["id"] == str(run_id)
    assert [(s["node_id"], s["status"]) for s in detail["steps"]] == [
        ("tag", "succeeded"),
        ("more", "succeeded"),
    ]
    # Not taken while the dead executor's lease still held it.
    assert min(_at(s["started_at"]) for s in detail["steps"]) >= lease_until
    assert {"recovered", "twice"} <= set(tags)
