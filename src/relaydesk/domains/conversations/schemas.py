"""Request and response shapes of the conversations domain (and its teams)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from relaydesk.domains.contacts.schemas import ContactRef, ExternalId

MAX_TEXT = 4096
MAX_ATTACHMENTS = 10
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
Label = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=1,
        max_length=64,
        pattern=r"^[^\x00-\x1f]+$",
    ),
]
TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Direction(StrEnum):
    inbound = "in"
    outbound = "out"
    # Notes: seen by members only, never delivered to the channel.
    internal = "internal"


class SenderType(StrEnum):
    contact = "contact"
    user = "user"
    bot = "bot"
    system = "system"


class MessageType(StrEnum):
    text = "text"
    image = "image"
    file = "file"
    audio = "audio"
    video = "video"
    location = "location"
    template = "template"
    system = "system"
    note = "note"


MEDIA_TYPES = frozenset({MessageType.image, MessageType.file, MessageType.audio, MessageType.video})
# What a member or an integration may send through the messages endpoint.
SENDABLE_TYPES = MEDIA_TYPES | {MessageType.text, MessageType.location, MessageType.template}
# What an API channel may receive: no templates (a business-side concept).
RECEIVABLE_TYPES = MEDIA_TYPES | {MessageType.text, MessageType.location}


class MessageStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    delivered = "delivered"
    read = "read"
    failed = "failed"


class ReportedStatus(StrEnum):
    """What a channel reports about an outbound message (`queued` is ours alone)."""

    sent = "sent"
    delivered = "delivered"
    read = "read"
    failed = "failed"


class ConversationStatus(StrEnum):
    open = "open"
    pending = "pending"
    snoozed = "snoozed"
    resolved = "resolved"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None


TemplateParam = Annotated[str, StringConstraints(max_length=1024)]


class Template(BaseModel):
    """A provider message template (WhatsApp) with its parameters; the counts are checked
    against the template stored for the channel."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    language: Annotated[str, StringConstraints(min_length=2, max_length=16)]
    body_params: list[TemplateParam] = Field(default_factory=list, max_length=20)
    header_params: list[TemplateParam] = Field(default_factory=list, max_length=5)
    params: list[TemplateParam] = Field(
        default_factory=list, max_length=20, description="The older name of `body_params`."
    )

    @model_validator(mode="after")
    def _one_body(self) -> Template:
        if self.params and self.body_params:
            raise ValueError("give body_params only (params is its older name)")
        return self

    @property
    def body(self) -> list[str]:
        """The body parameters, under either name."""
        return self.body_params or self.params


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str
    message_id: uuid.UUID | None
    created_at: datetime


class _Content(BaseModel):
    """A message's content; which fields a type needs is checked in one place."""

    model_config = ConfigDict(extra="forbid")

    type: MessageType = MessageType.text
    text: Text | None = Field(default=None, description="The text, or a media caption.")
    location: Location | None = None
    template: Template | None = None

    def _check(self, allowed: frozenset[MessageType], attachments: int) -> None:
        kind = self.type
        if kind not in allowed:
            raise ValueError(f"type {kind.value!r} cannot be sent here")
        if kind is MessageType.text and self.text is None:
            raise ValueError("a text message needs text")
        if (kind in MEDIA_TYPES) != (attachments > 0):
            raise ValueError(
                f"a {kind.value} message needs attachments"
                if kind in MEDIA_TYPES
                else f"a {kind.value} message takes no attachments"
            )
        if (kind is MessageType.location) != (self.location is not None):
            raise ValueError("`location` goes with type 'location' only, and it needs one")
        if (kind is MessageType.template) != (self.template is not None):
            raise ValueError("`template` goes with type 'template' only, and it needs one")
        if kind is MessageType.location and self.text is not None:
            raise ValueError("a location message takes no text")


class MessageSendIn(_Content):
    """A member's (or an integration's) outbound message; notes go to `…/notes`."""

    id: uuid.UUID | None = Field(
        default=None,
        description="A new random UUID chosen by the client for this message. Sending again "
        "with the same id (a retry after a lost answer) returns the first message and sends "
        "nothing more; the message arriving over the realtime gateway carries it too.",
    )
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=MAX_ATTACHMENTS, description="Uploaded attachments."
    )
    reply_to_message_id: uuid.UUID | None = Field(
        default=None,
        description="A message of this conversation to reply to (quoted where the channel can).",
    )

    @model_validator(mode="after")
    def _valid(self) -> MessageSendIn:
        if len(set(self.attachment_ids)) != len(self.attachment_ids):
            raise ValueError("attachment_ids repeats an id")
        self._check(SENDABLE_TYPES, len(self.attachment_ids))
        return self


class InboundAttachment(BaseModel):
    """An uploaded attachment by id, or a link that RelayDesk stores but never fetches."""

    model_config = ConfigDict(extra="forbid")

    attachment_id: uuid.UUID | None = None
    url: AnyHttpUrl | None = None
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    content_type: Annotated[str, StringConstraints(min_length=3, max_length=127)] | None = None
    size: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_source(self) -> InboundAttachment:
        if (self.attachment_id is None) == (self.url is None):
            raise ValueError("give exactly one of attachment_id and url")
        if self.url is not None and (self.filename is None or self.content_type is None):
            raise ValueError("a url attachment needs filename and content_type")
        return self


class InboundIn(_Content):
    external_id: ExternalId = Field(
        description="The sender's id for this message; repeats are ignored."
    )
    contact: ContactRef
    attachments: list[InboundAttachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)

    @model_validator(mode="after")
    def _valid(self) -> InboundIn:
        ids = [a.attachment_id for a in self.attachments if a.attachment_id is not None]
        if len(set(ids)) != len(ids):
            raise ValueError("attachments repeats an attachment_id")
        self._check(RECEIVABLE_TYPES, len(self.attachments))
        return self


class InboundOut(BaseModel):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    duplicate: bool = Field(description="True when this external_id had been received before.")


MAX_INBOUND_BATCH = 500


class InboundBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[InboundIn] = Field(min_length=1, max_length=MAX_INBOUND_BATCH)


class InboundBatchOut(BaseModel):
    results: list[InboundOut] = Field(description="One per message, in the order given.")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text


class MessageEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text


class StatusReportIn(BaseModel):
    """A channel's report on an outbound message, named by our id or the channel's."""

    model_config = ConfigDict(extra="forbid")

    message_id: uuid.UUID | None = None
    external_id: ExternalId | None = None
    status: ReportedStatus
    error: dict[str, Any] | None = Field(
        default=None, description="The provider's error, kept with a failed message."
    )

    @model_validator(mode="after")
    def _one_id(self) -> StatusReportIn:
        if (self.message_id is None) == (self.external_id is None):
            raise ValueError("give exactly one of message_id and external_id")
        if self.error is not None and self.status is not ReportedStatus.failed:
            raise ValueError("error goes with status 'failed' only")
        return self


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    direction: Direction
    sender_type: SenderType
    sender_id: str | None
    type: MessageType
    text: str | None
    payload: dict[str, Any] = Field(
        description="Per type: `attachments` (media), the location, or the template."
    )
    external_id: str | None
    status: MessageStatus | None
    error: dict[str, Any] | None
    reply_to_message_id: uuid.UUID | None = Field(
        default=None, description="The message of this conversation this one replies to."
    )
    created_at: datetime
    edited_at: datetime | None
    recalled_at: datetime | None


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel_id: uuid.UUID
    contact_id: uuid.UUID
    status: ConversationStatus
    priority: Priority
    assignee_user_id: uuid.UUID | None
    team_id: uuid.UUID | None = None
    snoozed_until: datetime | None = None
    labels: list[str] = Field(default_factory=list)
    last_seq: int
    last_activity_at: datetime
    last_message_preview: str | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    created_at: datetime
    last_inbound_at: datetime | None = Field(
        default=None, description="When the contact last wrote in this conversation."
    )
    contact_name: str | None = Field(
        default=None, description="The contact as lists show it: its name, else phone, else email."
    )
    reply_window_closes_at: datetime | None = Field(
        default=None,
        description="WhatsApp only: free-form replies are refused from this time on (24 hours "
        "after the contact last wrote); templates still go. Null for other channels.",
    )


class ConversationView(ConversationOut):
    """A conversation as one member sees it."""

    unread_count: int | None = Field(
        default=None, description="Messages after your read cursor that others sent (users only)."
    )


class ConversationPatchIn(BaseModel):
    """Only the fields sent change; `null` clears the assignee or the team."""

    model_config = ConfigDict(extra="forbid")

    status: ConversationStatus | None = None
    snoozed_until: AwareDatetime | None = None
    priority: Priority | None = None
    assignee_user_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _not_nulls(self) -> ConversationPatchIn:
        for field in ("status", "priority"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class LabelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[Label] = Field(min_length=1, max_length=20)


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=0, description="The last seq you have seen; the cursor never moves back.")


class ReadOut(BaseModel):
    conversation_id: uuid.UUID
    last_read_seq: int
    unread_count: int


class MessagesPage(BaseModel):
    items: list[MessageOut] = Field(description="Ascending by seq.")
    has_more: bool = Field(
        description="More messages lie beyond this page in its direction (either, for around_seq)."
    )


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TeamName


class TeamMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    created_at: datetime


class TeamMemberOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str


class SigningSecretOut(BaseModel):
    signing_secret: str = Field(
        description="HMAC-SHA256 key of `X-RelayDesk-Signature` on outbound posts."
    )
    algorithm: Literal["hmac-sha256"] = "hmac-sha256"
