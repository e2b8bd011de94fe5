"""Contacts created by hand, their fields, tags and consent per channel account."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import table_of, utcnow
from relaydesk.db.bulk import execute_many
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.db.upsert import ignoring_insert
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.contacts.attributes import AttributeValueError, check_values
from relaydesk.domains.contacts.error_codes import ContactError
from relaydesk.domains.contacts.models import Contact, ContactConsent, ContactTag
from relaydesk.domains.contacts.queries import definitions_txn
from relaydesk.domains.contacts.schemas import (
    ConsentIn,
    ContactChanges,
    ContactCreateIn,
    ContactOut,
    ContactUpdateIn,
)
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.models import Membership
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import ContactCreated, ContactDeleted, ContactUpdated

# Writing contacts is agents' work, like answering conversations.
WRITE = Permission.conversations_write


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut.model_validate(contact)


async def check_owner_txn(
    s: AsyncSession, workspace_id: uuid.UUID, owner_user_id: uuid.UUID | None
) -> None:
    if owner_user_id is None:
        return
    member = await s.scalar(
        select(Membership.user_id).where(
            Membership.workspace_id == workspace_id, Membership.user_id == owner_user_id
        )
    )
    if member is None:
        raise AppError(
            ContactError.OWNER_NOT_MEMBER,
            f"owner_user_id: {owner_user_id} is not a member of this workspace",
        )


async def check_attributes_txn(
    s: AsyncSession, workspace_id: uuid.UUID, values: Mapping[str, Any]
) -> dict[str, Any]:
    if not values:
        return {}
    try:
        return check_values(await definitions_txn(s, workspace_id, share_lock=True), values)
    except AttributeValueError as exc:
        raise exc.to_error() from None


async def lock_contact_txn(
    s: AsyncSession, workspace_id: uuid.UUID, contact_id: uuid.UUID
) -> Contact:
    return await get_in_workspace_txn(s, Contact, workspace_id, contact_id, "contact", lock=True)


async def lock_contacts_txn(
    s: AsyncSession, workspace_id: uuid.UUID, contact_ids: Iterable[uuid.UUID]
) -> list[Contact]:
    """The workspace's contacts among `contact_ids`, locked in id order (so two writers of
    overlapping sets cannot deadlock); ids of other workspaces, or of none, are left out."""
    wanted = set(contact_ids)
    if not wanted:
        return []
    rows = await s.scalars(
        select(Contact)
        .where(Contact.workspace_id == workspace_id, Contact.id.in_(wanted))
        .order_by(Contact.id)
        .with_for_update()
    )
    return list(rows)


# Per contact, the tags a write added or removed (contacts it did not change are absent).
TagChanges = dict[uuid.UUID, list[str]]

# Which of some tags some contacts have: built once, a Core statement (no ORM compile
# state per execution; batches of workflow runs add tags hundreds of contacts at a time).
_TAG_TABLE = table_of(ContactTag)
_HAVE_TAGS = select(_TAG_TABLE.c.contact_id, _TAG_TABLE.c.tag).where(
    _TAG_TABLE.c.contact_id.in_(bindparam("contacts", expanding=True)),
    _TAG_TABLE.c.tag.in_(bindparam("tags", expanding=True)),
)


async def do_add_tags_batch_txn(
    s: AsyncSession, workspace_id: uuid.UUID, wanted: Mapping[uuid.UUID, Iterable[str]]
) -> TagChanges:
    """Add to each contact the tags it lacks (the caller holds their locks), in two
    statements whatever the count: one read of the tags they have, one multi-row insert
    (a row already there is left alone); per contact that gained any, the tags it gained."""
    per_contact = {c: list(dict.fromkeys(tags)) for c, tags in wanted.items()}
    per_contact = {c: tags for c, tags in per_contact.items() if tags}
    if not per_contact:
        return {}
    named = list({t for tags in per_contact.values() for t in tags})
    rows = await s.execute(_HAVE_TAGS, {"contacts": list(per_contact), "tags": named})
    have = {(row[0], row[1]) for row in rows}
    new = [(c, t) for c, tags in per_contact.items() for t in tags if (c, t) not in have]
    if new:
        await execute_many(
            s,
            ignoring_insert(s, ContactTag),
            [{"contact_id": c, "tag": t, "workspace_id": workspace_id} for c, t in new],
        )
    added: TagChanges = {}
    for contact_id, tag in new:
        added.setdefault(contact_id, []).append(tag)
    return {c: sorted(tags) for c, tags in added.items()}


async def do_add_tags_many_txn(
    s: AsyncSession, workspace_id: uuid.UUID, contact_ids: Sequence[uuid.UUID], tags: Iterable[str]
) -> TagChanges:
    """The same tags for every contact (see `do_add_tags_batch_txn`)."""
    wanted = list(tags)
    return await do_add_tags_batch_txn(s, workspace_id, dict.fromkeys(contact_ids, wanted))


async def do_add_tags_txn(
    s: AsyncSession, workspace_id: uuid.UUID, contact_id: uuid.UUID, tags: Iterable[str]
) -> bool:
    """Add the tags the contact lacks (the caller holds its lock); True when any was new."""
    return bool(await do_add_tags_many_txn(s, workspace_id, [contact_id], tags))


async def do_remove_tags_batch_txn(
    s: AsyncSession, unwanted: Mapping[uuid.UUID, Iterable[str]]
) -> TagChanges:
    """Remove the tags from each contact (the caller holds their locks), one statement per
    distinct set of tags; per contact that had any, the tags it lost. Removing a tag a
    contact lacks changes nothing."""
    by_tags: dict[tuple[str, ...], list[uuid.UUID]] = {}
    for contact_id, tags in unwanted.items():
        wanted = tuple(sorted(set(tags)))
        if wanted:
            by_tags.setdefault(wanted, []).append(contact_id)
    removed: TagChanges = {}
    for wanted, contact_ids in by_tags.items():
        rows = await s.execute(
            delete(ContactTag)
            .where(ContactTag.contact_id.in_(contact_ids), ContactTag.tag.in_(wanted))
            .returning(ContactTag.contact_id, ContactTag.tag)
        )
        for contact_id, tag in rows:
            removed.setdefault(contact_id, []).append(tag)
    return {c: sorted(tags) for c, tags in removed.items()}


async def do_remove_tags_many_txn(
    s: AsyncSession, contact_ids: Sequence[uuid.UUID], tags: Iterable[str]
) -> TagChanges:
    """The same tags from every contact (see `do_remove_tags_batch_txn`)."""
    wanted = list(tags)
    return await do_remove_tags_batch_txn(s, dict.fromkeys(contact_ids, wanted))


def emit_contact_updated_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    contact: Contact | ContactOut,
    changes: ContactChanges | None = None,
) -> None:
    """`contact.updated` with the contact as it is now and what changed of its tags and
    attributes (nothing: only other fields changed)."""
    out = contact if isinstance(contact, ContactOut) else contact_out(contact)
    event = ContactUpdated(contact=out, changes=changes or ContactChanges())
    emit_txn(s, actor, workspace_id, event)


def emit_updated_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    contacts: Iterable[Contact | ContactOut],
    added: Mapping[uuid.UUID, list[str]] | None = None,
    removed: Mapping[uuid.UUID, list[str]] | None = None,
) -> None:
    """`contact.updated` for each of `contacts` whose tags changed, naming the change."""
    added, removed = added or {}, removed or {}
    for contact in contacts:
        if contact.id in added or contact.id in removed:
            changes = ContactChanges(
                tags_added=added.get(contact.id, []), tags_removed=removed.get(contact.id, [])
            )
            emit_contact_updated_txn(s, actor, workspace_id, contact, changes)


async def do_delete_contacts_txn(
    s: AsyncSession, actor: Actor, workspace_id: uuid.UUID, contacts: Sequence[Contact]
) -> None:
    """Delete the contacts (the caller holds their locks) with their identities, tags,
    consents, notes and conversations (foreign keys cascade)."""
    if not contacts:
        return
    for contact in contacts:
        emit_txn(s, actor, workspace_id, ContactDeleted(contact_id=contact.id))
    await s.execute(
        delete(Contact).where(
            Contact.workspace_id == workspace_id, Contact.id.in_([c.id for c in contacts])
        )
    )


async def create_contact(
    db: Database, actor: Actor, workspace_id: uuid.UUID, body: ContactCreateIn
) -> Contact:
    now = utcnow()
    async with db.write("create_contact") as s:
        await require_txn(s, actor, workspace_id, WRITE)
        attributes = await check_attributes_txn(s, workspace_id, body.attributes)
        await check_owner_txn(s, workspace_id, body.owner_user_id)
        contact = Contact(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            name=body.name,
            phone=body.phone,
            email=str(body.email) if body.email else None,
            language=body.language,
            avatar_url=str(body.avatar_url) if body.avatar_url else None,
            attributes=attributes,
            blocked=body.blocked,
            owner_user_id=body.owner_user_id,
            created_at=now,
        )
        s.add(contact)
        await s.flush()
        await do_add_tags_txn(s, workspace_id, contact.id, body.tags)
        emit_txn(s, actor, workspace_id, ContactCreated(contact=contact_out(contact)))
    return contact


_PLAIN_FIELDS = ("name", "phone", "language", "blocked")


async def update_contact(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    body: ContactUpdateIn,
) -> Contact:
    sent = body.model_fields_set
    async with db.write("update_contact") as s:
        await require_txn(s, actor, workspace_id, WRITE)
        contact = await lock_contact_txn(s, workspace_id, contact_id)
        for name in _PLAIN_FIELDS:
            if name in sent:
                setattr(contact, name, getattr(body, name))
        if "email" in sent:
            contact.email = str(body.email) if body.email else None
        if "avatar_url" in sent:
            contact.avatar_url = str(body.avatar_url) if body.avatar_url else None
        if "owner_user_id" in sent:
            await check_owner_txn(s, workspace_id, body.owner_user_id)
            contact.owner_user_id = body.owner_user_id
        before = contact.attributes
        if body.attributes:
            removed = {k for k, v in body.attributes.items() if v is None}
            changed = await check_attributes_txn(
                s, workspace_id, {k: v for k, v in body.attributes.items() if v is not None}
            )
            kept = {k: v for k, v in contact.attributes.items() if k not in removed}
            # A new dict: the JSON column only notices assignment, not mutation.
            contact.attributes = {**kept, **changed}
        await s.flush()
        changes = ContactChanges.of_attributes(before, contact.attributes)
        emit_contact_updated_txn(s, actor, workspace_id, contact, changes)
    return contact


async def delete_contact(
    db: Database, actor: Actor, workspace_id: uuid.UUID, contact_id: uuid.UUID
) -> None:
    """Delete the contact with its identities, tags, consents, notes and conversations."""
    async with db.write("delete_contact") as s:
        await require_txn(s, actor, workspace_id, WRITE)
        contact = await lock_contact_txn(s, workspace_id, contact_id)
        record_txn(
            s,
            actor,
            "contact.deleted",
            workspace_id=workspace_id,
            target_type="contact",
            target_id=contact.id,
            data={"name": contact.name, "email": contact.email, "phone": contact.phone},
        )
        await do_delete_contacts_txn(s, actor, workspace_id, [contact])


async def add_tags(
    db: Database, actor: Actor, workspace_id: uuid.UUID, contact_id: uuid.UUID, tags: list[str]
) -> None:
    async with db.write("add_contact_tags") as s:
        await require_txn(s, actor, workspace_id, WRITE)
        contact = await lock_contact_txn(s, workspace_id, contact_id)
        added = await do_add_tags_many_txn(s, workspace_id, [contact.id], tags)
        emit_updated_txn(s, actor, workspace_id, [contact], added=added)


async def remove_tag(
    db: Database, actor: Actor, workspace_id: uuid.UUID, contact_id: uuid.UUID, tag: str
) -> None:
    """Idempotent: removing a tag the contact does not have changes nothing."""
    async with db.write("remove_contact_tag") as s:
        await require_txn(s, actor, workspace_id, WRITE)
        contact = await lock_contact_txn(s, workspace_id, contact_id)
        removed = await do_remove_tags_many_txn(s, [contact.id], [tag])
        emit_updated_txn(s, actor, workspace_id, [contact], removed=removed)


async def set_consent(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    channel_id: uuid.UUID,
    body: ConsentIn,
) -> ContactConsent:
    """Record opt-in or opt-out on one channel account; the same status again is a no-op."""
    now = utcnow()
    async with db.write("set_contact_consent") as s:
        await require_txn(s, actor, workspace_id, WRITE)
        contact = await lock_contact_txn(s, workspace_id, contact_id)
        await get_in_workspace_txn(s, Channel, workspace_id, channel_id, "channel")
        consent = await s.get(ContactConsent, (contact.id, channel_id))
        if consent is not None and consent.status == body.status.value:
            return consent
        if consent is None:
            consent = ContactConsent(
                contact_id=contact.id, channel_id=channel_id, workspace_id=workspace_id
            )
            s.add(consent)
        consent.status = body.status.value
        consent.source = body.source
        consent.changed_at = now
        await s.flush()
        emit_contact_updated_txn(s, actor, workspace_id, contact)
    return consent
