"""Contact nodes: add and remove tags, set an attribute (through the contacts domain's
writers; the events they emit carry the run as actor)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.actor import Actor
from relaydesk.domains.automation.engine.context import NodeContext
from relaydesk.domains.automation.engine.nodes.dry import is_dry, would
from relaydesk.domains.automation.engine.registry import StepResult, node
from relaydesk.domains.automation.error_codes import NO_CONTACT
from relaydesk.domains.automation.graph import SetAttributeParams, TagsParams
from relaydesk.domains.contacts.actions.contacts import (
    check_attributes_txn,
    do_add_tags_many_txn,
    do_remove_tags_many_txn,
    emit_contact_updated_txn,
    emit_updated_txn,
    lock_contact_txn,
)
from relaydesk.domains.contacts.models import Contact
from relaydesk.domains.contacts.schemas import ContactChanges, ContactOut


@node("add_tag", "remove_tag")
async def change_tags(ctx: NodeContext, params: TagsParams) -> StepResult:
    if ctx.run.contact_id is None:
        return StepResult(status="skipped", reason=NO_CONTACT)
    tags = [str(await ctx.render(t)) for t in params.tags]
    ctx.record_input(tags=tags)
    if is_dry(ctx):
        return would(**{ctx.node_type: tags})
    adding = ctx.node_type == "add_tag"
    # With a single writer the batch's rows (contact and tags) are current; elsewhere the
    # contact is locked first.
    contact: Contact | ContactOut | None = ctx.contact if ctx.data.single_writer else None
    if contact is not None and ctx.data.staging:
        # Written with the other runs' tag changes at the end of the batch.
        staged = ctx.data.stage_tags(ctx.workspace_id, contact.id, tags, add=adding)
        change = {contact.id: staged} if staged else {}
        emit_updated_txn(
            ctx.s,
            ctx.actor,
            ctx.workspace_id,
            [contact],
            added=change if adding else None,
            removed=None if adding else change,
        )
        return StepResult(output={"changed": bool(staged)})
    if contact is None:
        contact = await lock_contact_txn(ctx.s, ctx.workspace_id, ctx.run.contact_id)
    if adding:
        added = await do_add_tags_many_txn(ctx.s, ctx.workspace_id, [contact.id], tags)
        ctx.tags.update(tags)
        emit_updated_txn(ctx.s, ctx.actor, ctx.workspace_id, [contact], added=added)
        return StepResult(output={"changed": bool(added)})
    removed = await do_remove_tags_many_txn(ctx.s, [contact.id], tags)
    ctx.tags.difference_update(tags)
    emit_updated_txn(ctx.s, ctx.actor, ctx.workspace_id, [contact], removed=removed)
    return StepResult(output={"changed": bool(removed)})


@node("set_attribute")
async def set_attribute(ctx: NodeContext, params: SetAttributeParams) -> StepResult:
    if ctx.run.contact_id is None:
        return StepResult(status="skipped", reason=NO_CONTACT)
    value = await ctx.render(params.value)
    ctx.record_input(key=params.key, value=value)
    if is_dry(ctx):
        return would(set_attribute={params.key: value})
    contact = await set_attribute_txn(
        ctx.s, ctx.actor, ctx.workspace_id, ctx.run.contact_id, params.key, value
    )
    if contact is not None:
        ctx.data.put_contact(contact)
    return StepResult(output={"changed": contact is not None})


async def set_attribute_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    key: str,
    value: Any,
) -> Contact | None:
    """Set one attribute of a contact as its definition allows (raises otherwise, before
    anything is written); emits `contact.updated` and returns the contact when it changed."""
    contact = await lock_contact_txn(s, workspace_id, contact_id)
    checked = await check_attributes_txn(s, workspace_id, {key: value})
    before = contact.attributes
    if before.get(key) == checked[key]:
        return None
    # A new dict: the JSON column only notices assignment, not mutation.
    contact.attributes = {**before, **checked}
    await s.flush()
    changes = ContactChanges.of_attributes(before, contact.attributes)
    emit_contact_updated_txn(s, actor, workspace_id, contact, changes)
    return contact
