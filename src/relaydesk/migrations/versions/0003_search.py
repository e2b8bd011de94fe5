"""Search: FTS5 trigram tables on SQLite, pg_trgm GIN indexes on PostgreSQL

SQLite: `messages_fts(text)` and `contacts_fts(name, email, phone)` use the trigram
tokenizer, so any substring of three or more characters (Chinese included) is indexed.
`*_fts_rows` map a row's UUID to its FTS rowid: a UUID-keyed table's implicit rowid is
renumbered whenever the table is rebuilt (batch migrations, possibly VACUUM), so the FTS
rows get a stable key of their own. Triggers keep both in step with every insert, update
and delete; a message whose text is cleared (recalled) leaves the index.

A batch migration that rebuilds `messages` or `contacts` on SQLite drops these triggers:
such a migration must recreate them (see docs/search.md).

PostgreSQL: GIN `gin_trgm_ops` indexes serve `ILIKE '%…%'`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UP = [
    # Messages.
    "CREATE TABLE messages_fts_rows ("
    " doc_id INTEGER PRIMARY KEY,"
    " message_id CHAR(32) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE messages_fts USING fts5(text, tokenize='trigram')",
    """
    CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts_rows (message_id)
            SELECT new.id WHERE coalesce(new.text, '') <> '';
        INSERT INTO messages_fts (rowid, text)
            SELECT doc_id, new.text FROM messages_fts_rows WHERE message_id = new.id;
    END
    """,
    """
    CREATE TRIGGER messages_fts_au AFTER UPDATE OF text ON messages BEGIN
        DELETE FROM messages_fts
            WHERE rowid = (SELECT doc_id FROM messages_fts_rows WHERE message_id = old.id);
        DELETE FROM messages_fts_rows WHERE message_id = old.id;
        INSERT INTO messages_fts_rows (message_id)
            SELECT new.id WHERE coalesce(new.text, '') <> '';
        INSERT INTO messages_fts (rowid, text)
            SELECT doc_id, new.text FROM messages_fts_rows WHERE message_id = new.id;
    END
    """,
    """
    CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
        DELETE FROM messages_fts
            WHERE rowid = (SELECT doc_id FROM messages_fts_rows WHERE message_id = old.id);
        DELETE FROM messages_fts_rows WHERE message_id = old.id;
    END
    """,
    "INSERT INTO messages_fts_rows (message_id)"
    " SELECT id FROM messages WHERE coalesce(text, '') <> '' ORDER BY created_at, id",
    "INSERT INTO messages_fts (rowid, text)"
    " SELECT r.doc_id, m.text"
    " FROM messages_fts_rows AS r JOIN messages AS m ON m.id = r.message_id",
    # Contacts.
    "CREATE TABLE contacts_fts_rows ("
    " doc_id INTEGER PRIMARY KEY,"
    " contact_id CHAR(32) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE contacts_fts USING fts5(name, email, phone, tokenize='trigram')",
    """
    CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_fts_rows (contact_id)
            SELECT new.id
            WHERE coalesce(new.name, '') || coalesce(new.email, '') || coalesce(new.phone, '')
                <> '';
        INSERT INTO contacts_fts (rowid, name, email, phone)
            SELECT doc_id, new.name, new.email, new.phone
            FROM contacts_fts_rows WHERE contact_id = new.id;
    END
    """,
    """
    CREATE TRIGGER contacts_fts_au AFTER UPDATE OF name, email, phone ON contacts BEGIN
        DELETE FROM contacts_fts
            WHERE rowid = (SELECT doc_id FROM contacts_fts_rows WHERE contact_id = old.id);
        DELETE FROM contacts_fts_rows WHERE contact_id = old.id;
        INSERT INTO contacts_fts_rows (contact_id)
            SELECT new.id
            WHERE coalesce(new.name, '') || coalesce(new.email, '') || coalesce(new.phone, '')
                <> '';
        INSERT INTO contacts_fts (rowid, name, email, phone)
            SELECT doc_id, new.name, new.email, new.phone
            FROM contacts_fts_rows WHERE contact_id = new.id;
    END
    """,
    """
    CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN
        DELETE FROM contacts_fts
            WHERE rowid = (SELECT doc_id FROM contacts_fts_rows WHERE contact_id = old.id);
        DELETE FROM contacts_fts_rows WHERE contact_id = old.id;
    END
    """,
    "INSERT INTO contacts_fts_rows (contact_id)"
    " SELECT id FROM contacts"
    " WHERE coalesce(name, '') || coalesce(email, '') || coalesce(phone, '') <> ''"
    " ORDER BY created_at, id",
    "INSERT INTO contacts_fts (rowid, name, email, phone)"
    " SELECT r.doc_id, c.name, c.email, c.phone"
    " FROM contacts_fts_rows AS r JOIN contacts AS c ON c.id = r.contact_id",
]

_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS contacts_fts_ad",
    "DROP TRIGGER IF EXISTS contacts_fts_au",
    "DROP TRIGGER IF EXISTS contacts_fts_ai",
    "DROP TABLE IF EXISTS contacts_fts",
    "DROP TABLE IF EXISTS contacts_fts_rows",
    "DROP TRIGGER IF EXISTS messages_fts_ad",
    "DROP TRIGGER IF EXISTS messages_fts_au",
    "DROP TRIGGER IF EXISTS messages_fts_ai",
    "DROP TABLE IF EXISTS messages_fts",
    "DROP TABLE IF EXISTS messages_fts_rows",
]

_POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_messages_text_trgm ON messages USING gin (text gin_trgm_ops)",
    "CREATE INDEX ix_contacts_name_trgm ON contacts USING gin (name gin_trgm_ops)",
    "CREATE INDEX ix_contacts_email_trgm ON contacts USING gin (email gin_trgm_ops)",
    "CREATE INDEX ix_contacts_phone_trgm ON contacts USING gin (phone gin_trgm_ops)",
]

_POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_contacts_phone_trgm",
    "DROP INDEX IF EXISTS ix_contacts_email_trgm",
    "DROP INDEX IF EXISTS ix_contacts_name_trgm",
    "DROP INDEX IF EXISTS ix_messages_text_trgm",
    # Keep the extension when something else in the database still uses it.
    """
    DO $$ BEGIN
        DROP EXTENSION IF EXISTS pg_trgm;
    EXCEPTION WHEN dependent_objects_still_exist THEN NULL;
    END $$
    """,
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _run(_SQLITE_UP)
    else:
        _run(_POSTGRES_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _run(_SQLITE_DOWN)
    else:
        _run(_POSTGRES_DOWN)
