"""Identities: who a contact is on each channel account; resolved as messages arrive."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.actor import Actor
from relaydesk.domains.contacts.models import Contact, ContactIdentity
from relaydesk.domains.contacts.schemas import ContactOut, ContactRef
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import ContactCreated


async def do_resolve_identity_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    ref: ContactRef,
    now: datetime,
) -> Contact:
    """The contact behind `ref` on this channel, created on first sight."""
    # Locked: the caller picks the contact's thread next, and must be alone doing so.
    contact = await s.scalar(
        select(Contact)
        .join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
        .where(
            ContactIdentity.channel_id == channel_id,
            ContactIdentity.external_id == ref.external_id,
        )
        .with_for_update(of=Contact)
    )
    if contact is not None:
        contact.last_seen_at = now
        return contact
    contact = Contact(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        name=ref.name,
        phone=ref.phone,
        email=str(ref.email) if ref.email else None,
        attributes={},
        last_seen_at=now,
        created_at=now,
    )
    s.add(contact)
    s.add(
        ContactIdentity(
            workspace_id=workspace_id,
            channel_id=channel_id,
            external_id=ref.external_id,
            contact_id=contact.id,
        )
    )
    await s.flush()
    emit_txn(s, actor, workspace_id, ContactCreated(contact=ContactOut.model_validate(contact)))
    return contact
