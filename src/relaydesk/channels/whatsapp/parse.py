"""WhatsApp webhook payloads → inbound events: every entry, change, message and status.

Contacts are keyed by the business-scoped user id (BSUID) when the payload carries one, else
by wa_id; a user may hide the phone number, and then only the BSUID comes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from relaydesk.channels.base import (
    CallbackEvent,
    CallbackKind,
    ChatKind,
    InboundEvent,
    InboundMessage,
    InboundStatus,
    MediaRef,
    ProviderError,
    Reaction,
    Sender,
    SystemEvent,
    SystemKind,
    Unparseable,
)
from relaydesk.channels.errors import PayloadError
from relaydesk.channels.whatsapp.codes import kind_of
from relaydesk.domains.conversations.schemas import Location, MessageStatus, MessageType

_MEDIA = {
    "image": MessageType.image,
    "video": MessageType.video,
    "audio": MessageType.audio,
    "document": MessageType.file,
    "sticker": MessageType.image,
}
_STATUSES = {
    "sent": MessageStatus.sent,
    "delivered": MessageStatus.delivered,
    "read": MessageStatus.read,
    # Voice messages report `played` after `read`; nothing further for us.
    "played": MessageStatus.read,
    "failed": MessageStatus.failed,
}


class _BadItemError(Exception):
    """One item cannot be read; becomes `Unparseable`."""


def parse_body(raw_body: bytes, phone_number_id: str | None = None) -> list[InboundEvent]:
    """Events of a webhook POST; items for another phone number than `phone_number_id` are
    returned as `Unparseable` (a misconfigured callback must not leak into this account)."""
    try:
        data = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("the body is not JSON") from None
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        raise PayloadError("not a WhatsApp Business Account webhook")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("no entry list")
    events: list[InboundEvent] = []
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            events.append(Unparseable("entry without changes", entry))
            continue
        for change in changes:
            events.extend(_change(change, phone_number_id))
    return events


def _change(change: Any, phone_number_id: str | None) -> list[InboundEvent]:
    if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
        return [Unparseable("change without a value", change)]
    if change.get("field") != "messages":
        return [Unparseable(f"unsupported field {change.get('field')!r}", change)]
    value = change["value"]
    metadata = value.get("metadata") or {}
    target = str(metadata.get("phone_number_id", ""))
    if phone_number_id is not None and target != phone_number_id:
        return [Unparseable(f"for another phone number ({target or 'none'})", change)]
    contacts = [c for c in value.get("contacts") or [] if isinstance(c, dict)]
    events: list[InboundEvent] = []
    for message in value.get("messages") or []:
        events.append(_guard(_message, message, contacts))
    for status in value.get("statuses") or []:
        events.append(_guard(_status, status, contacts))
    for error in value.get("errors") or []:
        events.append(Unparseable("webhook error", error))
    if not events:
        events.append(Unparseable("change without messages or statuses", change))
    return events


def _guard(parse: Any, item: Any, contacts: list[dict[str, Any]]) -> InboundEvent:
    try:
        if not isinstance(item, dict):
            raise _BadItemError("item is not an object")
        result: InboundEvent = parse(item, contacts)
    except _BadItemError as exc:
        return Unparseable(str(exc), item)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        return Unparseable(f"malformed item: {type(exc).__name__}: {exc}", item)
    return result


def _at(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


def _sender(message: Mapping[str, Any], contacts: list[dict[str, Any]]) -> Sender:
    wa_id = message.get("from")
    user_id = message.get("from_user_id")
    contact = next(
        (
            c
            for c in contacts
            if (user_id and c.get("user_id") == user_id) or (wa_id and c.get("wa_id") == wa_id)
        ),
        {},
    )
    user_id = user_id or contact.get("user_id")
    wa_id = wa_id or contact.get("wa_id")
    key = user_id or wa_id
    if not key:
        raise _BadItemError("message without a sender")
    profile = contact.get("profile") or {}
    return Sender(
        external_id=str(key),
        name=profile.get("name"),
        phone=f"+{wa_id}" if wa_id else None,
        username=profile.get("username"),
    )


def _message(message: dict[str, Any], contacts: list[dict[str, Any]]) -> InboundEvent:
    external_id = str(message["id"])
    sender = _sender(message, contacts)
    at = _at(message["timestamp"])
    kind = message.get("type")
    context = message.get("context") or {}
    reply_to = context.get("id")
    if kind == "reaction":
        reaction = message["reaction"]
        return Reaction(
            external_id=external_id,
            chat_key=sender.external_id,
            sender=sender,
            target_external_id=str(reaction["message_id"]),
            emoji=str(reaction.get("emoji") or ""),
            timestamp=at,
        )
    if kind in ("interactive", "button"):
        return _callback(message, external_id, sender, at, reply_to)
    if kind == "system":
        system = message["system"]
        return SystemEvent(
            SystemKind.identity_changed,
            sender.external_id,
            at,
            external_id=external_id,
            actor=sender,
            text=system.get("body"),
            extra={"new_wa_id": system.get("wa_id") or system.get("new_wa_id")},
        )

    mapped, text, location = MessageType.text, None, None
    media: tuple[MediaRef, ...] = ()
    extra: dict[str, Any] = {}
    if kind == "text":
        text = message["text"]["body"]
    elif kind in _MEDIA:
        body = message[kind]
        mapped = _MEDIA[kind]
        media = (
            MediaRef(
                provider_id=str(body["id"]),
                mime_type=body.get("mime_type"),
                filename=body.get("filename"),
                sha256=body.get("sha256"),
            ),
        )
        text = body.get("caption")
        extra = {k: body[k] for k in ("voice", "animated") if k in body}
    elif kind == "location":
        loc = message["location"]
        mapped = MessageType.location
        location = Location(
            latitude=loc["latitude"],
            longitude=loc["longitude"],
            name=loc.get("name"),
            address=loc.get("address"),
        )
    elif kind == "contacts":
        cards = message["contacts"]
        lines = []
        for card in cards:
            name = (card.get("name") or {}).get("formatted_name", "")
            phones = ", ".join(p.get("phone", "") for p in card.get("phones") or [])
            lines.append(f"{name} {phones}".strip())
        text = "\n".join(lines) or None
        if text is None:
            raise _BadItemError("contacts message without contacts")
        extra = {"contacts": cards}
    elif kind == "unsupported":
        errors = message.get("errors") or [{}]
        raise _BadItemError(f"unsupported message: {errors[0].get('title', 'unknown type')}")
    else:
        raise _BadItemError(f"unsupported message type {kind!r}")
    return InboundMessage(
        external_id=external_id,
        chat_key=sender.external_id,
        chat_kind=ChatKind.private,
        sender=sender,
        type=mapped,
        timestamp=at,
        provider_type=str(kind),
        text=text,
        media=media,
        location=location,
        reply_to=str(reply_to) if reply_to else None,
        extra=extra,
    )


def _callback(
    message: dict[str, Any], external_id: str, sender: Sender, at: datetime, reply_to: Any
) -> InboundEvent:
    if message["type"] == "button":
        button = message["button"]
        kind, data, title = CallbackKind.button, button.get("payload"), button.get("text")
    else:
        interactive = message["interactive"]
        sub = interactive.get("type")
        if sub not in ("button_reply", "list_reply"):
            raise _BadItemError(f"unsupported interactive reply {sub!r}")
        reply = interactive[sub]
        kind, data, title = CallbackKind(sub), reply.get("id"), reply.get("title")
    return CallbackEvent(
        external_id=external_id,
        kind=kind,
        chat_key=sender.external_id,
        sender=sender,
        data=data,
        title=title,
        timestamp=at,
        reply_to=str(reply_to) if reply_to else None,
    )


def _status(status: dict[str, Any], contacts: list[dict[str, Any]]) -> InboundEvent:
    name = status["status"]
    if name not in _STATUSES:
        raise _BadItemError(f"unknown status {name!r}")
    error = None
    errors = status.get("errors") or []
    if errors:
        first = errors[0]
        code = first.get("code")
        data = first.get("error_data") or {}
        error = ProviderError(
            code=code,
            title=first.get("title") or first.get("message"),
            details=data.get("details") if isinstance(data, dict) else None,
            kind=kind_of(code if isinstance(code, int) else None),
        )
    recipient = status.get("recipient_user_id") or status.get("recipient_id")
    return InboundStatus(
        external_id=str(status["id"]),
        status=_STATUSES[name],
        timestamp=_at(status["timestamp"]),
        recipient=str(recipient) if recipient else None,
        error=error,
    )
