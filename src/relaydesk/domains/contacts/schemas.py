"""Request and response shapes of the contacts domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import phonenumbers
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _e164(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number; use E.164, e.g. +8613812345678") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number; use E.164, e.g. +8613812345678")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(_e164)]
ContactName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# BCP 47 language tags as people write them: "en", "zh-CN", "pt-BR", "zh-Hant-TW".
Language = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
    ),
]
AvatarUrl = Annotated[AnyHttpUrl, Field(description="An http(s) URL.")]
# `;` and `|` separate tags in CSV files, so they cannot be part of one.
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^;|\x00-\x1f]+$"
    ),
]
AttributeKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ContactRef(BaseModel):
    """A contact as a channel names it: its id there, and what the channel knows."""

    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    phone: Phone | None = None
    email: EmailStr | None = None


class ContactOut(BaseModel):
    """A contact's own fields (events carry this shape)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str | None
    phone: str | None
    email: str | None
    language: str | None
    avatar_url: str | None
    attributes: dict[str, Any]
    blocked: bool
    owner_user_id: uuid.UUID | None = None
    created_at: datetime
    last_seen_at: datetime | None


class AttributeChange(BaseModel):
    old: Any = None
    new: Any = None


class ContactChanges(BaseModel):
    """What a `contact.updated` event changed of the contact's tags and attributes (its
    other fields are in the event's `contact`). Empty when only other fields changed."""

    tags_added: list[str] = Field(default_factory=list)
    tags_removed: list[str] = Field(default_factory=list)
    attributes: dict[str, AttributeChange] = Field(default_factory=dict)

    @classmethod
    def of_attributes(cls, old: dict[str, Any], new: dict[str, Any]) -> ContactChanges:
        keys = sorted(set(old) | set(new))
        return cls(
            attributes={
                k: AttributeChange(old=old.get(k), new=new.get(k))
                for k in keys
                if old.get(k) != new.get(k)
            }
        )


class ContactListItem(ContactOut):
    tags: list[str]


class ConsentStatus(StrEnum):
    opted_in = "opted_in"
    opted_out = "opted_out"


class ConsentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel_id: uuid.UUID
    status: ConsentStatus
    source: str
    changed_at: datetime


class IdentityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel_id: uuid.UUID
    external_id: str
    created_at: datetime


class ContactDetailOut(ContactListItem):
    consents: list[ConsentOut]
    identities: list[IdentityOut]


class ContactCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ContactName | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    language: Language | None = None
    avatar_url: AvatarUrl | None = None
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="Values of the workspace's attribute definitions."
    )
    tags: list[Tag] = Field(default_factory=list, max_length=100)
    blocked: bool = False
    owner_user_id: uuid.UUID | None = Field(
        default=None, description="A member of the workspace who owns this contact."
    )


class ContactUpdateIn(BaseModel):
    """Only the fields sent change; `null` clears a field. `attributes` is merged key by key
    (a `null` value removes that key)."""

    model_config = ConfigDict(extra="forbid")

    name: ContactName | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    language: Language | None = None
    avatar_url: AvatarUrl | None = None
    attributes: dict[str, Any] | None = None
    # Optional, so a client that changes other fields never unblocks by leaving it out.
    blocked: bool | None = None
    owner_user_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _blocked_not_null(self) -> ContactUpdateIn:
        if "blocked" in self.model_fields_set and self.blocked is None:
            raise ValueError("blocked cannot be null")
        return self


class TagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[Tag] = Field(min_length=1, max_length=100)


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ConsentStatus
    source: Source = Field(description="How the consent was given or withdrawn, e.g. `web_form`.")


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    other_contact_id: uuid.UUID = Field(description="Merged into this contact, then deleted.")


class AttributeType(StrEnum):
    text = "text"
    number = "number"
    date = "date"
    boolean = "boolean"
    list = "list"


Option = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^;|]+$"),
]


class AttributeDefinitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: AttributeKey = Field(
        description="Lower-case letters, digits and `_`; starts with a letter."
    )
    label: ContactName
    type: AttributeType
    options: list[Option] = Field(
        default_factory=list, max_length=200, description="`list` only: the allowed values."
    )


class AttributeDefinitionUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: ContactName | None = None
    type: AttributeType | None = None
    options: list[Option] | None = Field(default=None, max_length=200)


class AttributeDefinitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    label: str
    type: AttributeType
    options: list[str]
    created_at: datetime


class RowError(BaseModel):
    row: int = Field(description="The row in the file; the header is row 1.")
    column: str | None = None
    message: str


class ImportReport(BaseModel):
    created: int = 0
    updated: int = 0
    failed: int = 0
    errors: list[RowError] = Field(default_factory=list)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(min_length=1, max_length=10000)]


class NoteOut(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID
    body: str
    author_user_id: uuid.UUID | None = Field(description="Null when an API key wrote it.")
    author_name: str | None
    created_at: datetime


MAX_BULK_CONTACTS = 1000


class BulkAction(StrEnum):
    tag = "tag"
    untag = "untag"
    delete = "delete"


class BulkIn(BaseModel):
    """One action on many contacts; ids not in the workspace are left alone."""

    model_config = ConfigDict(extra="forbid")

    action: BulkAction
    contact_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK_CONTACTS)
    tags: list[Tag] | None = Field(
        default=None, min_length=1, max_length=20, description="For `tag` and `untag` only."
    )

    @model_validator(mode="after")
    def _tags_fit_action(self) -> BulkIn:
        if self.action is BulkAction.delete and self.tags is not None:
            raise ValueError("tags go with tag and untag, not delete")
        if self.action is not BulkAction.delete and not self.tags:
            raise ValueError(f"{self.action.value} needs tags")
        return self


class BulkOut(BaseModel):
    affected: int = Field(description="Contacts of the workspace that changed.")
