"""Answers to `ask_question`: the trigger consumer hands each batch of outbox events here,
in its transaction, before it moves its cursor (so an answer is taken once, or again after
a crash with the whole batch).

A run waiting at an `ask_question` (its context's `awaiting`, `wake_at` still the
question's timeout) whose conversation gets an inbound message later than the question
takes that message as the answer: it is saved to the contact attribute (as the run: the
change carries the run as actor), recorded on the question's step, and the run is due at
once by the question's `answered` edge. An answer the attribute's definition refuses is
recorded on the step (`saved: false`, the error) and the run still goes on by `answered`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db.base import utcnow
from relaydesk.domains.actor import Actor
from relaydesk.domains.automation.engine.nodes.contacts import set_attribute_txn
from relaydesk.domains.automation.engine.nodes.questions import AWAITING
from relaydesk.domains.automation.graph import successor
from relaydesk.domains.automation.models import WorkflowRun, WorkflowStep, WorkflowVersion
from relaydesk.domains.conversations.models import Conversation
from relaydesk.errors import AppError
from relaydesk.events.published import PublishedEvent


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _still_asking(run: WorkflowRun) -> dict[str, Any] | None:
    awaiting = (run.context or {}).get(AWAITING)
    if not isinstance(awaiting, dict) or run.wake_at is None:
        return None
    until = datetime.fromisoformat(awaiting["until"])
    # The question's timeout is still what the run waits for (not a later wait).
    if abs((_aware(run.wake_at) - until).total_seconds()) > 1:
        return None
    return awaiting


async def resume_waiting_answers_txn(s: AsyncSession, events: Sequence[PublishedEvent]) -> int:
    """Resume the runs the batch's inbound messages answer; returns how many."""
    answers: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for event in events:
        if event.type != "message.created":
            continue
        message = event.payload["message"]
        if message.get("direction") == "in":
            answers.setdefault(uuid.UUID(message["conversation_id"]), []).append(message)
    if not answers:
        return 0
    contacts = select(Conversation.contact_id).where(Conversation.id.in_(answers))
    runs = list(
        await s.scalars(
            select(WorkflowRun)
            .where(
                # By contact first: the (contact_id, state) index finds them.
                WorkflowRun.contact_id.in_(contacts),
                WorkflowRun.state == "waiting",
                WorkflowRun.conversation_id.in_(answers),
            )
            .with_for_update()
        )
    )
    taken = [(r, a) for r in runs if (a := _still_asking(r)) is not None]
    if not taken:
        return 0
    graphs: dict[uuid.UUID, dict[str, Any]] = dict(
        (
            await s.execute(
                select(WorkflowVersion.id, WorkflowVersion.graph).where(
                    WorkflowVersion.id.in_({r.version_id for r, _ in taken})
                )
            )
        ).all()
    )
    now = utcnow()
    resumed = 0
    for run, awaiting in taken:
        later = [
            m
            for m in answers.get(uuid.UUID(awaiting["conversation_id"]), [])
            if int(m["seq"]) > int(awaiting["after_seq"])
        ]
        if not later:
            continue
        answer = min(later, key=lambda m: int(m["seq"]))
        await _answer_txn(s, run, awaiting, answer, graphs.get(run.version_id) or {}, now)
        resumed += 1
    return resumed


async def _answer_txn(
    s: AsyncSession,
    run: WorkflowRun,
    awaiting: dict[str, Any],
    answer: dict[str, Any],
    graph: dict[str, Any],
    now: datetime,
) -> None:
    text = answer.get("text") or ""
    result: dict[str, Any] = {"answer": text, "answer_message_id": answer["id"], "saved": False}
    if run.contact_id is not None and text:
        try:
            async with s.begin_nested():
                await set_attribute_txn(
                    s,
                    Actor.automation(run.id, run.workspace_id),
                    run.workspace_id,
                    run.contact_id,
                    awaiting["attribute"],
                    text,
                )
            result["saved"] = True
        except AppError as exc:
            result["error"] = exc.code.code
    step = await s.scalar(
        select(WorkflowStep).where(
            WorkflowStep.run_id == run.id, WorkflowStep.node_id == awaiting["node_id"]
        )
    )
    if step is not None:
        step.output = {**(step.output or {}), **result, "handle": "answered"}
    run.context = {k: v for k, v in (run.context or {}).items() if k != AWAITING}
    run.current_node = successor(graph, awaiting["node_id"], "answered") or ""
    run.wake_at = now
