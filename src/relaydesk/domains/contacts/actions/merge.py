"""Merging two records of one person: everything of the other moves here, then it goes."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update

from relaydesk.db import Database
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.contacts.actions.contacts import WRITE, contact_out, do_add_tags_txn
from relaydesk.domains.contacts.error_codes import ContactError
from relaydesk.domains.contacts.models import (
    Contact,
    ContactConsent,
    ContactIdentity,
    ContactNote,
    ContactTag,
)
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.errors import AppError
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import ContactMerged

# Fields that the surviving contact takes from the other only where it has none.
_FILLED_FIELDS = ("name", "phone", "email", "language", "avatar_url", "owner_user_id")


async def merge_contacts(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    other_contact_id: uuid.UUID,
) -> Contact:
    """Move the other contact's identities, conversations, notes, tags, consents and
    attributes to `contact_id` (its own values win on conflicts), then delete the other."""
    if contact_id == other_contact_id:
        raise AppError(ContactError.MERGE_SELF)
    async with db.write("merge_contacts") as s:
        await require_txn(s, actor, workspace_id, WRITE)
        # Both rows locked, in id order, so two merges of the same pair cannot deadlock.
        locked = {}
        for row_id in sorted([contact_id, other_contact_id]):
            locked[row_id] = await get_in_workspace_txn(
                s, Contact, workspace_id, row_id, "contact", lock=True
            )
        contact, other = locked[contact_id], locked[other_contact_id]

        identities = await s.execute(
            update(ContactIdentity)
            .where(ContactIdentity.contact_id == other.id)
            .values(contact_id=contact.id)
            .returning(ContactIdentity.id)
        )
        moved_identities = len(identities.all())
        conversations = (
            await s.scalars(
                update(Conversation)
                .where(
                    Conversation.workspace_id == workspace_id, Conversation.contact_id == other.id
                )
                .values(contact_id=contact.id)
                .returning(Conversation.id)
            )
        ).all()
        if conversations:
            # Past messages name their sender; keep them pointing at a contact that exists.
            await s.execute(
                update(Message)
                .where(
                    Message.conversation_id.in_(conversations),
                    Message.sender_type == "contact",
                    Message.sender_id == str(other.id),
                )
                .values(sender_id=str(contact.id))
            )

        await s.execute(
            update(ContactNote)
            .where(ContactNote.workspace_id == workspace_id, ContactNote.contact_id == other.id)
            .values(contact_id=contact.id)
        )
        other_tags = (
            await s.scalars(select(ContactTag.tag).where(ContactTag.contact_id == other.id))
        ).all()
        await do_add_tags_txn(s, workspace_id, contact.id, other_tags)
        own_channels = select(ContactConsent.channel_id).where(
            ContactConsent.contact_id == contact.id
        )
        await s.execute(
            update(ContactConsent)
            .where(
                ContactConsent.contact_id == other.id,
                ContactConsent.channel_id.not_in(own_channels),
            )
            .values(contact_id=contact.id)
        )

        for name in _FILLED_FIELDS:
            if getattr(contact, name) is None:
                setattr(contact, name, getattr(other, name))
        contact.attributes = {**other.attributes, **contact.attributes}
        if other.last_seen_at and (
            contact.last_seen_at is None or other.last_seen_at > contact.last_seen_at
        ):
            contact.last_seen_at = other.last_seen_at

        await s.execute(delete(Contact).where(Contact.id == other.id))
        await s.flush()
        record_txn(
            s,
            actor,
            "contact.merged",
            workspace_id=workspace_id,
            target_type="contact",
            target_id=contact.id,
            data={
                "merged_id": str(other.id),
                "merged_name": other.name,
                "identities": moved_identities,
                "conversations": len(conversations),
            },
        )
        emit_txn(
            s,
            actor,
            workspace_id,
            ContactMerged(contact=contact_out(contact), merged_id=other.id),
        )
    return contact
