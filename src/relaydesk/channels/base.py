"""The contract every channel adapter implements (docs/channels.md).

An adapter is a thin, typed client of one provider account. It never touches the database:
the caller verifies and parses inbound webhooks through it, turns the events into domain calls,
and hands it outbound messages to send.

A provider must implement (the list Chatwoot's provider base class keeps in its header):

- `verify(headers, raw_body, query)`: accept or refuse an inbound webhook (`VerificationError`
  carries 401 or 403); `verification_challenge(query)` for a GET handshake (WhatsApp).
- `parse(raw_body) -> list[InboundEvent]`: every item of the payload, an `Unparseable` for each
  item it cannot read; `PayloadError` only when the whole body is not the provider's JSON.
- `send(OutboundMessage) -> SendResult`, raising a `channels.errors.ChannelError` subclass.
- `download_media(MediaRef) -> Download`.
- `health_check() -> Health` (never raises for provider errors).
- `rate_limits`: the limits the outbound pipeline's token buckets enforce.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Self

import httpx

from relaydesk.channels.errors import ErrorKind, VerificationError
from relaydesk.channels.ratelimit import RateLimits
from relaydesk.domains.conversations.schemas import Location, MessageStatus, MessageType

# Every provider call has an explicit timeout; a stalled call past it is `Retryable`.
DEFAULT_TIMEOUT = 15.0
# Sent with every send; the real providers ignore it, our fakes answer a repeat once.
IDEMPOTENCY_HEADER = "X-Idempotency-Key"


class ChatKind(StrEnum):
    private = "private"
    group = "group"


# -- inbound ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sender:
    """A contact as the provider names it. `external_id` is the key the contact is stored
    under (Telegram user id; WhatsApp business-scoped user id when present, else wa_id)."""

    external_id: str
    name: str | None = None
    phone: str | None = None
    username: str | None = None
    is_bot: bool = False


@dataclass(frozen=True)
class MediaRef:
    """A provider-side file to download later with `download_media`."""

    provider_id: str
    mime_type: str | None = None
    filename: str | None = None
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """A new message. `chat_key` names the conversation (a Telegram group is one conversation
    whose senders are member contacts); `provider_type` is the provider's own type (voice,
    sticker, contact, …) where `type` maps it to ours."""

    external_id: str
    chat_key: str
    chat_kind: ChatKind
    sender: Sender
    type: MessageType
    timestamp: datetime
    provider_type: str
    text: str | None = None
    media: tuple[MediaRef, ...] = ()
    location: Location | None = None
    reply_to: str | None = None
    chat_title: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundEdit:
    """An earlier message (`external_id`) changed; its new text or caption."""

    external_id: str
    chat_key: str
    sender: Sender
    text: str | None
    timestamp: datetime


@dataclass(frozen=True)
class ProviderError:
    code: int | str | None
    title: str | None
    details: str | None
    kind: ErrorKind


@dataclass(frozen=True)
class InboundStatus:
    """The provider's report on an outbound message; apply forward-only (read may come before
    delivered)."""

    external_id: str
    status: MessageStatus
    timestamp: datetime
    recipient: str | None = None
    error: ProviderError | None = None


class SystemKind(StrEnum):
    members_joined = "members_joined"
    member_left = "member_left"
    # A member's standing changed without joining or leaving (restricted, lifted, promoted):
    # `extra["status"]` is the new Telegram ChatMember status.
    member_updated = "member_updated"
    # The conversation moves to `new_chat_key` (Telegram group → supergroup).
    chat_migrated = "chat_migrated"
    # The contact blocked the bot: mark it unreachable; `contact_reachable` when unblocked.
    contact_unreachable = "contact_unreachable"
    contact_reachable = "contact_reachable"
    # The bot was removed from (or added back to) a group.
    bot_removed = "bot_removed"
    bot_added = "bot_added"
    # WhatsApp: the user changed their number (`extra["new_wa_id"]`).
    identity_changed = "identity_changed"


@dataclass(frozen=True)
class SystemEvent:
    kind: SystemKind
    chat_key: str
    timestamp: datetime
    external_id: str | None = None
    actor: Sender | None = None
    members: tuple[Sender, ...] = ()
    new_chat_key: str | None = None
    text: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class CallbackKind(StrEnum):
    callback_query = "callback_query"  # Telegram inline keyboard
    button_reply = "button_reply"  # WhatsApp interactive reply button
    list_reply = "list_reply"  # WhatsApp interactive list
    button = "button"  # WhatsApp template quick-reply button


@dataclass(frozen=True)
class CallbackEvent:
    """A press on a button the business sent. `data` is the button's id or payload, `title`
    what the user saw; `reply_to` the message carrying the buttons."""

    external_id: str
    kind: CallbackKind
    chat_key: str
    sender: Sender
    data: str | None
    timestamp: datetime
    title: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class Reaction:
    """A reaction to `target_external_id`; an empty emoji removes it."""

    external_id: str
    chat_key: str
    sender: Sender
    target_external_id: str
    emoji: str
    timestamp: datetime


@dataclass(frozen=True)
class Unparseable:
    """An item of a payload that could not be read (kept for the dead-letter table)."""

    reason: str
    item: Any


InboundEvent = (
    InboundMessage
    | InboundEdit
    | InboundStatus
    | SystemEvent
    | CallbackEvent
    | Reaction
    | Unparseable
)


# -- outbound ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundMedia:
    """Media to send: exactly one of a public `url`, uploaded `content` (with `filename` and
    `content_type`), or a `provider_id` already known to the provider."""

    url: str | None = None
    content: bytes | None = field(default=None, repr=False)
    filename: str | None = None
    content_type: str | None = None
    provider_id: str | None = None

    def __post_init__(self) -> None:
        given = [v for v in (self.url, self.content, self.provider_id) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of url, content and provider_id")


@dataclass(frozen=True)
class TemplateDefinition:
    """A stored message template: its components as the provider lists them (`type` HEADER /
    BODY / …, `text` with `{{1}}` or `{{name}}` placeholders)."""

    name: str
    language: str
    components: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class TemplateSend:
    name: str
    language: str
    body_params: tuple[str, ...] = ()
    header_params: tuple[str, ...] = ()
    definition: TemplateDefinition | None = None


@dataclass(frozen=True)
class OutboundMessage:
    """`chat_key` as in `InboundMessage`; `reply_to` an external message id.
    `idempotency_key` (our message id) goes with every attempt of the same message, so a
    provider or fake that honours it answers a repeat with the first result."""

    chat_key: str
    type: MessageType
    text: str | None = None
    reply_to: str | None = None
    media: OutboundMedia | None = None
    template: TemplateSend | None = None
    location: Location | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class SendResult:
    external_id: str
    chat_key: str
    # The recipient as the provider resolved it (WhatsApp wa_id / user id).
    recipient: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Download:
    content: bytes = field(repr=False)
    content_type: str
    filename: str


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: Mapping[str, Any] = field(default_factory=dict)
    error_kind: ErrorKind | None = None
    error: str | None = None


# -- the adapter ------------------------------------------------------------------------------


class ChannelAdapter(abc.ABC):
    """One provider account. Use as `async with adapter:` or call `aclose()`; a client passed
    in is the caller's to close."""

    channel_type: ClassVar[str]
    default_rate_limits: ClassVar[RateLimits]
    # The provider never reports `read` (Telegram's bots get no read receipts): a customer
    # who writes again in a private chat has read what we sent before.
    infers_read_on_reply: ClassVar[bool] = False

    def __init__(
        self,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float | None = None,
        rate_limits: RateLimits | None = None,
    ) -> None:
        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self.timeout = timeout
        self.rate_limits = rate_limits or self.default_rate_limits

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    @classmethod
    @abc.abstractmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
    ) -> Self:
        """Build from a channel account's stored settings and credentials."""

    # inbound

    @abc.abstractmethod
    def verify(self, headers: Mapping[str, str], raw_body: bytes, query: Mapping[str, str]) -> None:
        """Raise `VerificationError` unless the webhook provably comes from the provider."""

    def verification_challenge(self, query: Mapping[str, str]) -> str:
        """The body to answer a GET subscription handshake with."""
        raise VerificationError(403, "channel.no_handshake", "this channel has no handshake")

    @abc.abstractmethod
    def parse(self, raw_body: bytes) -> list[InboundEvent]: ...

    # outbound

    @abc.abstractmethod
    async def send(self, message: OutboundMessage) -> SendResult: ...

    @abc.abstractmethod
    async def download_media(self, ref: MediaRef) -> Download: ...

    @abc.abstractmethod
    async def health_check(self) -> Health: ...


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by case-insensitive name from any mapping (Starlette's or a plain dict)."""
    value = headers.get(name)
    if value is not None:
        return value
    lower = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lower), None)
