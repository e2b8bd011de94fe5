"""Request and response shapes of search."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

MAX_QUERY_LENGTH = 200

# NUL cannot appear in stored text (PostgreSQL refuses it), so it is refused here too.
SearchQuery = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_QUERY_LENGTH, pattern=r"^[^\x00]+$"
    ),
]


class SearchType(StrEnum):
    messages = "messages"
    contacts = "contacts"


class SnippetPart(BaseModel):
    text: str
    match: bool = Field(description="This part matches the query: show it highlighted.")


class MessageHit(BaseModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    channel_id: uuid.UUID
    seq: int
    snippet: list[SnippetPart] = Field(
        description="An excerpt of the text around the first match, cut into plain parts; "
        "`…` marks text left out. Render each part as text, never as markup."
    )
    created_at: datetime


class ContactHit(BaseModel):
    id: uuid.UUID
    name: str | None
    email: str | None
    phone: str | None
    created_at: datetime


class MessageHits(BaseModel):
    items: list[MessageHit]
    next_cursor: str | None


class ContactHits(BaseModel):
    items: list[ContactHit]
    next_cursor: str | None


class SearchOut(BaseModel):
    messages: MessageHits | None = Field(description="Newest first; null when not searched.")
    contacts: ContactHits | None = Field(description="Newest first; null when not searched.")
