"""Reads of the contacts domain. Every read takes the workspace id first."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import table_of
from relaydesk.db.pagination import Page, page_of, paginate_desc
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.contacts.attributes import Definition, definitions_of
from relaydesk.domains.contacts.filters import ContactFilters, conditions
from relaydesk.domains.contacts.models import (
    AttributeDefinition,
    Contact,
    ContactConsent,
    ContactIdentity,
    ContactNote,
    ContactTag,
)
from relaydesk.domains.contacts.schemas import (
    ConsentOut,
    ContactDetailOut,
    ContactListItem,
    ContactOut,
    IdentityOut,
    NoteOut,
)
from relaydesk.domains.workspaces.models import User


def dialect_of(s: AsyncSession) -> str:
    return s.get_bind().dialect.name


async def definitions_txn(
    s: AsyncSession, workspace_id: uuid.UUID, *, share_lock: bool = False
) -> dict[str, Definition]:
    """The workspace's attribute definitions by key. Writers of values take them with a
    share lock, so a definition cannot change type while values checked against it land."""
    stmt = select(AttributeDefinition).where(AttributeDefinition.workspace_id == workspace_id)
    if share_lock:
        stmt = stmt.with_for_update(read=True)
    return definitions_of(await s.scalars(stmt))


# `ContactOut`'s fields, read as one row per contact (built once, the ids bound per call).
_OUT_FIELDS = tuple(ContactOut.model_fields)
_CONTACTS = table_of(Contact)
_OUT = select(*(_CONTACTS.c[name] for name in _OUT_FIELDS)).where(
    _CONTACTS.c.id.in_(bindparam("ids", expanding=True))
)


async def contacts_out_txn(
    s: AsyncSession, contact_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ContactOut]:
    """Contacts by id as events carry them, without loading ORM instances: for readers of
    many contacts at once (a batch of workflow runs). Validated from a dict: pydantic-core
    does that in about a third of the time `model_construct`'s Python loop over the fields
    takes (docs/benchmarks.md, "automation")."""
    if not contact_ids:
        return {}
    rows = await s.execute(_OUT, {"ids": list(contact_ids)})
    found = (ContactOut.model_validate(dict(zip(_OUT_FIELDS, row, strict=True))) for row in rows)
    return {contact.id: contact for contact in found}


async def tags_of_txn(
    s: AsyncSession, workspace_id: uuid.UUID, contact_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Tags of many contacts in one query (sorted per contact)."""
    tags: dict[uuid.UUID, list[str]] = defaultdict(list)
    if not contact_ids:
        return tags
    rows = await s.execute(
        select(ContactTag.contact_id, ContactTag.tag)
        .where(ContactTag.workspace_id == workspace_id, ContactTag.contact_id.in_(contact_ids))
        .order_by(ContactTag.tag)
    )
    for contact_id, tag in rows:
        tags[contact_id].append(tag)
    return tags


async def page_txn(
    s: AsyncSession,
    workspace_id: uuid.UUID,
    filters: ContactFilters,
    cursor: str | None,
    limit: int,
    definitions: dict[str, Definition] | None = None,
) -> Page[ContactListItem]:
    """Newest first, keyset-paginated on (created_at, id)."""
    if definitions is None:
        definitions = await definitions_txn(s, workspace_id) if filters.needs_definitions else {}
    stmt = paginate_desc(
        select(Contact).where(*conditions(filters, workspace_id, definitions, dialect_of(s))),
        [Contact.created_at, Contact.id],
        cursor,
        limit,
    )
    rows = (await s.scalars(stmt)).all()
    page = page_of(rows, limit, lambda r: (r.created_at, r.id))
    tags = await tags_of_txn(s, workspace_id, [c.id for c in page.items])
    items = [
        ContactListItem(**ContactOut.model_validate(c).model_dump(), tags=tags.get(c.id, []))
        for c in page.items
    ]
    return Page(items=items, next_cursor=page.next_cursor)


async def list_contacts(
    db: Database, workspace_id: uuid.UUID, filters: ContactFilters, cursor: str | None, limit: int
) -> Page[ContactListItem]:
    async with db.read("list_contacts") as s:
        return await page_txn(s, workspace_id, filters, cursor, limit)


async def detail_txn(
    s: AsyncSession, workspace_id: uuid.UUID, contact: Contact
) -> ContactDetailOut:
    tags = await tags_of_txn(s, workspace_id, [contact.id])
    consents = await s.scalars(
        select(ContactConsent)
        .where(ContactConsent.contact_id == contact.id)
        .order_by(ContactConsent.changed_at)
    )
    identities = await s.scalars(
        select(ContactIdentity)
        .where(ContactIdentity.contact_id == contact.id)
        .order_by(ContactIdentity.created_at, ContactIdentity.id)
    )
    return ContactDetailOut(
        **ContactOut.model_validate(contact).model_dump(),
        tags=tags.get(contact.id, []),
        consents=[ConsentOut.model_validate(c) for c in consents],
        identities=[IdentityOut.model_validate(i) for i in identities],
    )


async def get_contact(
    db: Database, workspace_id: uuid.UUID, contact_id: uuid.UUID
) -> ContactDetailOut:
    """The contact with its tags, consents and identities."""
    async with db.read("get_contact") as s:
        contact = await get_in_workspace_txn(s, Contact, workspace_id, contact_id, "contact")
        return await detail_txn(s, workspace_id, contact)


async def list_definitions(db: Database, workspace_id: uuid.UUID) -> list[AttributeDefinition]:
    """Every attribute definition of the workspace, by key (a workspace has few)."""
    async with db.read("list_attribute_definitions") as s:
        rows = await s.scalars(
            select(AttributeDefinition)
            .where(AttributeDefinition.workspace_id == workspace_id)
            .order_by(AttributeDefinition.key)
        )
        return list(rows)


_NOTE_COLUMNS = (
    ContactNote.id,
    ContactNote.contact_id,
    ContactNote.body,
    ContactNote.author_user_id,
    User.name,
    ContactNote.created_at,
)


def note_out(row: Sequence[object]) -> NoteOut:
    return NoteOut.model_validate(dict(zip(NoteOut.model_fields, row, strict=True)))


async def list_notes(
    db: Database, workspace_id: uuid.UUID, contact_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[NoteOut]:
    """Newest first, with each author's current name (none once the account is gone)."""
    stmt = paginate_desc(
        select(*_NOTE_COLUMNS)
        .outerjoin(User, User.id == ContactNote.author_user_id)
        .where(ContactNote.workspace_id == workspace_id, ContactNote.contact_id == contact_id),
        [ContactNote.created_at, ContactNote.id],
        cursor,
        limit,
    )
    async with db.read("list_contact_notes") as s:
        await get_in_workspace_txn(s, Contact, workspace_id, contact_id, "contact")
        rows = (await s.execute(stmt)).all()
    page = page_of(rows, limit, lambda r: (r.created_at, r.id))
    return Page(items=[note_out(r) for r in page.items], next_cursor=page.next_cursor)


async def get_note(db: Database, workspace_id: uuid.UUID, note_id: uuid.UUID) -> NoteOut:
    async with db.read("get_contact_note") as s:
        row = (
            await s.execute(
                select(*_NOTE_COLUMNS)
                .outerjoin(User, User.id == ContactNote.author_user_id)
                .where(ContactNote.workspace_id == workspace_id, ContactNote.id == note_id)
            )
        ).one()
    return note_out(row)
