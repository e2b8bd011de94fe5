"""Request and response shapes of the channels domain."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

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


BotToken = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$"),
    Field(description="From @BotFather; stored sealed and never shown again."),
]
NumericId = Annotated[str, StringConstraints(pattern=r"^\d{1,30}$")]


class LimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=100_000, description="Sends per `per` seconds.")
    per: float = Field(default=1.0, gt=0, le=86_400)
    burst: int | None = Field(
        default=None, ge=1, le=100_000, description="Sends allowed at once after a quiet spell."
    )


class RateLimitsIn(BaseModel):
    """Overrides of the provider's default limits (Telegram: 30/s per bot, 1/s per chat,
    20/min per group; WhatsApp: 80/s per number). A scope left out keeps its default; null
    lifts it."""

    model_config = ConfigDict(extra="forbid")

    account: LimitIn | None = None
    chat: LimitIn | None = None
    group: LimitIn | None = None

    def stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


RateLimitsField = Annotated[
    RateLimitsIn | None,
    Field(description="Send rate overrides; the provider's limits if left out."),
]


class TelegramChannelCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["telegram"]
    name: Name
    bot_token: BotToken
    mode: TelegramMode = Field(
        default=TelegramMode.webhook,
        description="`webhook` needs RELAYDESK_PUBLIC_URL reachable by Telegram; `polling` "
        "asks Telegram for updates (machines without a public URL).",
    )
    api_base_url: ApiBaseUrl = None
    rate_limits: RateLimitsField = None


class WhatsAppChannelCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["whatsapp_cloud"]
    name: Name
    phone_number_id: NumericId
    access_token: Secret
    app_secret: Secret
    verify_token: Secret
    business_account_id: NumericId | None = Field(
        default=None, description="The WhatsApp Business Account id: needed to sync templates."
    )
    api_base_url: ApiBaseUrl = None
    rate_limits: RateLimitsField = None


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


class ChannelUpdateIn(BaseModel):
    """Fields left out stay as they are. Secrets given here are sealed like at creation; a
    Telegram account given a new `bot_token`, `mode` or `api_base_url` registers its webhook
    again (or removes it, for polling)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    enabled: bool | None = Field(
        default=None,
        description="A disabled channel takes no inbound webhooks and sends nothing.",
    )
    outbound_url: Url | None = Field(default=None, description="API channels; null removes it.")
    api_base_url: ApiBaseUrl = Field(default=None, description="null: the real provider again.")
    bot_token: BotToken | None = None
    mode: TelegramMode | None = None
    phone_number_id: NumericId | None = None
    business_account_id: NumericId | None = None
    access_token: Secret | None = None
    app_secret: Secret | None = None
    verify_token: Secret | None = None
    rate_limits: RateLimitsField = None


# -- message templates (WhatsApp) ---------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


class TemplateComponentType(StrEnum):
    header = "HEADER"
    body = "BODY"
    footer = "FOOTER"
    buttons = "BUTTONS"


class TemplateCategory(StrEnum):
    marketing = "MARKETING"
    utility = "UTILITY"
    authentication = "AUTHENTICATION"


class TemplateComponentIn(BaseModel):
    """One component as Meta lists it; other keys Meta uses (`example`, …) are kept."""

    model_config = ConfigDict(extra="allow")

    type: TemplateComponentType
    format: str | None = Field(default=None, max_length=16)
    text: str | None = Field(default=None, max_length=1024)
    buttons: list[dict[str, Any]] | None = Field(default=None, max_length=10)

    @field_validator("type", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _placeholders(self) -> Self:
        names = _PLACEHOLDER.findall(self.text or "")
        numbers = {int(n) for n in names if n.isdigit()}
        # Meta numbers positional parameters from 1 without gaps.
        if numbers and numbers != set(range(1, len(numbers) + 1)):
            raise ValueError("positional placeholders must be {{1}}, {{2}}, … without gaps")
        return self


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,512}$")] = Field(
        description="As registered with Meta: lower-case letters, digits and underscores."
    )
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")] = Field(
        description="Meta's language code, e.g. `en_US`, `pt_BR`, `de`."
    )
    category: TemplateCategory | None = None
    components: list[TemplateComponentIn] = Field(min_length=1, max_length=10)

    @field_validator("category", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_body(self) -> Self:
        kinds = [c.type for c in self.components]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each component type may appear once")
        body = next((c for c in self.components if c.type is TemplateComponentType.body), None)
        if body is None or not body.text:
            raise ValueError("a template needs a BODY component with text")
        return self


class TemplateOut(BaseModel):
    id: uuid.UUID
    channel_id: uuid.UUID
    name: str
    language: str
    category: str | None
    status: str
    source: str = Field(description="`synced` from the provider or `entered` by a member.")
    components: list[dict[str, Any]]
    header_params: int = Field(description="Parameters a send must give for the header.")
    body_params: int = Field(description="Parameters a send must give for the body.")
    created_at: datetime
    updated_at: datetime


class TemplateSyncOut(BaseModel):
    added: int
    updated: int
    removed: int = Field(description="Synced templates the provider no longer lists.")
    total: int = Field(description="Templates the provider listed.")
