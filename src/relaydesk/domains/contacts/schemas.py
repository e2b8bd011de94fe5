"""Request and response shapes of the contacts domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, StringConstraints

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


class ContactRef(BaseModel):
    """A contact as a channel names it: its id there, and what the channel knows."""

    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    phone: Phone | None = None
    email: EmailStr | None = None


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str | None
    phone: str | None
    email: str | None
    language: str | None
    avatar_url: str | None
    attributes: dict[str, Any]
    blocked: bool
    created_at: datetime
    last_seen_at: datetime | None
