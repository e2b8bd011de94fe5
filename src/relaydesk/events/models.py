"""The outbox: every domain event, in commit order, with a global position."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from relaydesk.db.base import Base, BigIntId, utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_workspace_position", "workspace_id", "position"),
        Index("ix_outbox_events_unpublished", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    # The position clients resume from. Ids are taken at insert, so on PostgreSQL they can
    # become visible out of order; positions are given after commit, by one publisher at a
    # time, so a reader never sees a later position before an earlier one.
    position: Mapped[int | None] = mapped_column(BigInteger, unique=True, default=None)
    workspace_id: Mapped[uuid.UUID]
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
