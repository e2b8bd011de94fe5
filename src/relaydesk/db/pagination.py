"""Keyset (cursor) pagination: stable under inserts, no OFFSET scans.

A cursor is an opaque, URL-safe string holding the sort key of the last item returned.
Lists are ordered newest first unless a query says otherwise.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from relaydesk.errors import AppError, CommonError

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and "t" in value:
        return datetime.fromisoformat(value["t"])
    if isinstance(value, dict) and "u" in value:
        return uuid.UUID(value["u"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = [_typed(v) for v in json.loads(raw)]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise AppError(CommonError.INVALID_CURSOR) from None
    if not isinstance(values, list) or len(values) != width:
        raise AppError(CommonError.INVALID_CURSOR)
    return values


def _after(keys: Sequence[InstrumentedAttribute[Any]], values: list[Any]) -> ColumnElement[bool]:
    """(k1, k2, …) < (v1, v2, …) for a descending order, spelt out for every backend."""
    head, *rest = keys
    before: ColumnElement[bool] = head < values[0]
    if not rest:
        return before
    return or_(before, and_(head == values[0], _after(rest, values[1:])))


def paginate_desc(
    stmt: Select[*Ts],
    keys: Sequence[InstrumentedAttribute[Any]],
    cursor: str | None,
    limit: int,
) -> Select[*Ts]:
    if cursor:
        stmt = stmt.where(_after(keys, decode_cursor(cursor, len(keys))))
    return stmt.order_by(*(k.desc() for k in keys)).limit(limit + 1)


def page_of(rows: Sequence[T], limit: int, key_of: Any) -> Page[T]:
    """`rows` came from paginate_desc (limit + 1 rows); `key_of(row)` gives its sort key."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor(key_of(items[-1])) if more else None)
