"""`ask_question`: send the question, then wait for the contact's next message in that
conversation (`engine/awaiting.py` resumes the run by `answered` and saves the answer to
the contact attribute), or leave by `timeout` when `timeout_minutes` pass first.

What the run waits for is kept in its context under `awaiting`, with the time it would
time out: a run waiting anywhere else (a later wait) is never taken for an answer.
"""

from __future__ import annotations

from datetime import timedelta

from relaydesk.domains.automation.engine.context import NodeContext
from relaydesk.domains.automation.engine.nodes.dry import is_dry
from relaydesk.domains.automation.engine.nodes.messages import send_txn
from relaydesk.domains.automation.engine.registry import StepResult, node
from relaydesk.domains.automation.graph import AskQuestionParams

AWAITING = "awaiting"


@node("ask_question")
async def ask_question(ctx: NodeContext, params: AskQuestionParams) -> StepResult:
    instead, message = await send_txn(ctx, params.text)
    until = ctx.now + timedelta(minutes=params.timeout_minutes)
    if instead is not None:
        instead.handle = "timeout"
        if is_dry(ctx) and "would" in instead.output:
            # A test run does not wait for an answer: it records the wait and times out.
            instead.output["would"]["wait_for_answer_until"] = until.isoformat()
            instead.output["would"]["save_to_attribute"] = params.save_to_attribute
        return instead
    assert message is not None
    ctx.run.context = {
        **(ctx.run.context or {}),
        AWAITING: {
            "node_id": ctx.node_id,
            "conversation_id": str(message.conversation_id),
            "after_seq": message.seq,
            "attribute": params.save_to_attribute,
            "until": until.isoformat(),
        },
    }
    return StepResult(
        output={"message_id": str(message.id), "seq": message.seq, "timeout_at": until.isoformat()},
        handle="timeout",
        wait_until=until,
    )
