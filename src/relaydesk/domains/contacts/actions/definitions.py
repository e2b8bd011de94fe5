"""Attribute definitions: the typed custom fields of a workspace's contacts (admins only).

A change that would make stored values wrong is refused while contacts hold values: a
new type, an option that is in use, or deleting the definition.
"""

from __future__ import annotations

import uuid

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.contacts.error_codes import ContactError
from relaydesk.domains.contacts.filters import has_attribute, json_list_contains
from relaydesk.domains.contacts.models import AttributeDefinition, Contact
from relaydesk.domains.contacts.queries import dialect_of
from relaydesk.domains.contacts.schemas import (
    AttributeDefinitionIn,
    AttributeDefinitionUpdateIn,
    AttributeType,
)
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError

MANAGE = Permission.workspace_manage
MAX_DEFINITIONS = 200


def check_options(kind: AttributeType, options: list[str]) -> list[str]:
    unique = list(dict.fromkeys(options))
    if kind is AttributeType.list and not unique:
        raise AppError(ContactError.INVALID_DEFINITION, "options: a list attribute needs options")
    if kind is not AttributeType.list and unique:
        raise AppError(
            ContactError.INVALID_DEFINITION, "options: only list attributes have options"
        )
    return unique


async def _in_use_txn(s: AsyncSession, workspace_id: uuid.UUID, key: str) -> bool:
    return bool(
        await s.scalar(
            select(exists().where(Contact.workspace_id == workspace_id, has_attribute(key)))
        )
    )


async def _options_in_use_txn(
    s: AsyncSession, workspace_id: uuid.UUID, key: str, options: list[str]
) -> list[str]:
    used = []
    for option in options:
        holds = json_list_contains(dialect_of(s), key, option)
        if await s.scalar(select(exists().where(Contact.workspace_id == workspace_id, holds))):
            used.append(option)
    return used


async def create_definition(
    db: Database, actor: Actor, workspace_id: uuid.UUID, body: AttributeDefinitionIn
) -> AttributeDefinition:
    options = check_options(body.type, body.options)
    try:
        async with db.write("create_attribute_definition") as s:
            await require_txn(s, actor, workspace_id, MANAGE)
            taken = await s.scalar(
                select(AttributeDefinition.id).where(
                    AttributeDefinition.workspace_id == workspace_id,
                    AttributeDefinition.key == body.key,
                )
            )
            if taken is not None:
                raise AppError(ContactError.ATTRIBUTE_KEY_TAKEN, f"key {body.key!r} is taken")
            count = await s.scalar(
                select(func.count()).where(AttributeDefinition.workspace_id == workspace_id)
            )
            if (count or 0) >= MAX_DEFINITIONS:
                raise AppError(
                    ContactError.INVALID_DEFINITION,
                    f"a workspace has at most {MAX_DEFINITIONS} attribute definitions",
                )
            definition = AttributeDefinition(
                workspace_id=workspace_id,
                key=body.key,
                label=body.label,
                type=body.type.value,
                options=options,
            )
            s.add(definition)
            await s.flush()
            record_txn(
                s,
                actor,
                "attribute_definition.created",
                workspace_id=workspace_id,
                target_type="attribute_definition",
                target_id=definition.id,
                data={"key": body.key, "type": body.type.value},
            )
    except IntegrityError:
        # A concurrent creator took the key between our check and our insert.
        raise AppError(ContactError.ATTRIBUTE_KEY_TAKEN, f"key {body.key!r} is taken") from None
    return definition


async def update_definition(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    definition_id: uuid.UUID,
    body: AttributeDefinitionUpdateIn,
) -> AttributeDefinition:
    async with db.write("update_attribute_definition") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        definition = await get_in_workspace_txn(
            s, AttributeDefinition, workspace_id, definition_id, "attribute definition", lock=True
        )
        old_type = AttributeType(definition.type)
        kind = body.type or old_type
        options = check_options(
            kind,
            body.options
            if body.options is not None
            else (definition.options if kind is old_type else []),
        )
        if kind is not old_type and await _in_use_txn(s, workspace_id, definition.key):
            raise AppError(
                ContactError.ATTRIBUTE_IN_USE,
                f"contacts hold values of {definition.key!r}; its type cannot change "
                f"from {old_type.value} to {kind.value} until they are removed",
            )
        removed = [o for o in definition.options if o not in options]
        if kind is old_type and removed:
            used = await _options_in_use_txn(s, workspace_id, definition.key, removed)
            if used:
                raise AppError(
                    ContactError.ATTRIBUTE_IN_USE,
                    f"options still held by contacts cannot be removed: {', '.join(used)}",
                )
        if body.label is not None:
            definition.label = body.label
        definition.type = kind.value
        definition.options = options
        record_txn(
            s,
            actor,
            "attribute_definition.updated",
            workspace_id=workspace_id,
            target_type="attribute_definition",
            target_id=definition.id,
            data={"key": definition.key, "type": kind.value},
        )
    return definition


async def delete_definition(
    db: Database, actor: Actor, workspace_id: uuid.UUID, definition_id: uuid.UUID
) -> None:
    async with db.write("delete_attribute_definition") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        definition = await get_in_workspace_txn(
            s, AttributeDefinition, workspace_id, definition_id, "attribute definition", lock=True
        )
        if await _in_use_txn(s, workspace_id, definition.key):
            raise AppError(
                ContactError.ATTRIBUTE_IN_USE,
                f"contacts hold values of {definition.key!r}; remove them before the definition",
            )
        await s.delete(definition)
        record_txn(
            s,
            actor,
            "attribute_definition.deleted",
            workspace_id=workspace_id,
            target_type="attribute_definition",
            target_id=definition.id,
            data={"key": definition.key},
        )
