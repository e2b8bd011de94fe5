"""Tables of the conversations domain.

`Conversation.last_seq` is the allocator of message sequence numbers: a writer locks the row
(`SELECT … FOR UPDATE`; on SQLite the write transaction itself), takes the next numbers and
writes the new `last_seq` in its transaction, so numbers are dense (a rolled-back writer
gives its numbers back) and never repeat.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from relaydesk.db.base import Base, BigIntId, TenantMixin, utcnow


class Team(TenantMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Conversation(TenantMixin, Base):
    """A thread with one contact on one channel account (or one group).

    New inbound messages go to the contact's latest thread on that channel, reopening it;
    the contact row is locked while choosing it, so concurrent writers agree on one thread.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_channel_contact", "channel_id", "contact_id"),
        Index("ix_conversations_workspace_activity", "workspace_id", "last_activity_at", "id"),
    )

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    assignee_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None
    )
    snoozed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime]
    last_message_preview: Mapped[str | None] = mapped_column(String(200), default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # The contact's last inbound message: WhatsApp's 24-hour customer-service window.
    last_inbound_at: Mapped[datetime | None] = mapped_column(default=None)


class Message(TenantMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        # The same provider message arriving twice is one message.
        UniqueConstraint("channel_id", "external_id"),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(8))
    sender_type: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str | None] = mapped_column(String(64), default=None)
    type: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str | None] = mapped_column(Text, default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    # Outbound only: queued → sent → delivered → read; failed is terminal.
    status: Mapped[str | None] = mapped_column(String(16), default=None)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    reply_to_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None
    )
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    recalled_at: Mapped[datetime | None] = mapped_column(default=None)


class EarlyStatus(Base):
    """A provider status of a message we do not know yet: its webhook came before the answer
    of the send that tells us the message's provider id. Applied when that answer is
    recorded; kept an hour at most (statuses of messages sent elsewhere never match)."""

    __tablename__ = "early_statuses"
    __table_args__ = (
        Index("ix_early_statuses_channel_external", "channel_id", "external_id"),
        Index("ix_early_statuses_received", "received_at"),
    )

    # Received order: statuses apply in the order they came.
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationLabel(Base):
    __tablename__ = "conversation_labels"
    __table_args__ = (Index("ix_conversation_labels_workspace_label", "workspace_id", "label"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))


class ConversationRead(Base):
    """A member's read cursor: everything up to `last_read_seq` is read."""

    __tablename__ = "conversation_reads"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    last_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class Attachment(TenantMixin, Base):
    """A file of a message, kept by a storage backend (local disk by default)."""

    __tablename__ = "attachments"

    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True, default=None
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(500))
