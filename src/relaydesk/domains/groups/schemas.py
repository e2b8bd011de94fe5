"""Request and response shapes of the groups domain."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

# Telegram treats a restriction or ban shorter than 30 s (or longer than 366 days) as forever.
MIN_UNTIL = timedelta(seconds=30)


def _future(value: datetime | None) -> datetime | None:
    if value is not None and value <= datetime.now(UTC):
        raise ValueError("must be in the future")
    return value


def _until(value: datetime | None) -> datetime | None:
    if value is not None and value < datetime.now(UTC) + MIN_UNTIL:
        raise ValueError("must be at least 30 seconds ahead (Telegram reads less as forever)")
    return value


class GroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel_id: uuid.UUID
    chat_key: str = Field(description="The Telegram chat id.")
    conversation_id: uuid.UUID | None
    title: str | None
    kind: str = Field(description="group or supergroup.")
    member_count: int | None = Field(
        description="As Telegram last reported it (getChatMemberCount), bot included."
    )
    bot_status: str = Field(description="The bot's standing: member, administrator, left, kicked.")
    created_at: datetime
    updated_at: datetime


class InviteLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None
    ) = None
    expire_at: AwareDatetime | None = Field(
        default=None, description="When the link stops working."
    )
    member_limit: int | None = Field(
        default=None, ge=1, le=99999, description="How many people may join through the link."
    )

    _future = field_validator("expire_at")(_future)


class InviteLinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    group_id: uuid.UUID
    url: str
    name: str | None
    expire_at: datetime | None
    member_limit: int | None
    revoked: bool
    joined_count: int = Field(description="Members recorded as having joined through the link.")
    created_at: datetime


class MemberOut(BaseModel):
    contact_id: uuid.UUID
    name: str | None
    telegram_user_id: str | None
    status: str = Field(description="member, restricted, left or kicked.")
    invite_link_id: uuid.UUID | None
    invite_link_name: str | None
    joined_at: datetime | None
    left_at: datetime | None
    updated_at: datetime


class RemoveMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ban: bool = Field(
        default=False,
        description="Keep the member banned (until `until`, or for good); by default they are "
        "removed and may join again through an invite link.",
    )
    until: AwareDatetime | None = Field(default=None, description="With `ban`: when it ends.")
    revoke_messages: bool = Field(
        default=False, description="Also delete the member's messages in the group."
    )

    _until = field_validator("until")(_until)


class RestrictMemberIn(BaseModel):
    """What the member may still do; each left out is refused. All true lifts a restriction."""

    model_config = ConfigDict(extra="forbid")

    until: AwareDatetime | None = Field(
        default=None, description="When it ends; for good if left out."
    )
    can_send_messages: bool = False
    can_send_audios: bool = False
    can_send_documents: bool = False
    can_send_photos: bool = False
    can_send_videos: bool = False
    can_send_video_notes: bool = False
    can_send_voice_notes: bool = False
    can_send_polls: bool = False
    can_send_other_messages: bool = False
    can_add_web_page_previews: bool = False
    can_change_info: bool = False
    can_invite_users: bool = False
    can_pin_messages: bool = False

    _until = field_validator("until")(_until)

    def permissions(self) -> dict[str, bool]:
        return self.model_dump(exclude={"until"})


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096)]
    disable_notification: bool = Field(
        default=False, description="Pin without notifying the members."
    )


class PinOut(BaseModel):
    group_id: uuid.UUID
    external_id: str = Field(
        description="The announcement's Telegram id, `<chat_id>:<message_id>`."
    )
    pinned: bool
