"""The filters of contact lists (and exports), as SQL conditions.

`attribute` filters compare JSON values by the attribute's type. Reading inside JSON is
the one place where the dialects differ: list membership uses `json_each` on SQLite and
the `jsonb ?` operator on PostgreSQL.
"""

from __future__ import annotations

import typing
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, cast, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from relaydesk.domains.contacts.attributes import AttributeValueError, Definitions, parse_cell
from relaydesk.domains.contacts.error_codes import ContactError
from relaydesk.domains.contacts.models import Contact, ContactConsent, ContactTag
from relaydesk.domains.contacts.schemas import AttributeType, ConsentStatus
from relaydesk.errors import AppError


@dataclass(frozen=True)
class ContactFilters:
    """Every filter narrows the list (they combine with AND)."""

    tags: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)
    last_seen_before: datetime | None = None
    last_seen_after: datetime | None = None
    q: str | None = None
    blocked: bool | None = None

    @property
    def needs_definitions(self) -> bool:
        return bool(self.attributes)


def _condition(expression: Any) -> ColumnElement[bool]:
    # Indexing a JSON column is untyped in SQLAlchemy's stubs; the result is a boolean test.
    return typing.cast("ColumnElement[bool]", expression)


def _invalid(detail: str) -> AppError:
    return AppError(ContactError.INVALID_FILTER, detail)


def json_list_contains(dialect: str, key: str, value: str) -> ColumnElement[bool]:
    """The contact's list attribute `key` holds `value`."""
    if dialect == "sqlite":
        each = func.json_each(Contact.attributes, f'$."{key}"').table_valued("value")
        return exists(select(literal(1)).select_from(each).where(each.c.value == value))
    return _condition(cast(Contact.attributes[key], JSONB).has_key(value))


def has_attribute(key: str) -> ColumnElement[bool]:
    # ->> (PostgreSQL) and json_extract (SQLite) both give NULL for a missing key.
    return _condition(Contact.attributes[key].as_string().is_not(None))


def _attribute(definitions: Definitions, dialect: str, raw: str) -> ColumnElement[bool]:
    key, sep, text = raw.partition(":")
    if not sep or not key or not text:
        raise _invalid(f"attribute filter {raw!r}: use key:value, e.g. plan:gold")
    definition = definitions.get(key)
    if definition is None:
        raise AppError(
            ContactError.UNKNOWN_ATTRIBUTE,
            f"attribute filter {raw!r}: no attribute definition has the key {key!r}",
        )
    try:
        value: Any = parse_cell(definition, text)
    except AttributeValueError as exc:
        raise _invalid(f"attribute filter {raw!r}: {exc.message}") from None
    json_value = Contact.attributes[key]
    if definition.type is AttributeType.number:
        return _condition(json_value.as_float() == float(value))
    if definition.type is AttributeType.boolean:
        return _condition(json_value.as_boolean() == value)
    if definition.type is AttributeType.list:
        if len(value) != 1:
            raise _invalid(f"attribute filter {raw!r}: name one option")
        return json_list_contains(dialect, key, value[0])
    return _condition(json_value.as_string() == value)


def _consent(workspace_id: uuid.UUID, raw: str) -> ColumnElement[bool]:
    channel, sep, status = raw.partition(":")
    try:
        channel_id = uuid.UUID(channel)
        consent = ConsentStatus(status)
    except ValueError:
        raise _invalid(
            f"consent filter {raw!r}: use <channel_id>:opted_in or <channel_id>:opted_out"
        ) from None
    assert sep
    return exists().where(
        ContactConsent.contact_id == Contact.id,
        ContactConsent.workspace_id == workspace_id,
        ContactConsent.channel_id == channel_id,
        ContactConsent.status == consent.value,
    )


def conditions(
    filters: ContactFilters, workspace_id: uuid.UUID, definitions: Definitions, dialect: str
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Contact.workspace_id == workspace_id]
    for tag in filters.tags:
        where.append(
            exists().where(
                ContactTag.contact_id == Contact.id,
                ContactTag.workspace_id == workspace_id,
                ContactTag.tag == tag.strip(),
            )
        )
    where.extend(_attribute(definitions, dialect, raw) for raw in filters.attributes)
    where.extend(_consent(workspace_id, raw) for raw in filters.consents)
    if filters.last_seen_before is not None:
        where.append(Contact.last_seen_at < filters.last_seen_before)
    if filters.last_seen_after is not None:
        where.append(Contact.last_seen_at > filters.last_seen_after)
    if filters.blocked is not None:
        where.append(Contact.blocked == filters.blocked)
    if filters.q:
        q = filters.q.strip()
        where.append(
            or_(
                Contact.name.icontains(q, autoescape=True),
                Contact.email.icontains(q, autoescape=True),
                Contact.phone.icontains(q, autoescape=True),
            )
        )
    return where
