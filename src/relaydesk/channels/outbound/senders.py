"""What the pipeline sends through: a provider adapter, or the API channel's signed post.

A sender turns one `Outgoing` into a provider call. It raises a `channels.errors`
`ChannelError` subclass when the call fails, so the pipeline treats every channel alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from relaydesk.channels.base import (
    ChannelAdapter,
    OutboundMedia,
    OutboundMessage,
    TemplateSend,
)
from relaydesk.channels.errors import MediaUnavailable, Permanent
from relaydesk.domains.channels.outbound import Outgoing
from relaydesk.domains.conversations.schemas import MEDIA_TYPES, Location, MessageType
from relaydesk.storage.base import Storage, StorageKeyError


@dataclass(frozen=True)
class Delivered:
    """The provider took the message; `external_id` is its id for it (if it gave one)."""

    external_id: str | None


class Sender(Protocol):
    async def send(self, item: Outgoing) -> Delivered: ...

    async def aclose(self) -> None: ...


def template_of(payload: dict[str, object]) -> TemplateSend:
    def strings(key: str) -> tuple[str, ...]:
        value = payload.get(key) or ()
        return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

    return TemplateSend(
        name=str(payload.get("name", "")),
        language=str(payload.get("language", "")),
        # `params` is the older name of `body_params`.
        body_params=strings("body_params") or strings("params"),
        header_params=strings("header_params"),
    )


class AdapterSender:
    """A Telegram or WhatsApp account: our message → `OutboundMessage` → `adapter.send`."""

    def __init__(self, adapter: ChannelAdapter, storage: Storage) -> None:
        self.adapter = adapter
        self._storage = storage

    async def aclose(self) -> None:
        await self.adapter.aclose()

    async def send(self, item: Outgoing) -> Delivered:
        if item.chat_key is None:
            raise Permanent("the conversation has no chat on this channel", code="no_chat")
        message = item.message
        kind = message.type
        media = None
        location = None
        template = None
        if kind in MEDIA_TYPES:
            media = await self._media(item)
        elif kind is MessageType.location:
            location = Location.model_validate(message.payload)
        elif kind is MessageType.template:
            template = template_of(message.payload)
        result = await self.adapter.send(
            OutboundMessage(
                chat_key=item.chat_key,
                type=kind,
                text=message.text,
                reply_to=item.reply_to,
                media=media,
                template=template,
                location=location,
                idempotency_key=str(message.id),
            )
        )
        return Delivered(result.external_id)

    async def _media(self, item: Outgoing) -> OutboundMedia:
        # One attachment per provider message, with the caption. Replies with more are refused
        # when stored; one that got in otherwise fails rather than going out cut short.
        if not item.attachments:
            raise Permanent("the message has no attachment", code="no_attachment")
        if len(item.attachments) > 1:
            raise Permanent("one attachment per message on this channel", code="many_attachments")
        first = item.attachments[0]
        try:
            content = await self._storage.get(first.storage_key)
        except StorageKeyError:
            raise MediaUnavailable("the attachment is gone", code="attachment_gone") from None
        return OutboundMedia(
            content=content, filename=first.filename, content_type=first.content_type
        )
