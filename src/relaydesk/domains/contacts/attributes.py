"""Typed custom attributes: checking values against the workspace's definitions.

Values are stored in `contacts.attributes` as JSON: text and date (ISO `YYYY-MM-DD`) as
strings, number as a JSON number, boolean as true/false, list as an array of strings that
are all among the definition's options. The same rules serve the JSON API and CSV files;
CSV cells are text, so `parse_cell` turns them into the JSON value first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from relaydesk.domains.contacts.error_codes import ContactError
from relaydesk.domains.contacts.models import AttributeDefinition
from relaydesk.domains.contacts.schemas import AttributeType
from relaydesk.errors import AppError

MAX_TEXT = 2000
_INTEGER = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
# Cells of list attributes (and of the tags column) hold several values.
LIST_SEPARATORS = re.compile(r"[;|]")


@dataclass(frozen=True)
class Definition:
    key: str
    type: AttributeType
    options: tuple[str, ...]

    @classmethod
    def of(cls, row: AttributeDefinition) -> Definition:
        return cls(key=row.key, type=AttributeType(row.type), options=tuple(row.options))


Definitions = Mapping[str, Definition]


def definitions_of(rows: Iterable[AttributeDefinition]) -> dict[str, Definition]:
    return {row.key: Definition.of(row) for row in rows}


class AttributeValueError(ValueError):
    """A value that its definition refuses (or a key without a definition)."""

    def __init__(self, key: str, message: str, *, unknown: bool = False) -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        self.unknown = unknown

    def to_error(self) -> AppError:
        code = ContactError.UNKNOWN_ATTRIBUTE if self.unknown else ContactError.INVALID_ATTRIBUTE
        return AppError(code, f"attributes.{self.key}: {self.message}", attribute=self.key)


def unknown(key: str) -> AttributeValueError:
    return AttributeValueError(
        key, f"no attribute definition has the key {key!r}; create one first", unknown=True
    )


def coerce(definition: Definition, value: Any) -> Any:
    """The value to store for `value` given as JSON; raises AttributeValueError."""
    key, kind = definition.key, definition.type
    if kind is AttributeType.text:
        if not isinstance(value, str) or not value.strip():
            raise AttributeValueError(key, "expected a non-empty text")
        if len(value) > MAX_TEXT:
            raise AttributeValueError(key, f"text is longer than {MAX_TEXT} characters")
        return value.strip()
    if kind is AttributeType.number:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AttributeValueError(key, "expected a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise AttributeValueError(key, "expected a finite number")
        return value
    if kind is AttributeType.date:
        if not isinstance(value, str):
            raise AttributeValueError(key, "expected a date as YYYY-MM-DD")
        return _date(key, value)
    if kind is AttributeType.boolean:
        if not isinstance(value, bool):
            raise AttributeValueError(key, "expected true or false")
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AttributeValueError(key, "expected a list of texts")
    return _options(definition, value)


def parse_cell(definition: Definition, cell: str) -> Any:
    """The value to store for a CSV cell (never empty: empty cells are skipped)."""
    key, kind, text = definition.key, definition.type, cell.strip()
    if kind is AttributeType.number:
        if _INTEGER.match(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            raise AttributeValueError(key, f"{text!r} is not a number") from None
        if not math.isfinite(number):
            raise AttributeValueError(key, "expected a finite number")
        return number
    if kind is AttributeType.boolean:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise AttributeValueError(key, f"{text!r} is not a boolean; use true or false")
    if kind is AttributeType.list:
        return _options(definition, split_values(text))
    return coerce(definition, text)


def format_cell(value: Any) -> str:
    """A stored value as a CSV cell that `parse_cell` reads back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def split_values(cell: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(cell) if part.strip()]


def check_values(definitions: Definitions, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every value checked against its definition; an unknown key is refused."""
    checked: dict[str, Any] = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            raise unknown(key)
        checked[key] = coerce(definition, value)
    return checked


def _date(key: str, text: str) -> str:
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise AttributeValueError(key, f"{text!r} is not a date; use YYYY-MM-DD") from None


def _options(definition: Definition, values: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if not chosen:
        raise AttributeValueError(definition.key, "expected at least one value")
    outside = [v for v in chosen if v not in definition.options]
    if outside:
        allowed = ", ".join(definition.options)
        raise AttributeValueError(
            definition.key, f"{', '.join(outside)} not among the options ({allowed})"
        )
    return chosen
