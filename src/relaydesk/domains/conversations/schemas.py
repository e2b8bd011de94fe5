"""Request and response shapes of the conversations domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from relaydesk.domains.contacts.schemas import ContactRef, ExternalId

MAX_TEXT = 4096
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]


class Direction(StrEnum):
    inbound = "in"
    outbound = "out"


class SenderType(StrEnum):
    contact = "contact"
    user = "user"
    bot = "bot"
    system = "system"


class MessageStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    delivered = "delivered"
    read = "read"
    failed = "failed"


class ConversationStatus(StrEnum):
    open = "open"
    pending = "pending"
    snoozed = "snoozed"
    resolved = "resolved"


class InboundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId = Field(
        description="The sender's id for this message; repeats are ignored."
    )
    contact: ContactRef
    text: Text


class InboundOut(BaseModel):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    duplicate: bool = Field(description="True when this external_id had been received before.")


class MessageSendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    direction: Direction
    sender_type: SenderType
    sender_id: str | None
    type: str
    text: str | None
    payload: dict[str, Any]
    external_id: str | None
    status: MessageStatus | None
    error: dict[str, Any] | None
    created_at: datetime
    edited_at: datetime | None
    recalled_at: datetime | None


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel_id: uuid.UUID
    contact_id: uuid.UUID
    status: ConversationStatus
    priority: str
    assignee_user_id: uuid.UUID | None
    last_seq: int
    last_activity_at: datetime
    last_message_preview: str | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    created_at: datetime


class MessagesPage(BaseModel):
    items: list[MessageOut] = Field(description="Ascending by seq.")
    has_more: bool = Field(description="More messages lie beyond this page in its direction.")
