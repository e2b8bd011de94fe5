"""CSV import: every row checked first, then the good ones upserted in a few transactions.

A row updates the contact with the same email (case-insensitive), else the contact with the
same phone; with neither, or no match, it creates one. On a match, the row's non-empty
cells overwrite, tags are added and attributes merged. When several contacts match, the
oldest wins. A bad row is reported and stores nothing; it never stops the good ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.domains.actor import Actor
from relaydesk.domains.contacts.actions.contacts import (
    WRITE,
    contact_out,
    do_add_tags_batch_txn,
    emit_contact_updated_txn,
)
from relaydesk.domains.contacts.csv_io import ContactRow, parse_file
from relaydesk.domains.contacts.models import Contact
from relaydesk.domains.contacts.queries import definitions_txn
from relaydesk.domains.contacts.schemas import ContactChanges, ImportReport
from relaydesk.domains.workspaces.access import load_access_txn, require_txn
from relaydesk.domains.workspaces.models import Workspace
from relaydesk.errors import AppError, CommonError, not_found
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import ContactCreated

# Rows per write transaction: large enough that 1,000 rows take two, small enough to keep
# each IN (…) lookup and the time the write lock is held short.
BATCH = 500

Progress = Callable[[int, int], None]


async def import_contacts(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    data: bytes,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV file; `on_progress(done, total)` follows the rows as they are handled."""
    async with db.read("import_contacts_check") as s:
        if await s.get(Workspace, workspace_id) is None:
            raise not_found("workspace")
        (await load_access_txn(s, actor, workspace_id)).require(WRITE)
        definitions = await definitions_txn(s, workspace_id)
    parsed = parse_file(data, definitions)
    report = ImportReport(failed=len({e.row for e in parsed.errors}), errors=parsed.errors)
    done = report.failed
    if on_progress:
        on_progress(done, parsed.total)
    for start in range(0, len(parsed.rows), BATCH):
        batch = parsed.rows[start : start + BATCH]
        async with db.write("import_contacts") as s:
            await require_txn(s, actor, workspace_id, WRITE)
            if await definitions_txn(s, workspace_id, share_lock=True) != definitions:
                raise AppError(
                    CommonError.CONFLICT,
                    "attribute definitions changed during the import; import the file again",
                )
            created, updated = await _upsert_txn(s, actor, workspace_id, batch)
        report.created += created
        report.updated += updated
        done += len(batch)
        if on_progress:
            on_progress(done, parsed.total)
    return report


async def _matches_txn(
    s: AsyncSession, workspace_id: uuid.UUID, rows: Sequence[ContactRow]
) -> tuple[dict[str, Contact], dict[str, Contact]]:
    """Existing contacts by lower-cased email and by phone, in one locked query."""
    emails = {r.email.lower() for r in rows if r.email}
    phones = {r.phone for r in rows if r.phone}
    by_email: dict[str, Contact] = {}
    by_phone: dict[str, Contact] = {}
    if not emails and not phones:
        return by_email, by_phone
    found = await s.scalars(
        select(Contact)
        .where(
            Contact.workspace_id == workspace_id,
            or_(func.lower(Contact.email).in_(emails), Contact.phone.in_(phones)),
        )
        .order_by(Contact.created_at, Contact.id)
        .with_for_update()
    )
    for contact in found:
        if contact.email:
            by_email.setdefault(contact.email.lower(), contact)
        if contact.phone:
            by_phone.setdefault(contact.phone, contact)
    return by_email, by_phone


_INSERTED = ("id", "workspace_id", "name", "email", "phone", "language", "attributes", "blocked")


def _values(contact: Contact) -> dict[str, Any]:
    return {name: getattr(contact, name) for name in _INSERTED} | {"created_at": contact.created_at}


def _apply(contact: Contact, row: ContactRow) -> None:
    for name in ("name", "email", "phone", "language"):
        value = getattr(row, name)
        if value is not None:
            setattr(contact, name, value)
    if row.attributes:
        contact.attributes = {**contact.attributes, **row.attributes}


async def _upsert_txn(
    s: AsyncSession, actor: Actor, workspace_id: uuid.UUID, rows: Sequence[ContactRow]
) -> tuple[int, int]:
    now = utcnow()
    by_email, by_phone = await _matches_txn(s, workspace_id, rows)
    new: dict[uuid.UUID, Contact] = {}
    changed: dict[uuid.UUID, Contact] = {}
    # The attributes of each existing contact before the file touched it.
    before: dict[uuid.UUID, dict[str, Any]] = {}
    tags: dict[uuid.UUID, list[str]] = {}
    updated = 0
    for row in rows:
        contact = (by_email.get(row.email.lower()) if row.email else None) or (
            by_phone.get(row.phone) if row.phone else None
        )
        if contact is None:
            # Not added to the session: new rows go in as one multi-row INSERT below.
            contact = Contact(
                id=uuid.uuid4(),
                workspace_id=workspace_id,
                attributes={},
                blocked=False,
                created_at=now,
            )
            new[contact.id] = contact
        else:
            updated += 1
            if contact.id not in new:
                changed[contact.id] = contact
                before.setdefault(contact.id, contact.attributes)
        _apply(contact, row)
        # Later rows of the same file match what earlier rows stored.
        if contact.email:
            by_email.setdefault(contact.email.lower(), contact)
        if contact.phone:
            by_phone.setdefault(contact.phone, contact)
        tags.setdefault(contact.id, []).extend(row.tags)
    if new:
        await s.execute(insert(Contact), [_values(c) for c in new.values()])
    await s.flush()
    added = await do_add_tags_batch_txn(s, workspace_id, tags)
    for contact in new.values():
        emit_txn(s, actor, workspace_id, ContactCreated(contact=contact_out(contact)))
    for contact in changed.values():
        changes = ContactChanges.of_attributes(before[contact.id], contact.attributes)
        changes.tags_added = added.get(contact.id, [])
        emit_contact_updated_txn(s, actor, workspace_id, contact, changes)
    return len(new), updated
