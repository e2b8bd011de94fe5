"""The `manual` trigger: runs started through the API, for a contact, a conversation, every
contact having some tags (one run each, capped), or no contact.

Only `manual` workflows start for real; any published workflow may have a dry run (a test:
its steps record what they would do). Single starts need `conversations.write` (agents);
bulk starts and dry runs need the workspace's managers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, select

from relaydesk.db import Database
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.automation.engine.starts import (
    Pinned,
    contacts_with_tags_txn,
    insert_runs_txn,
    run_values,
)
from relaydesk.domains.automation.error_codes import AutomationError
from relaydesk.domains.automation.models import Workflow, WorkflowVersion
from relaydesk.domains.automation.schemas import ManualRunIn
from relaydesk.domains.contacts.models import Contact
from relaydesk.domains.conversations.models import Conversation
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, not_found

RUN_IDS_SHOWN = 100


@dataclass(frozen=True, slots=True)
class Started:
    count: int
    run_ids: list[uuid.UUID]


async def start_manual_runs(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    workflow_id: uuid.UUID,
    body: ManualRunIn,
    *,
    max_contacts: int,
) -> Started:
    bulk = body.contact_filter is not None
    if bulk and (body.contact_id or body.conversation_id):
        raise AppError(
            AutomationError.START_TARGET_INVALID,
            "contact_filter cannot be combined with contact_id or conversation_id",
        )
    needs = Permission.workspace_manage if bulk or body.dry_run else Permission.conversations_write
    async with db.write("start_manual_runs") as s:
        await require_txn(s, actor, workspace_id, needs)
        row = (
            await s.execute(
                select(
                    Workflow.status,
                    WorkflowVersion.id,
                    WorkflowVersion.version,
                    WorkflowVersion.graph,
                )
                .outerjoin(
                    WorkflowVersion,
                    and_(
                        WorkflowVersion.workflow_id == Workflow.id,
                        WorkflowVersion.version == Workflow.published_version,
                    ),
                )
                .where(Workflow.id == workflow_id, Workflow.workspace_id == workspace_id)
            )
        ).first()
        if row is None:
            raise not_found("workflow")
        status, version_id, version, graph = row
        if status != "published" or version_id is None:
            raise AppError(AutomationError.NOT_PUBLISHED)
        trigger_type = str(graph.get("trigger", {}).get("type", ""))
        if trigger_type != "manual" and not body.dry_run:
            raise AppError(AutomationError.MANUAL_START_REFUSED)
        pinned = Pinned(workspace_id, workflow_id, version_id, version, trigger_type)
        trigger: dict[str, object] = {"started_by": str(actor.id) if actor.id else None}
        contact_id = body.contact_id
        conversation_id = body.conversation_id
        if conversation_id is not None:
            conversation = await s.scalar(
                select(Conversation).where(
                    Conversation.id == conversation_id, Conversation.workspace_id == workspace_id
                )
            )
            if conversation is None:
                raise not_found("conversation")
            if contact_id is not None and contact_id != conversation.contact_id:
                raise AppError(
                    AutomationError.START_TARGET_INVALID,
                    "contact_id is not the conversation's contact",
                )
            contact_id = conversation.contact_id
        elif contact_id is not None:
            exists = await s.scalar(
                select(Contact.id).where(
                    Contact.id == contact_id, Contact.workspace_id == workspace_id
                )
            )
            if exists is None:
                raise not_found("contact")
        if body.contact_filter is not None:
            tags = body.contact_filter.tags
            contacts = await contacts_with_tags_txn(s, workspace_id, tags, max_contacts + 1)
            if len(contacts) > max_contacts:
                raise AppError(
                    AutomationError.TOO_MANY_CONTACTS,
                    f"More than {max_contacts} contacts have the tags {tags}; narrow the filter",
                    limit=max_contacts,
                )
            values = [
                run_values(pinned, contact_id=c, trigger=trigger, dry_run=body.dry_run)
                for c in contacts
            ]
        else:
            values = [
                run_values(
                    pinned,
                    contact_id=contact_id,
                    conversation_id=conversation_id,
                    trigger=trigger,
                    dry_run=body.dry_run,
                )
            ]
        await insert_runs_txn(s, values)
        record_txn(
            s,
            actor,
            "workflow.runs_started",
            workspace_id=workspace_id,
            target_type="workflow",
            target_id=workflow_id,
            data={"count": len(values), "dry_run": body.dry_run, "bulk": bulk},
        )
    return Started(len(values), [v["id"] for v in values[:RUN_IDS_SHOWN]])
