"""Identities: who a contact is on each channel account; resolved as messages arrive."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from relaydesk.domains.actor import Actor
from relaydesk.domains.contacts.models import Contact, ContactIdentity
from relaydesk.domains.contacts.schemas import ContactOut, ContactRef
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import ContactCreated


async def do_resolve_identities_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    refs: Sequence[ContactRef],
    now: datetime,
) -> dict[str, Contact]:
    """The contact behind each ref on this channel, by external id; created on first sight
    (from the first ref naming it). Known contacts are locked, in id order, because the
    caller picks their threads next and must be alone doing so."""
    wanted = {ref.external_id: ref for ref in reversed(refs)}  # the first ref of each id wins
    rows = (
        await s.execute(
            select(ContactIdentity.external_id, Contact)
            .join(Contact, ContactIdentity.contact_id == Contact.id)
            .where(
                ContactIdentity.channel_id == channel_id,
                ContactIdentity.external_id.in_(wanted),
            )
            .order_by(Contact.id)
            .with_for_update(of=Contact)
        )
    ).all()
    found: dict[str, Contact] = {row[0]: row[1] for row in rows}
    if found:
        await s.execute(
            update(Contact)
            .where(Contact.id.in_({c.id for c in found.values()}))
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        for contact in found.values():
            set_committed_value(contact, "last_seen_at", now)  # written just above
    created: list[Contact] = []
    for external_id, ref in wanted.items():
        if external_id in found:
            continue
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
                external_id=external_id,
                contact_id=contact.id,
            )
        )
        found[external_id] = contact
        created.append(contact)
    if created:
        await s.flush()
        for contact in created:
            emit_txn(
                s, actor, workspace_id, ContactCreated(contact=ContactOut.model_validate(contact))
            )
    return found
