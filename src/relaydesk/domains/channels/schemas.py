"""Request and response shapes of the channels domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from relaydesk.domains.workspaces.schemas import Name

Url = Annotated[AnyHttpUrl, Field(description="An http(s) URL.")]
Secret = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
ApiBaseUrl = Annotated[
    AnyHttpUrl | None,
    Field(description="Where the provider's API is reached; the real provider when left out."),
]


class ChannelType(StrEnum):
    api = "api"
    telegram = "telegram"
    whatsapp_cloud = "whatsapp_cloud"


class ChannelStatus(StrEnum):
    connected = "connected"
    degraded = "degraded"
    disconnected = "disconnected"


class TelegramMode(StrEnum):
    webhook = "webhook"
    polling = "polling"


class ApiChannelCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["api"]
    name: Name
    outbound_url: Url | None = Field(
        default=None, description="API channel: outbound messages are POSTed here."
    )


class TelegramChannelCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["telegram"]
    name: Name
    bot_token: Annotated[
        str,
        StringConstraints(strip_whitespace=True, pattern=r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$"),
    ] = Field(description="From @BotFather; stored sealed and never shown again.")
    mode: TelegramMode = Field(
        default=TelegramMode.webhook,
        description="`webhook` needs RELAYDESK_PUBLIC_URL reachable by Telegram; `polling` "
        "asks Telegram for updates (machines without a public URL).",
    )
    api_base_url: ApiBaseUrl = None


class WhatsAppChannelCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["whatsapp_cloud"]
    name: Name
    phone_number_id: Annotated[str, StringConstraints(pattern=r"^\d{1,30}$")]
    access_token: Secret
    app_secret: Secret
    verify_token: Secret
    business_account_id: Annotated[str, StringConstraints(pattern=r"^\d{1,30}$")] | None = Field(
        default=None, description="The WhatsApp Business Account id: needed to sync templates."
    )
    api_base_url: ApiBaseUrl = None


ChannelCreateIn = Annotated[
    ApiChannelCreateIn | TelegramChannelCreateIn | WhatsAppChannelCreateIn,
    Field(discriminator="type"),
]


class ChannelCounters(BaseModel):
    inbound: int
    outbound: int
    failed: int


class ChannelOut(BaseModel):
    id: uuid.UUID
    type: str
    name: str
    enabled: bool
    mode: str | None
    status: ChannelStatus
    last_error: str | None
    last_error_at: datetime | None
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    counters: ChannelCounters
    config: dict[str, Any] = Field(
        description="Settings that may be shown: api_base_url, phone_number_id, webhook_url…"
    )
    credentials: dict[str, str] = Field(
        description="Each stored secret masked to its last four characters."
    )
    outbound_url: str | None
    created_at: datetime

    @classmethod
    def of(cls, channel: Any) -> ChannelOut:
        config = dict(channel.config or {})
        masked = config.pop("masked", {})
        return cls(
            id=channel.id,
            type=channel.type,
            name=channel.name,
            enabled=channel.enabled,
            mode=channel.mode,
            status=ChannelStatus(channel.status),
            last_error=channel.last_error,
            last_error_at=channel.last_error_at,
            last_inbound_at=channel.last_inbound_at,
            last_outbound_at=channel.last_outbound_at,
            counters=ChannelCounters(
                inbound=channel.inbound_count,
                outbound=channel.outbound_count,
                failed=channel.failed_count,
            ),
            config=config,
            credentials=masked,
            outbound_url=channel.outbound_url,
            created_at=channel.created_at,
        )


class ChannelCreatedOut(ChannelOut):
    inbound_secret: str | None = Field(
        default=None,
        description="API channels, shown once: authenticates inbound posts in "
        "`X-RelayDesk-Channel-Secret`.",
    )
