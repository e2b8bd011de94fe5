"""Tables of the groups domain: the Telegram groups a channel account's bot is in, the invite
links it created and the contacts' memberships (tables created by migration 0004)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from relaydesk.db.base import Base, TenantMixin, utcnow


class ChannelGroup(TenantMixin, Base):
    """A group the account's bot is in (Telegram group or supergroup), one per chat."""

    __tablename__ = "channel_groups"
    __table_args__ = (UniqueConstraint("channel_id", "chat_key"),)

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    chat_key: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str | None] = mapped_column(String(255), default=None)
    kind: Mapped[str] = mapped_column(String(16), default="group")
    member_count: Mapped[int | None] = mapped_column(Integer, default=None)
    # member / administrator / left / kicked: the bot's own standing in the group.
    bot_status: Mapped[str] = mapped_column(String(16), default="member")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InviteLink(TenantMixin, Base):
    """An invite link the account created for one of its groups."""

    __tablename__ = "channel_invite_links"
    __table_args__ = (UniqueConstraint("group_id", "url"),)

    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel_groups.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(32), default=None)
    expire_at: Mapped[datetime | None] = mapped_column(default=None)
    member_limit: Mapped[int | None] = mapped_column(Integer, default=None)
    revoked: Mapped[bool] = mapped_column(default=False)
    joined_count: Mapped[int] = mapped_column(Integer, default=0)


class GroupMember(Base):
    """A contact's membership of a group, with the invite link they joined through."""

    __tablename__ = "channel_group_members"

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("channel_groups.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # member / left / kicked / restricted
    status: Mapped[str] = mapped_column(String(16), default="member")
    invite_link_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("channel_invite_links.id", ondelete="SET NULL"), default=None
    )
    joined_at: Mapped[datetime | None] = mapped_column(default=None)
    left_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
