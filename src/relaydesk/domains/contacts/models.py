"""Tables of the contacts domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from relaydesk.db.base import Base, TenantMixin


class Contact(TenantMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_workspace_created", "workspace_id", "created_at"),)

    name: Mapped[str | None] = mapped_column(String(200), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    avatar_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    blocked: Mapped[bool] = mapped_column(default=False)
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)


class ContactIdentity(TenantMixin, Base):
    """Who a contact is on one channel account: unique per (channel, external id)."""

    __tablename__ = "contact_identities"
    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    # The contact blocked the account (Telegram `my_chat_member` kicked): sends would fail.
    unreachable_at: Mapped[datetime | None] = mapped_column(default=None)


class ContactTag(Base):
    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_workspace_tag", "workspace_id", "tag"),)

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))


class AttributeDefinition(TenantMixin, Base):
    """A typed custom attribute of contacts: text, number, date, boolean or list."""

    __tablename__ = "attribute_definitions"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    # For `list`: the allowed values.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)


class ContactConsent(Base):
    """Whether a contact agreed to be messaged on one channel account, when, and how we know."""

    __tablename__ = "contact_consents"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]


class ContactNote(TenantMixin, Base):
    """A member's CRM note on a contact; it goes with the contact."""

    __tablename__ = "contact_notes"
    __table_args__ = (Index("ix_contact_notes_contact_created", "contact_id", "created_at"),)

    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    # Kept when the author's account goes: the note still belongs to the contact.
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    body: Mapped[str] = mapped_column(Text)
