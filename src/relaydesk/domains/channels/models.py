"""Tables of the channels domain."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from relaydesk.db.base import Base, TenantMixin


class Channel(TenantMixin, Base):
    """One connected account on one channel type (an API integration, a bot, a number)."""

    __tablename__ = "channels"

    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(default=True)
    # API channel: where outbound messages are POSTed (None: nothing is delivered).
    outbound_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    # API channel: digest of the secret that authenticates inbound posts (besides API keys).
    inbound_secret_digest: Mapped[str | None] = mapped_column(String(64), default=None)
