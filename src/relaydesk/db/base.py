"""Declarative base and column helpers shared by every domain model."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    TypeDecorator,
)
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware datetime")
    return value.astimezone(UTC)


def _sqlite_text(value: datetime) -> str:
    """What `value.replace(tzinfo=None).isoformat(" ", "microseconds")` gives, for a UTC
    value, in half the time: `isoformat` parses its arguments on every call, and an
    f-string's seven format specs cost as much as it does."""
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


class _SQLiteText(DATETIME):
    """SQLite's DATETIME column with no conversions of its own: `UTCDateTime` writes and
    reads the text itself."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores no offset).

    On SQLite the text is SQLAlchemy's own format, `YYYY-MM-DD HH:MM:SS.ffffff` (so stored
    values still compare in order as text), written by %-formatting and read by
    `datetime.fromisoformat`: about a third of the cost of SQLAlchemy's conversions, paid
    for every timestamp of every row."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return _SQLiteText()  # type: ignore[no-untyped-call]
        return dialect.type_descriptor(self.impl)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        # On SQLite, one function per value rather than TypeDecorator's two (each timestamp
        # of each row written passes here).
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            return _sqlite_text(value if value.tzinfo is UTC else _as_utc(value))

        return process

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = value if value.tzinfo is UTC else _as_utc(value)
        return _sqlite_text(value) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        # As `bind_processor`: one function per value read, on SQLite.
        return self._from_value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return self._from_value(value)

    @staticmethod
    def _from_value(value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements: a bulk insert or update of plain rows skips the
    ORM's per-row bookkeeping (column defaults still apply)."""
    return cast(Table, model.__table__)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantMixin(TimestampMixin):
    """A row that belongs to one workspace; read it through `db.scoped`."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
