"""The only writers of conversations, messages, attachments, labels and read cursors.

Split by concept: `messages` (ingest, send, notes, edit, recall), `delivery` (statuses),
`conversations` (status, assignment, labels, read cursors) and `attachments`. Every message
takes the next `seq` of its conversation in the transaction that stores it (see models.py),
and every change writes its events to the outbox in that transaction.
"""

from relaydesk.domains.conversations.actions.messages import (
    Ingested,
    check_channel_accepts_txn,
    do_append_message_txn,
    do_open_conversation_txn,
    ingest_inbound,
    send_message,
)

__all__ = [
    "Ingested",
    "check_channel_accepts_txn",
    "do_append_message_txn",
    "do_open_conversation_txn",
    "ingest_inbound",
    "send_message",
]
