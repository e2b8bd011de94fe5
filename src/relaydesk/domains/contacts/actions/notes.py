"""Members' notes on a contact: any member who may write contacts adds one; the author, or
someone who manages the workspace, deletes it."""

from __future__ import annotations

import uuid

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.contacts.actions.contacts import WRITE
from relaydesk.domains.contacts.error_codes import ContactError
from relaydesk.domains.contacts.models import Contact, ContactNote
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, not_found

# Who may delete others' notes: the same right that moderates others' messages.
MODERATE = Permission.workspace_manage


async def add_note(
    db: Database, actor: Actor, workspace_id: uuid.UUID, contact_id: uuid.UUID, body: str
) -> ContactNote:
    async with db.write("add_contact_note") as s:
        await require_txn(s, actor, workspace_id, WRITE)
        # A share of the contact's row would do, but every contact writer takes the row lock.
        await get_in_workspace_txn(s, Contact, workspace_id, contact_id, "contact", lock=True)
        note = ContactNote(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            contact_id=contact_id,
            author_user_id=actor.user_id,
            body=body,
            created_at=utcnow(),
        )
        s.add(note)
    return note


async def delete_note(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    note_id: uuid.UUID,
) -> None:
    async with db.write("delete_contact_note") as s:
        access = await require_txn(s, actor, workspace_id, WRITE)
        note = await get_in_workspace_txn(s, ContactNote, workspace_id, note_id, "note", lock=True)
        if note.contact_id != contact_id:
            raise not_found("note")
        own = actor.user_id is not None and note.author_user_id == actor.user_id
        if not own and MODERATE not in access.permissions:
            raise AppError(ContactError.NOTE_NOT_AUTHOR)
        record_txn(
            s,
            actor,
            "contact_note.deleted",
            workspace_id=workspace_id,
            target_type="contact",
            target_id=contact_id,
            data={"note_id": str(note.id), "author_user_id": str(note.author_user_id)},
        )
        await s.delete(note)
