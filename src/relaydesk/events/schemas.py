"""Every event type, with a typed payload. Stored in the outbox as JSON."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from relaydesk.domains.contacts.schemas import ContactChanges, ContactOut
from relaydesk.domains.conversations.schemas import ConversationOut, MessageOut, MessageStatus


class ContactCreated(BaseModel):
    type: Literal["contact.created"] = "contact.created"
    contact: ContactOut


class ConversationCreated(BaseModel):
    type: Literal["conversation.created"] = "conversation.created"
    conversation: ConversationOut


class ConversationUpdated(BaseModel):
    type: Literal["conversation.updated"] = "conversation.updated"
    conversation: ConversationOut


class ContactUpdated(BaseModel):
    """`changes`: the tags and attributes this change added, removed or set."""

    type: Literal["contact.updated"] = "contact.updated"
    contact: ContactOut
    changes: ContactChanges = Field(default_factory=ContactChanges)


class ContactMerged(BaseModel):
    """`merged_id` no longer exists; its identities and conversations now belong to `contact`."""

    type: Literal["contact.merged"] = "contact.merged"
    contact: ContactOut
    merged_id: uuid.UUID


class ContactDeleted(BaseModel):
    type: Literal["contact.deleted"] = "contact.deleted"
    contact_id: uuid.UUID


class MessageCreated(BaseModel):
    type: Literal["message.created"] = "message.created"
    message: MessageOut


class MessageUpdated(BaseModel):
    """Edited or recalled (a recalled message keeps its seq as a tombstone)."""

    type: Literal["message.updated"] = "message.updated"
    message: MessageOut


class MessageStatusChanged(BaseModel):
    type: Literal["message.status_changed"] = "message.status_changed"
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    seq: int
    status: MessageStatus
    error: dict[str, Any] | None = None


class ConversationRead(BaseModel):
    """A member's read cursor moved; delivered to that member's devices only."""

    type: Literal["conversation.read"] = "conversation.read"
    conversation_id: uuid.UUID
    user_id: uuid.UUID
    last_read_seq: int
    unread_count: int


AnyEvent = (
    ContactCreated
    | ContactUpdated
    | ContactMerged
    | ContactDeleted
    | ConversationCreated
    | ConversationUpdated
    | ConversationRead
    | MessageCreated
    | MessageUpdated
    | MessageStatusChanged
)
Event = Annotated[AnyEvent, Field(discriminator="type")]
