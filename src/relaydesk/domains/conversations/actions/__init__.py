"""The only writers of conversations, messages, attachments, labels and read cursors.

Split by concept: `ingest` (inbound, one or many per transaction), `messages` (send,
notes, edit, recall), `delivery` (statuses), `conversations` (status, assignment, labels,
read cursors) and `attachments`. Every message takes the next `seq` of its conversation in
the transaction that stores it (see models.py), and every change writes its events to the
outbox in that transaction.
"""

from relaydesk.domains.conversations.actions.ingest import (
    InboundGroupCommit,
    Ingested,
    check_channel_accepts_txn,
    do_open_conversations_txn,
    ingest_inbound_batch,
)
from relaydesk.domains.conversations.actions.messages import do_append_messages_txn, send_message

__all__ = [
    "InboundGroupCommit",
    "Ingested",
    "check_channel_accepts_txn",
    "do_append_messages_txn",
    "do_open_conversations_txn",
    "ingest_inbound_batch",
    "send_message",
]
