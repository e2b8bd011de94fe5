"""What matches a query, per backend: the one place that knows how text is searched.

- SQLite, queries of 3+ characters: FTS5 `MATCH` on the trigram tables (an indexed
  substring search; the query is one quoted phrase, so FTS5 operators in it are plain text).
- SQLite, 1 or 2 characters: trigram MATCH cannot answer them (and FTS5's LIKE finds nothing
  below 3 characters), so `LIKE` scans the workspace's own rows.
- PostgreSQL: `ILIKE '%…%'`, served by the GIN `gin_trgm_ops` indexes from 3 characters
  on; shorter queries scan the workspace's own rows, as on SQLite.

LIKE patterns escape `%`, `_` and the escape character itself, so the query is a literal.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Uuid,
    column,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.contacts.models import Contact
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.domains.search.objects import (
    CONTACTS_FTS,
    CONTACTS_FTS_ROWS,
    MESSAGES_FTS,
    MESSAGES_FTS_ROWS,
)

# FTS5's trigram tokenizer indexes runs of three characters; shorter queries cannot MATCH.
TRIGRAM = 3
_ESCAPE = "/"

_messages_fts = table(MESSAGES_FTS, column("rowid", Integer))
_messages_rows = table(MESSAGES_FTS_ROWS, column("doc_id", Integer), column("message_id", Uuid))
_contacts_fts = table(CONTACTS_FTS, column("rowid", Integer))
_contacts_rows = table(CONTACTS_FTS_ROWS, column("doc_id", Integer), column("contact_id", Uuid))


def normalise(query: str) -> str:
    query = query.strip()
    if not query:
        raise ValueError("a search query must not be blank")
    return query


def like_pattern(query: str) -> str:
    """`%query%` with LIKE's wildcards taken literally (escape character `/`)."""
    for char in (_ESCAPE, "%", "_"):
        query = query.replace(char, _ESCAPE + char)
    return f"%{query}%"


def fts_phrase(query: str) -> str:
    """The query as one FTS5 string: quotes doubled, so `OR`, `*`, `(`… are plain text."""
    return '"' + query.replace('"', '""') + '"'


def _uses_fts(dialect: str, query: str) -> bool:
    return dialect == "sqlite" and len(query) >= TRIGRAM


def _fts_match(fts_table: str, query: str) -> ColumnElement[bool]:
    return literal_column(fts_table).op("MATCH")(fts_phrase(query))


def _contains(dialect: str, col: Any, query: str) -> ColumnElement[bool]:
    pattern = like_pattern(query)
    # SQLite's LIKE ignores case for ASCII letters; PostgreSQL needs ILIKE.
    if dialect == "sqlite":
        return col.like(pattern, escape=_ESCAPE)  # type: ignore[no-any-return]
    return col.ilike(pattern, escape=_ESCAPE)  # type: ignore[no-any-return]


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def messages_matching(
    dialect: str, workspace_id: uuid.UUID, query: str, *columns: Any
) -> Select[Any]:
    """SELECT `columns` FROM messages of the workspace whose text contains `query`.

    Recalled messages never match (their text is cleared; `recalled_at` is checked too)."""
    query = normalise(query)
    stmt = (
        select(*columns)
        .select_from(Message)
        .where(Message.workspace_id == workspace_id, Message.recalled_at.is_(None))
    )
    if _uses_fts(dialect, query):
        return (
            stmt.join(_messages_rows, _messages_rows.c.message_id == Message.id)
            .join(_messages_fts, _messages_fts.c.rowid == _messages_rows.c.doc_id)
            .where(_fts_match(MESSAGES_FTS, query))
        )
    if len(query) < TRIGRAM:
        # No trigram index helps: scan only this workspace's messages, reached through its
        # conversations (messages have no workspace index of their own).
        stmt = stmt.join(Conversation, Conversation.id == Message.conversation_id).where(
            Conversation.workspace_id == workspace_id
        )
    return stmt.where(_contains(dialect, Message.text, query))


def contacts_matching(
    dialect: str, workspace_id: uuid.UUID, query: str, *columns: Any
) -> Select[Any]:
    """SELECT `columns` FROM contacts of the workspace whose name, email or phone contains
    `query`."""
    query = normalise(query)
    stmt = select(*columns).select_from(Contact).where(Contact.workspace_id == workspace_id)
    if _uses_fts(dialect, query):
        return (
            stmt.join(_contacts_rows, _contacts_rows.c.contact_id == Contact.id)
            .join(_contacts_fts, _contacts_fts.c.rowid == _contacts_rows.c.doc_id)
            .where(_fts_match(CONTACTS_FTS, query))
        )
    return stmt.where(
        or_(
            *(
                _contains(dialect, col, query)
                for col in (Contact.name, Contact.email, Contact.phone)
            )
        )
    )
