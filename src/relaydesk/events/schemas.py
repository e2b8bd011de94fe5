"""Every event type, with a typed payload. Stored in the outbox as JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from relaydesk.domains.contacts.schemas import ContactOut
from relaydesk.domains.conversations.schemas import ConversationOut, MessageOut


class ContactCreated(BaseModel):
    type: Literal["contact.created"] = "contact.created"
    contact: ContactOut


class ConversationCreated(BaseModel):
    type: Literal["conversation.created"] = "conversation.created"
    conversation: ConversationOut


class ConversationUpdated(BaseModel):
    type: Literal["conversation.updated"] = "conversation.updated"
    conversation: ConversationOut


class MessageCreated(BaseModel):
    type: Literal["message.created"] = "message.created"
    message: MessageOut


Event = Annotated[
    ContactCreated | ConversationCreated | ConversationUpdated | MessageCreated,
    Field(discriminator="type"),
]
