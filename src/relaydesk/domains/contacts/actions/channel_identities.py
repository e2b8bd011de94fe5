"""What provider channels tell us about their contacts: details from message senders,
reachability (a user blocked the bot) and identities that move (a Telegram group became a
supergroup, a WhatsApp user changed number)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.actor import Actor
from relaydesk.domains.contacts.actions.contacts import emit_contact_updated_txn
from relaydesk.domains.contacts.models import Contact, ContactIdentity
from relaydesk.domains.contacts.schemas import ContactRef


async def do_fill_contact_details_txn(
    s: AsyncSession, actor: Actor, contacts: Mapping[str, Contact], refs: Sequence[ContactRef]
) -> None:
    """Fill a known contact's missing name and phone from what the channel now says; a value
    a member entered is never overwritten. `contacts` come locked from identity resolution."""
    changed: dict[uuid.UUID, Contact] = {}
    for ref in refs:
        contact = contacts.get(ref.external_id)
        if contact is None:
            continue
        if contact.name is None and ref.name:
            contact.name = ref.name
            changed[contact.id] = contact
        if contact.phone is None and ref.phone:
            contact.phone = ref.phone
            changed[contact.id] = contact
    if changed:
        await s.flush()
        for contact in changed.values():
            emit_contact_updated_txn(s, actor, contact.workspace_id, contact)


async def do_set_reachable_txn(
    s: AsyncSession, channel_id: uuid.UUID, external_id: str, reachable: bool, at: datetime
) -> bool:
    """Mark the identity unreachable (the user blocked the account) or reachable again; True
    when the identity exists."""
    result = await s.execute(
        update(ContactIdentity)
        .where(ContactIdentity.channel_id == channel_id, ContactIdentity.external_id == external_id)
        .values(unreachable_at=None if reachable else at)
    )
    return bool(getattr(result, "rowcount", 0))


async def do_move_identity_txn(
    s: AsyncSession, channel_id: uuid.UUID, old_external_id: str, new_external_id: str
) -> bool:
    """The contact known as `old_external_id` on this channel is now `new_external_id` (its
    conversations stay). Applying it twice changes nothing; if the new id already has a
    contact of its own, both stay as they are (merge them by hand). True when it moved."""
    taken = await s.scalar(
        select(ContactIdentity.id).where(
            ContactIdentity.channel_id == channel_id,
            ContactIdentity.external_id == new_external_id,
        )
    )
    if taken is not None:
        return False
    result = await s.execute(
        update(ContactIdentity)
        .where(
            ContactIdentity.channel_id == channel_id,
            ContactIdentity.external_id == old_external_id,
        )
        .values(external_id=new_external_id)
    )
    return bool(getattr(result, "rowcount", 0))
