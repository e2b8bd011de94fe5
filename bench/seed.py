"""Bulk seeding of a benchmark's SQLite database.

Benchmarks need 100,000 conversations and 1,000,000 messages; creating them through the API
would take hours, so rows are written here directly, in the shapes the actions write. This
is benchmark set-up, never product code.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

BATCH = 20_000


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _hex(value: uuid.UUID) -> str:
    return value.hex


def connect(data_dir: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(data_dir / "relaydesk.db", timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _message_rows(
    workspace: uuid.UUID, channel: uuid.UUID, conversation: uuid.UUID, seqs: range, start: datetime
) -> Iterator[tuple[object, ...]]:
    for seq in seqs:
        yield (
            _hex(uuid.uuid4()),
            _hex(workspace),
            _hex(conversation),
            _hex(channel),
            seq,
            "in",
            "contact",
            None,
            "text",
            f"seeded message number {seq}",
            "{}",
            f"seed-{conversation.hex}-{seq}",
            None,
            None,
            None,
            None,
            None,
            _ts(start + timedelta(milliseconds=seq)),
        )


_INSERT_MESSAGE = (
    "INSERT INTO messages (id, workspace_id, conversation_id, channel_id, seq, direction, "
    "sender_type, sender_id, type, text, payload, external_id, status, error, "
    "reply_to_message_id, edited_at, recalled_at, created_at) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def append_messages(
    data_dir: Path, workspace: uuid.UUID, channel: uuid.UUID, conversation: uuid.UUID, count: int
) -> None:
    """Extend one conversation by `count` messages after its current last seq."""
    conn = connect(data_dir)
    with conn:
        (last,) = conn.execute(
            "SELECT last_seq FROM conversations WHERE id = ?", (_hex(conversation),)
        ).fetchone()
        start = datetime.now(UTC) - timedelta(days=1)
        rows = _message_rows(
            workspace, channel, conversation, range(last + 1, last + count + 1), start
        )
        conn.executemany(_INSERT_MESSAGE, rows)
        conn.execute(
            "UPDATE conversations SET last_seq = ? WHERE id = ?", (last + count, _hex(conversation))
        )
    conn.close()


def many_conversations(
    data_dir: Path,
    workspace: uuid.UUID,
    channel: uuid.UUID,
    conversations: int,
    messages_each: int,
    progress: object = None,
) -> None:
    """`conversations` contacts, each with a conversation of `messages_each` messages."""
    conn = connect(data_dir)
    start = datetime.now(UTC) - timedelta(days=30)
    done = 0
    while done < conversations:
        n = min(BATCH // max(messages_each, 1), conversations - done)
        contacts: list[tuple[object, ...]] = []
        identities: list[tuple[object, ...]] = []
        threads: list[tuple[object, ...]] = []
        messages: list[tuple[object, ...]] = []
        for i in range(done, done + n):
            contact, conversation = uuid.uuid4(), uuid.uuid4()
            at = _ts(start + timedelta(seconds=i))
            contacts.append((_hex(contact), _hex(workspace), f"Customer {i}", "{}", 0, at, at))
            identities.append(
                (_hex(uuid.uuid4()), _hex(workspace), _hex(channel), f"seed-{i}", _hex(contact), at)
            )
            threads.append(
                (
                    _hex(conversation),
                    _hex(workspace),
                    _hex(channel),
                    _hex(contact),
                    "open",
                    "normal",
                    messages_each,
                    at,
                    f"seeded message number {messages_each}",
                    at,
                )
            )
            messages.extend(
                _message_rows(workspace, channel, conversation, range(1, messages_each + 1), start)
            )
        with conn:
            conn.executemany(
                "INSERT INTO contacts (id, workspace_id, name, attributes, blocked, last_seen_at, "
                "created_at) VALUES (?,?,?,?,?,?,?)",
                contacts,
            )
            conn.executemany(
                "INSERT INTO contact_identities (id, workspace_id, channel_id, external_id, "
                "contact_id, created_at) VALUES (?,?,?,?,?,?)",
                identities,
            )
            conn.executemany(
                "INSERT INTO conversations (id, workspace_id, channel_id, contact_id, status, "
                "priority, last_seq, last_activity_at, last_message_preview, created_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                threads,
            )
            conn.executemany(_INSERT_MESSAGE, messages)
        done += n
        if callable(progress):
            progress(n)
    conn.close()


def raw_insert_rate(data_dir: Path, rows: int = 20_000) -> tuple[float, float]:
    """SQLite's own rate on this disk, for scale: (rows/s one transaction per row, rows/s in
    one transaction), into a scratch table shaped like `messages`."""
    import time

    conn = sqlite3.connect(data_dir / "raw-insert.db", timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE m (id TEXT PRIMARY KEY, conversation_id TEXT, seq INTEGER, text TEXT, "
        "payload TEXT, created_at TEXT, UNIQUE (conversation_id, seq))"
    )
    payload = json.dumps({})
    single = min(rows, 5_000)
    started = time.perf_counter()
    for seq in range(single):
        with conn:
            conn.execute(
                "INSERT INTO m VALUES (?,?,?,?,?,?)",
                (uuid.uuid4().hex, "c1", seq, "hello", payload, "2026-01-01"),
            )
    per_row = single / (time.perf_counter() - started)
    started = time.perf_counter()
    with conn:
        conn.executemany(
            "INSERT INTO m VALUES (?,?,?,?,?,?)",
            ((uuid.uuid4().hex, "c2", seq, "hello", payload, "2026-01-01") for seq in range(rows)),
        )
    batched = rows / (time.perf_counter() - started)
    conn.close()
    return per_row, batched
