"""Contacts endpoints (under /workspaces/{workspace_id}): contacts, their tags, consent and
merges, CSV import and export, and the workspace's attribute definitions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from relaydesk.api.deps import PAGE_SIZE, Cursor, DbDep, Limit, ReadAccess, workspace_access
from relaydesk.api.v1.pages import PageOut
from relaydesk.db.scoped import get_in_workspace
from relaydesk.domains.contacts import csv_io, queries
from relaydesk.domains.contacts.actions import bulk, definitions, imports, merge, notes
from relaydesk.domains.contacts.actions import contacts as actions
from relaydesk.domains.contacts.filters import ContactFilters
from relaydesk.domains.contacts.models import AttributeDefinition
from relaydesk.domains.contacts.schemas import (
    AttributeDefinitionIn,
    AttributeDefinitionOut,
    AttributeDefinitionUpdateIn,
    BulkIn,
    BulkOut,
    ConsentIn,
    ConsentOut,
    ContactCreateIn,
    ContactDetailOut,
    ContactListItem,
    ContactUpdateIn,
    ImportReport,
    MergeIn,
    NoteIn,
    NoteOut,
    TagsIn,
)
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, CommonError

router = APIRouter(prefix="/workspaces/{workspace_id}", tags=["contacts"])
Write = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.conversations_write))]
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.workspace_manage))]
CSV_TYPES = {"text/csv", "application/csv", "text/plain"}


def contact_filters(
    tag: Annotated[
        list[str] | None, Query(description="Has this tag; repeat to require several.")
    ] = None,
    attribute: Annotated[
        list[str] | None,
        Query(description="`key:value`, compared by the attribute's type (`plan:gold`)."),
    ] = None,
    consent: Annotated[
        list[str] | None, Query(description="`<channel_id>:opted_in` or `…:opted_out`.")
    ] = None,
    last_seen_before: AwareDatetime | None = None,
    last_seen_after: AwareDatetime | None = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Part of name, email, phone.")
    ] = None,
    blocked: bool | None = None,
) -> ContactFilters:
    return ContactFilters(
        tags=tag or [],
        attributes=attribute or [],
        consents=consent or [],
        last_seen_before=last_seen_before,
        last_seen_after=last_seen_after,
        q=q,
        blocked=blocked,
    )


Filters = Annotated[ContactFilters, Depends(contact_filters)]


@router.get("/contacts")
async def list_contacts(
    access: ReadAccess,
    db: DbDep,
    filters: Filters,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[ContactListItem]:
    """Newest first. Filters combine with AND."""
    page = await queries.list_contacts(db, access.workspace_id, filters, cursor, limit)
    return PageOut(items=page.items, next_cursor=page.next_cursor)


@router.post("/contacts", status_code=status.HTTP_201_CREATED)
async def create_contact(body: ContactCreateIn, access: Write, db: DbDep) -> ContactDetailOut:
    contact = await actions.create_contact(db, access.actor, access.workspace_id, body)
    return await queries.get_contact(db, access.workspace_id, contact.id)


@router.get(
    "/contacts/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The contacts as CSV."}},
)
async def export_contacts(
    access: ReadAccess,
    db: DbDep,
    filters: Filters,
    bom: Annotated[bool, Query(description="Start with a UTF-8 byte-order mark (Excel).")] = False,
) -> StreamingResponse:
    """Every contact (or those matching the filters) as CSV, in the import format."""
    chunks = csv_io.export_csv(db, access.workspace_id, filters, bom=bom)
    # The first chunk is read here, so that bad filters answer as a problem, not a cut stream.
    first = await anext(chunks)

    async def body() -> AsyncIterator[str]:
        yield first
        async for chunk in chunks:
            yield chunk

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="contacts.csv"'},
    )


async def _csv_body(request: Request) -> bytes:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise AppError(
            CommonError.UNSUPPORTED_MEDIA_TYPE, "Send the file as the body, with text/csv"
        )
    too_large = AppError(
        CommonError.PAYLOAD_TOO_LARGE,
        f"The file is larger than {csv_io.MAX_IMPORT_BYTES // (1024 * 1024)} MB",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > csv_io.MAX_IMPORT_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > csv_io.MAX_IMPORT_BYTES:
            raise too_large
    return bytes(body)


@router.post(
    "/contacts/import",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def import_contacts(request: Request, access: Write, db: DbDep) -> ImportReport:
    """Upsert contacts from a CSV file (at most 10 MB): by email, else by phone. Bad rows are
    reported in `errors` and store nothing; the good rows are stored."""
    data = await _csv_body(request)
    return await imports.import_contacts(db, access.actor, access.workspace_id, data)


@router.post("/contacts/bulk")
async def bulk_contacts(body: BulkIn, access: Write, db: DbDep) -> BulkOut:
    """Tag, untag or delete many contacts in one transaction. Ids that are not this
    workspace's contacts are skipped; `affected` counts the contacts that changed."""
    return BulkOut(affected=await bulk.bulk_contacts(db, access.actor, access.workspace_id, body))


@router.get("/contacts/{contact_id}")
async def get_contact(contact_id: uuid.UUID, access: ReadAccess, db: DbDep) -> ContactDetailOut:
    """The contact with its tags, consents and channel identities."""
    return await queries.get_contact(db, access.workspace_id, contact_id)


@router.patch("/contacts/{contact_id}")
async def update_contact(
    contact_id: uuid.UUID, body: ContactUpdateIn, access: Write, db: DbDep
) -> ContactDetailOut:
    """Only the fields sent change; `null` clears one. `attributes` merges key by key."""
    await actions.update_contact(db, access.actor, access.workspace_id, contact_id, body)
    return await queries.get_contact(db, access.workspace_id, contact_id)


@router.delete("/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_contact(contact_id: uuid.UUID, access: Write, db: DbDep) -> None:
    """Delete the contact with its identities and conversations."""
    await actions.delete_contact(db, access.actor, access.workspace_id, contact_id)


@router.post("/contacts/{contact_id}/tags")
async def add_tags(
    contact_id: uuid.UUID, body: TagsIn, access: Write, db: DbDep
) -> ContactDetailOut:
    await actions.add_tags(db, access.actor, access.workspace_id, contact_id, body.tags)
    return await queries.get_contact(db, access.workspace_id, contact_id)


@router.delete("/contacts/{contact_id}/tags/{tag}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_tag(contact_id: uuid.UUID, tag: str, access: Write, db: DbDep) -> None:
    await actions.remove_tag(db, access.actor, access.workspace_id, contact_id, tag)


@router.put("/contacts/{contact_id}/consents/{channel_id}")
async def set_consent(
    contact_id: uuid.UUID, channel_id: uuid.UUID, body: ConsentIn, access: Write, db: DbDep
) -> ConsentOut:
    """Record that the contact opted in or out of messages on this channel account."""
    consent = await actions.set_consent(
        db, access.actor, access.workspace_id, contact_id, channel_id, body
    )
    return ConsentOut.model_validate(consent)


@router.post("/contacts/{contact_id}/merge")
async def merge_contacts(
    contact_id: uuid.UUID, body: MergeIn, access: Write, db: DbDep
) -> ContactDetailOut:
    """Move everything of `other_contact_id` into this contact (this one's values win on
    conflicts) and delete the other."""
    await merge.merge_contacts(
        db, access.actor, access.workspace_id, contact_id, body.other_contact_id
    )
    return await queries.get_contact(db, access.workspace_id, contact_id)


@router.get("/contacts/{contact_id}/notes")
async def list_notes(
    contact_id: uuid.UUID,
    access: ReadAccess,
    db: DbDep,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[NoteOut]:
    """Newest first."""
    page = await queries.list_notes(db, access.workspace_id, contact_id, cursor, limit)
    return PageOut(items=page.items, next_cursor=page.next_cursor)


@router.post("/contacts/{contact_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(contact_id: uuid.UUID, body: NoteIn, access: Write, db: DbDep) -> NoteOut:
    note = await notes.add_note(db, access.actor, access.workspace_id, contact_id, body.body)
    return await queries.get_note(db, access.workspace_id, note.id)


@router.delete("/contacts/{contact_id}/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_note(contact_id: uuid.UUID, note_id: uuid.UUID, access: Write, db: DbDep) -> None:
    """The author deletes their note; members who manage the workspace delete any."""
    await notes.delete_note(db, access.actor, access.workspace_id, contact_id, note_id)


@router.get("/attribute-definitions")
async def list_attribute_definitions(access: ReadAccess, db: DbDep) -> list[AttributeDefinitionOut]:
    """Every definition of the workspace, by key."""
    rows = await queries.list_definitions(db, access.workspace_id)
    return [AttributeDefinitionOut.model_validate(r) for r in rows]


@router.post("/attribute-definitions", status_code=status.HTTP_201_CREATED)
async def create_attribute_definition(
    body: AttributeDefinitionIn, access: Manage, db: DbDep
) -> AttributeDefinitionOut:
    created = await definitions.create_definition(db, access.actor, access.workspace_id, body)
    return AttributeDefinitionOut.model_validate(created)


@router.get("/attribute-definitions/{definition_id}")
async def get_attribute_definition(
    definition_id: uuid.UUID, access: ReadAccess, db: DbDep
) -> AttributeDefinitionOut:
    row = await get_in_workspace(
        db, AttributeDefinition, access.workspace_id, definition_id, "attribute definition"
    )
    return AttributeDefinitionOut.model_validate(row)


@router.patch("/attribute-definitions/{definition_id}")
async def update_attribute_definition(
    definition_id: uuid.UUID, body: AttributeDefinitionUpdateIn, access: Manage, db: DbDep
) -> AttributeDefinitionOut:
    """A new type, or dropping an option, is refused while contacts hold values of it."""
    row = await definitions.update_definition(
        db, access.actor, access.workspace_id, definition_id, body
    )
    return AttributeDefinitionOut.model_validate(row)


@router.delete("/attribute-definitions/{definition_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_attribute_definition(definition_id: uuid.UUID, access: Manage, db: DbDep) -> None:
    """Refused while contacts hold values of it."""
    await definitions.delete_definition(db, access.actor, access.workspace_id, definition_id)
