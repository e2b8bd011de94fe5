"""Names of the database objects that search owns outside the models.

Migration 0003 creates them with raw SQL; the Alembic drift check skips exactly these names
(`include_name`), so it stays strict for everything the models describe.
"""

from __future__ import annotations

from typing import Any

# SQLite: an FTS5 table (trigram) per searched table, plus a map from the row's UUID to the
# FTS rowid. The map gives the FTS rows a key of their own (an INTEGER PRIMARY KEY), because
# the implicit rowid of a UUID-keyed table is renumbered when the table is rebuilt.
MESSAGES_FTS = "messages_fts"
MESSAGES_FTS_ROWS = "messages_fts_rows"
CONTACTS_FTS = "contacts_fts"
CONTACTS_FTS_ROWS = "contacts_fts_rows"
_FTS5_SHADOWS = ("data", "idx", "content", "docsize", "config")

SQLITE_TABLES = frozenset(
    {MESSAGES_FTS, MESSAGES_FTS_ROWS, CONTACTS_FTS, CONTACTS_FTS_ROWS}
    | {f"{fts}_{shadow}" for fts in (MESSAGES_FTS, CONTACTS_FTS) for shadow in _FTS5_SHADOWS}
)

SQLITE_TRIGGERS = frozenset(
    f"{fts}_{event}" for fts in (MESSAGES_FTS, CONTACTS_FTS) for event in ("ai", "au", "ad")
)

# PostgreSQL: GIN trigram indexes on the searched columns.
POSTGRES_INDEXES = frozenset(
    {
        "ix_messages_text_trgm",
        "ix_contacts_name_trgm",
        "ix_contacts_email_trgm",
        "ix_contacts_phone_trgm",
    }
)


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic `include_name`: leave search's own tables and indexes out of comparisons."""
    if type_ == "table":
        return name not in SQLITE_TABLES
    if type_ == "index":
        return name not in POSTGRES_INDEXES
    return True
