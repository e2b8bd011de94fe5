"""Tables of the channels domain: accounts, their raw inbound payloads, dead letters, the
outbound queue and message templates (the groups a bot is in live in domains/groups)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from relaydesk.db.base import Base, TenantMixin, utcnow


class Channel(TenantMixin, Base):
    """One connected account on one channel type (an API integration, a bot, a number).

    `config` holds what may be shown (api_base_url, phone_number_id, rate limits, mode
    details); `credentials` the AES-GCM sealed secrets (bot token, access token, app secret),
    never returned by the API. A deleted channel keeps its row (and so its conversations)
    with `deleted_at` set.
    """

    __tablename__ = "channels"

    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(default=True)
    # API channel: where outbound messages are POSTed (None: nothing is delivered).
    outbound_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    # API channel: digest of the secret that authenticates inbound posts (besides API keys).
    inbound_secret_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    # Telegram: "webhook" or "polling".
    mode: Mapped[str | None] = mapped_column(String(16), default=None)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    credentials: Mapped[str | None] = mapped_column(Text, default=None)
    # connected / degraded / disconnected, with the last error that moved it.
    status: Mapped[str] = mapped_column(String(16), default="connected")
    last_error: Mapped[str | None] = mapped_column(String(1000), default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)
    last_inbound_at: Mapped[datetime | None] = mapped_column(default=None)
    last_outbound_at: Mapped[datetime | None] = mapped_column(default=None)
    inbound_count: Mapped[int] = mapped_column(BigInteger, default=0)
    outbound_count: Mapped[int] = mapped_column(BigInteger, default=0)
    failed_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # Telegram polling: the next getUpdates offset (confirms every update before it).
    poll_offset: Mapped[int | None] = mapped_column(BigInteger, default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class InboxPayload(TenantMixin, Base):
    """A verified webhook body, stored before the provider gets its 200 and processed later
    by the inbox workers in batches."""

    __tablename__ = "channel_inbox"
    __table_args__ = (
        Index(
            "ix_channel_inbox_pending",
            "created_at",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # pending → done, or dead (a copy went to the dead letters).
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)


class DeadLetter(TenantMixin, Base):
    """An inbound payload (or one item of it) that could not be processed; admins see it and
    replay it. `body` is the whole raw payload, `item` the part that failed when known."""

    __tablename__ = "channel_dead_letters"
    __table_args__ = (Index("ix_channel_dead_letters_workspace", "workspace_id", "created_at"),)

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    inbox_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channel_inbox.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(String(1000))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    item: Mapped[Any | None] = mapped_column(JSON, default=None)
    replay_count: Mapped[int] = mapped_column(Integer, default=0)
    replayed_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboundJob(Base):
    """A queued outbound message's delivery state. The message row (status `queued`) is the
    record; this row is its place in its account's queue and leaves when the message is sent
    or failed. Per-conversation order: a conversation's jobs go in `seq` order."""

    __tablename__ = "outbound_queue"
    __table_args__ = (Index("ix_outbound_queue_channel_due", "channel_id", "next_attempt_at"),)

    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A sender holds the job until `claimed_until`; a crashed sender's claim runs out.
    claim_id: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageTemplate(TenantMixin, Base):
    """A provider message template of one account (WhatsApp), synced or entered."""

    __tablename__ = "channel_templates"
    __table_args__ = (UniqueConstraint("channel_id", "name", "language"),)

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32), default=None)
    status: Mapped[str] = mapped_column(String(32), default="APPROVED")
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # "synced" from the provider or "entered" by a member.
    source: Mapped[str] = mapped_column(String(16), default="entered")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
