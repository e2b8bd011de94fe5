"""The contacts CSV format: one reader and one writer for the API and the command line.

Columns: `name`, `email`, `phone`, `language`, `tags` (separated by `;` or `|`) and one
`attr.<key>` column per custom attribute. The header row is required; columns may come in
any order and any may be left out. Rows are numbered as a spreadsheet shows them: the
header is row 1, the first contact row 2.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError

from relaydesk.db import Database
from relaydesk.domains.contacts.attributes import (
    AttributeValueError,
    Definitions,
    format_cell,
    parse_cell,
    split_values,
)
from relaydesk.domains.contacts.error_codes import ContactError
from relaydesk.domains.contacts.filters import ContactFilters
from relaydesk.domains.contacts.queries import definitions_txn, page_txn
from relaydesk.domains.contacts.schemas import (
    ContactListItem,
    ContactName,
    Language,
    Phone,
    RowError,
    Tag,
)
from relaydesk.errors import AppError

FIELD_COLUMNS = ("name", "email", "phone", "language", "tags")
ATTRIBUTE_PREFIX = "attr."
MAX_IMPORT_BYTES = 10 * 1024 * 1024
EXPORT_PAGE = 500
# Excel reads UTF-8 only when the file starts with a byte-order mark.
BOM = "\ufeff"


def invalid_file(detail: str) -> AppError:
    return AppError(ContactError.CSV_INVALID, detail)


class _Fields(BaseModel):
    """The contact fields of one row, validated as the JSON API validates them."""

    model_config = ConfigDict(extra="forbid")

    name: ContactName | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    language: Language | None = None
    tags: Annotated[list[Tag], Field(max_length=100)] = Field(default_factory=list)


@dataclass
class ContactRow:
    """One valid row, ready to be stored."""

    row: int
    name: str | None
    email: str | None
    phone: str | None
    language: str | None
    tags: list[str]
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Layout:
    """What each column of the file holds: a contact field or an attribute key."""

    columns: tuple[str, ...]

    @classmethod
    def of(cls, header: list[str], definitions: Definitions) -> Layout:
        columns = tuple(h.strip().lstrip(BOM).strip() for h in header)
        if not any(columns):
            raise invalid_file("the first row must be a header, e.g. name,email,phone,tags")
        seen: set[str] = set()
        for column in columns:
            if column in seen:
                raise invalid_file(f"column {column!r} appears twice in the header")
            seen.add(column)
            if column.startswith(ATTRIBUTE_PREFIX):
                key = column.removeprefix(ATTRIBUTE_PREFIX)
                if key not in definitions:
                    raise AppError(
                        ContactError.UNKNOWN_ATTRIBUTE,
                        f"column {column!r}: no attribute definition has the key {key!r}",
                    )
            elif column not in FIELD_COLUMNS:
                raise invalid_file(
                    f"unknown column {column!r}; use {', '.join(FIELD_COLUMNS)} "
                    f"or {ATTRIBUTE_PREFIX}<key>"
                )
        return cls(columns)


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid_file(f"the file is not UTF-8 (byte {exc.start})") from None


# Spreadsheets run a cell that starts like a formula. Exported cells that do are prefixed with
# an apostrophe (OWASP's advice for CSV injection) unless they are plain numbers or phone
# numbers; the import takes the apostrophe off again, so a round trip changes nothing.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9 ().-]*$")


def _neutralise(cell: str) -> str:
    if cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell


def _restore(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def read_records(text: str) -> list[list[str]]:
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise invalid_file(f"the file is not valid CSV: {exc}") from None
    return [[_restore(cell) for cell in record] for record in records]


def _field_errors(row: int, exc: ValidationError) -> list[RowError]:
    errors = []
    for error in exc.errors():
        column = str(error["loc"][0]) if error["loc"] else None
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.append(RowError(row=row, column=column, message=message))
    return errors


def parse_row(
    layout: Layout, definitions: Definitions, row: int, cells: list[str]
) -> ContactRow | list[RowError]:
    """A valid row, or every problem found in it. Empty cells are left out."""
    if len(cells) > len(layout.columns):
        return [
            RowError(
                row=row,
                message=f"the row has {len(cells)} cells but the header has {len(layout.columns)}",
            )
        ]
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    errors: list[RowError] = []
    for column, cell in zip(layout.columns, cells, strict=False):
        if not cell.strip():
            continue
        if column == "tags":
            fields["tags"] = split_values(cell)
        elif column.startswith(ATTRIBUTE_PREFIX):
            key = column.removeprefix(ATTRIBUTE_PREFIX)
            try:
                attributes[key] = parse_cell(definitions[key], cell)
            except AttributeValueError as exc:
                errors.append(RowError(row=row, column=column, message=exc.message))
        else:
            fields[column] = cell.strip()
    try:
        valid = _Fields.model_validate(fields)
    except ValidationError as exc:
        errors = _field_errors(row, exc) + errors
    if errors:
        return errors
    if not (valid.name or valid.email or valid.phone):
        return [RowError(row=row, message="a row needs a name, an email or a phone")]
    return ContactRow(
        row=row,
        name=valid.name,
        email=str(valid.email) if valid.email else None,
        phone=valid.phone,
        language=valid.language,
        tags=list(dict.fromkeys(valid.tags)),
        attributes=attributes,
    )


@dataclass
class ParsedFile:
    rows: list[ContactRow]
    errors: list[RowError]
    total: int


def parse_file(data: bytes, definitions: Definitions) -> ParsedFile:
    """Every row of the file checked; a problem with the file itself raises instead."""
    records = read_records(decode(data))
    if not records:
        raise invalid_file("the file is empty; the first row must be a header")
    layout = Layout.of(records[0], definitions)
    parsed = ParsedFile(rows=[], errors=[], total=0)
    for index, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines are not contacts
        parsed.total += 1
        result = parse_row(layout, definitions, index, cells)
        if isinstance(result, ContactRow):
            parsed.rows.append(result)
        else:
            parsed.errors.extend(result)
    return parsed


def header_of(definitions: Definitions) -> list[str]:
    return [*FIELD_COLUMNS, *(f"{ATTRIBUTE_PREFIX}{key}" for key in sorted(definitions))]


def _cells(contact: ContactListItem, keys: list[str]) -> list[str]:
    attributes = contact.attributes
    return [
        contact.name or "",
        contact.email or "",
        contact.phone or "",
        contact.language or "",
        ";".join(contact.tags),
        *(format_cell(attributes[k]) if k in attributes else "" for k in keys),
    ]


def _lines(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([_neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue()


async def export_csv(
    db: Database, workspace_id: uuid.UUID, filters: ContactFilters, *, bom: bool = False
) -> AsyncIterator[str]:
    """The workspace's contacts as CSV, newest first, a page of rows per chunk. The first
    chunk already holds the first page, so bad filters fail before anything is sent."""
    async with db.read("export_contacts") as s:
        definitions = await definitions_txn(s, workspace_id)
        page = await page_txn(s, workspace_id, filters, None, EXPORT_PAGE, definitions)
    keys = sorted(definitions)
    yield (BOM if bom else "") + _lines(
        [header_of(definitions), *(_cells(c, keys) for c in page.items)]
    )
    while page.next_cursor is not None:
        # One short read per page: a long export never holds a transaction open.
        async with db.read("export_contacts") as s:
            page = await page_txn(
                s, workspace_id, filters, page.next_cursor, EXPORT_PAGE, definitions
            )
        yield _lines(_cells(c, keys) for c in page.items)


def errors_csv(errors: Iterable[RowError]) -> str:
    """An import's error report as CSV (row, column, message)."""
    return _lines(
        [["row", "column", "message"], *([str(e.row), e.column or "", e.message] for e in errors)]
    )
