"""`send_message`: a reply in the run's conversation, queued in the step's transaction.

It goes the way a member's reply goes (`prepare_send_txn`: the channel's rules, the next
seq; `do_send_many_txn`: `message.created`, the outbound queue row), so the channel's
outbound pipeline sends it once; the sender is a bot (the run). While the runner stages a
batch, the batch's sends are stored together at its end (`BatchData.stage_send`). A
contact who opted out on that channel account gets nothing: the step is skipped with reason
`consent.opted_out`.
"""

from __future__ import annotations

from typing import Any

from relaydesk.domains.automation.engine.context import NodeContext
from relaydesk.domains.automation.engine.nodes.dry import is_dry
from relaydesk.domains.automation.engine.registry import StepResult, node
from relaydesk.domains.automation.error_codes import NO_CONVERSATION, OPTED_OUT
from relaydesk.domains.automation.graph import SendMessageParams, TemplateRef
from relaydesk.domains.contacts.models import ContactConsent
from relaydesk.domains.contacts.schemas import ConsentStatus
from relaydesk.domains.conversations.actions.messages import do_send_many_txn, prepare_send_txn
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.domains.conversations.schemas import MessageSendIn


async def send_txn(
    ctx: NodeContext, text: str | None, template: TemplateRef | None = None
) -> tuple[StepResult | None, Message | None]:
    """Render and send text or a template in the run's conversation. Returns the step to
    record instead (skipped, or a dry run's) or the message sent."""
    found = await ctx.latest_conversation()
    if found is None:
        return StepResult(status="skipped", reason=NO_CONVERSATION), None
    if ctx.data.single_writer:
        # This transaction is the only writer: the conversation it loaded is current.
        conversation = found
        status = await ctx.data.consent(conversation.contact_id, conversation.channel_id)
    else:
        # Locked for the seq, as every writer of the conversation does.
        conversation = await ctx.s.get_one(Conversation, found.id, with_for_update=True)
        consent = await ctx.s.get(
            ContactConsent, (conversation.contact_id, conversation.channel_id)
        )
        status = consent.status if consent is not None else None
    if status == ConsentStatus.opted_out.value:
        return StepResult(status="skipped", reason=OPTED_OUT), None
    what: dict[str, Any]
    if text is not None:
        rendered = str(await ctx.render(text))
        body = MessageSendIn(text=rendered)
        what = {"text": rendered}
    else:
        assert template is not None
        filled = (await ctx.render(template.model_dump(exclude_none=True))) or {}
        body = MessageSendIn.model_validate({"type": "template", "template": filled})
        what = {"template": filled}
    ctx.record_input(conversation_id=str(conversation.id), **what)
    if is_dry(ctx):
        output = {"dry_run": True, "would": {"send": what, "conversation_id": str(conversation.id)}}
        return StepResult(output=output), None
    prepared = await prepare_send_txn(ctx.s, ctx.actor, conversation, body, ctx.now)
    if ctx.data.staging:
        ctx.data.stage_send(prepared)
    else:
        await do_send_many_txn(ctx.s, [prepared])
    return None, prepared.message


@node("send_message")
async def send_message(ctx: NodeContext, params: SendMessageParams) -> StepResult:
    instead, message = await send_txn(ctx, params.text, params.template)
    if instead is not None:
        return instead
    assert message is not None
    return StepResult(output={"message_id": str(message.id), "seq": message.seq})
