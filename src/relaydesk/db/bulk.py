"""Many-row INSERT and UPDATE statements handed to the driver as plain tuples.

SQLAlchemy's `executemany` builds a parameter dict per row (`construct_params`), then a
tuple from it, looking up each key's processor: about 10 µs a row here, more than SQLite
takes to write the row. The runner writes four rows per run that way (its step, the run,
a tag, an event), so for statements that write many rows `execute_many` compiles the
statement once per set of keys and turns each row into a tuple by one `itemgetter`, the
columns' own bind processors applied where they have one. Python-side column defaults
(a timestamp, a scalar) are filled in per row as SQLAlchemy would; a statement with any
other kind of default, or whose bind names are not the rows' keys, goes through
SQLAlchemy's path unchanged (`None` from `driver_params`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

_Row = dict[str, Any]
_Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    get: Callable[[_Row], tuple[Any, ...]]  # the rows' values, in the statement's order
    # Where a column's Python-side default goes (ascending), and how it is made.
    defaults: tuple[tuple[int, Callable[[], Any]], ...]
    processors: tuple[tuple[int, _Processor], ...]


# (statement id, dialect name, keys) -> (statement, plan or None for SQLAlchemy's path).
# Meant for statements built once (module constants); others only cost a compile.
_MAX_PLANS = 256
_PLANS: dict[tuple[int, str, tuple[str, ...]], tuple[UpdateBase, _Plan | None]] = {}


def _default_of(default: Any) -> Callable[[], Any] | None:
    """A column's `default` or `onupdate` as a function of no arguments, where it is a
    scalar or a Python callable of no arguments (not one that reads the execution context,
    an SQL expression or a sequence: those are left to SQLAlchemy)."""
    if getattr(default, "is_scalar", False):
        value = default.arg
        return lambda: value
    # SQLAlchemy wraps a callable of no arguments (`functools.update_wrapper`, hence
    # `__wrapped__`) to take the context; one that takes the context is kept as it is.
    if getattr(default, "is_callable", False) and hasattr(default.arg, "__wrapped__"):
        call = default.arg
        return lambda: call(None)
    return None


def _plan(stmt: UpdateBase, dialect: Dialect, keys: tuple[str, ...]) -> _Plan | None:
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    if not compiled.positional or not compiled.positiontup:
        return None
    if compiled.post_compile_params or compiled.literal_execute_params:
        return None
    filled: dict[str, Callable[[], Any]] = {}
    for column in compiled.insert_prefetch:
        filled[column.key] = _default_of(column.default)  # type: ignore[assignment]
    for column in compiled.update_prefetch:
        filled[column.key] = _default_of(column.onupdate)  # type: ignore[assignment]
    if None in filled.values():
        return None
    names = tuple(compiled.positiontup)
    present = [name for name in names if name not in filled]
    if not set(present) <= set(keys) or not present:
        return None
    defaults = tuple((i, filled[name]) for i, name in enumerate(names) if name in filled)
    processors = []
    for index, name in enumerate(names):
        processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors.append((index, processor))
    first = present[0]
    get = itemgetter(*present) if len(present) > 1 else (lambda row: (row[first],))
    return _Plan(compiled.string, get, defaults, tuple(processors))


def driver_params(
    dialect: Dialect, stmt: UpdateBase, rows: Sequence[_Row]
) -> tuple[str, list[tuple[Any, ...]]] | None:
    """The statement's SQL and one tuple per row (rows with the first one's keys), or None
    for SQLAlchemy's own path."""
    keys = tuple(rows[0])
    cache_key = (id(stmt), dialect.name, keys)
    cached = _PLANS.get(cache_key)
    if cached is None or cached[0] is not stmt:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()  # statements built per call would otherwise pile up here
        cached = _PLANS[cache_key] = (stmt, _plan(stmt, dialect, keys))
    plan = cached[1]
    if plan is None:
        return None
    get, defaults, processors = plan.get, plan.defaults, plan.processors
    params: list[tuple[Any, ...]] = []
    try:
        for row in rows:
            values = list(get(row))
            for index, fill in defaults:
                values.insert(index, fill())
            for index, processor in processors:
                values[index] = processor(values[index])
            params.append(tuple(values))
    except KeyError:
        return None  # a row without one of the keys: SQLAlchemy's error
    return plan.sql, params


async def execute_many(s: AsyncSession, stmt: UpdateBase, rows: Sequence[_Row]) -> None:
    """`s.execute(stmt, rows)` for rows that share their keys, through `driver_params`."""
    if not rows:
        return
    conn = await s.connection()
    prepared = driver_params(conn.dialect, stmt, rows)
    if prepared is None:
        await s.execute(stmt, list(rows))
    else:
        await conn.exec_driver_sql(*prepared)


def execute_many_sync(session: Session, stmt: UpdateBase, rows: Sequence[_Row]) -> None:
    """`execute_many` inside a synchronous session hook (the outbox's `before_commit`)."""
    if not rows:
        return
    conn: Connection = session.connection()
    prepared = driver_params(conn.dialect, stmt, rows)
    if prepared is None:
        session.execute(stmt, list(rows))
    else:
        conn.exec_driver_sql(*prepared)
