"""Telegram updates → inbound events: one update per webhook POST, lists from getUpdates.

Message ids are unique per chat only, so external ids are `<chat_id>:<message_id>`.
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
    InboundEdit,
    InboundEvent,
    InboundMessage,
    MediaRef,
    Reaction,
    Sender,
    SystemEvent,
    SystemKind,
    Unparseable,
)
from relaydesk.channels.errors import PayloadError
from relaydesk.domains.conversations.schemas import Location, MessageType

# Media fields of a Message, in the order they are looked for, with our type for each.
_MEDIA: tuple[tuple[str, MessageType], ...] = (
    ("photo", MessageType.image),
    ("sticker", MessageType.image),
    ("animation", MessageType.video),
    ("video", MessageType.video),
    ("video_note", MessageType.video),
    ("voice", MessageType.audio),
    ("audio", MessageType.audio),
    ("document", MessageType.file),
)
# What a webhook or getUpdates should ask for (`allowed_updates`): `chat_member` is left out
# unless asked, and only it tells which invite link a member joined through.
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "message_reaction",
)
# ChatMember statuses of someone in the chat (`restricted` only with is_member true).
_PRESENT = frozenset({"creator", "administrator", "member"})
_SERVICE = (
    "group_chat_created",
    "supergroup_chat_created",
    "channel_chat_created",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "pinned_message",
)


class _BadItemError(Exception):
    """One item cannot be read; becomes `Unparseable`."""


def message_id(chat_id: Any, message_id: Any) -> str:
    return f"{chat_id}:{message_id}"


def parse_body(raw_body: bytes) -> list[InboundEvent]:
    try:
        data = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("the body is not JSON") from None
    if isinstance(data, dict) and "result" in data and "ok" in data:
        data = data["result"]  # a whole getUpdates answer
    if isinstance(data, dict):
        updates: list[Any] = [data]
    elif isinstance(data, list):
        updates = data
    else:
        raise PayloadError("the body is neither an update nor a list of updates")
    return [parse_update(update) for update in updates]


def parse_update(update: Any) -> InboundEvent:
    try:
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise _BadItemError("not an update (no update_id)")
        return _update(update)
    except _BadItemError as exc:
        return Unparseable(str(exc), update)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        return Unparseable(f"malformed update: {type(exc).__name__}: {exc}", update)


def _update(update: dict[str, Any]) -> InboundEvent:
    if "message" in update:
        return _message(update["message"])
    if "edited_message" in update:
        return _edit(update["edited_message"])
    if "callback_query" in update:
        return _callback(update["callback_query"])
    if "my_chat_member" in update:
        return _my_chat_member(update["my_chat_member"])
    if "chat_member" in update:
        return _chat_member(update["chat_member"])
    if "message_reaction" in update:
        return _reaction(update["message_reaction"])
    kinds = sorted(k for k in update if k != "update_id")
    raise _BadItemError(f"unsupported update: {', '.join(kinds) or 'empty'}")


def _at(unix: Any) -> datetime:
    return datetime.fromtimestamp(int(unix), UTC)


def _sender(user: Mapping[str, Any]) -> Sender:
    names = [str(user[k]) for k in ("first_name", "last_name") if user.get(k)]
    return Sender(
        external_id=str(int(user["id"])),
        name=" ".join(names) or None,
        username=user.get("username"),
        is_bot=bool(user.get("is_bot", False)),
    )


def _chat(chat: Mapping[str, Any]) -> tuple[str, ChatKind]:
    kind = chat["type"]
    if kind == "private":
        return str(int(chat["id"])), ChatKind.private
    if kind in ("group", "supergroup"):
        return str(int(chat["id"])), ChatKind.group
    raise _BadItemError(f"unsupported chat type {kind!r}")


def _group_extra(chat: Mapping[str, Any]) -> dict[str, Any]:
    """What a group's events carry about the chat, for keeping its record current."""
    if chat.get("type") == "private":
        return {}
    return {"chat_type": chat.get("type"), "chat_title": chat.get("title")}


def _message_sender(message: Mapping[str, Any]) -> Sender:
    user = message.get("from")
    if not isinstance(user, dict):
        raise _BadItemError("message without a sender")
    return _sender(user)


def _media_ref(field: str, value: Any) -> MediaRef:
    if field == "photo":
        if not isinstance(value, list) or not value:
            raise _BadItemError("photo without sizes")
        # The largest size: Telegram lists them smallest first.
        value = max(value, key=lambda s: (s.get("width", 0) * s.get("height", 0), len(str(s))))
    return MediaRef(
        provider_id=str(value["file_id"]),
        mime_type=value.get("mime_type") or ("image/jpeg" if field == "photo" else None),
        filename=value.get("file_name"),
        size=value.get("file_size"),
    )


def _message(message: dict[str, Any]) -> InboundEvent:
    chat = message["chat"]
    chat_key, chat_kind = _chat(chat)
    at = _at(message["date"])
    external_id = message_id(chat_key, message["message_id"])
    sender = _message_sender(message)
    if "new_chat_members" in message:
        return SystemEvent(
            SystemKind.members_joined,
            chat_key,
            at,
            external_id=external_id,
            actor=sender,
            members=tuple(_sender(u) for u in message["new_chat_members"]),
            extra=_group_extra(chat),
        )
    if "left_chat_member" in message:
        return SystemEvent(
            SystemKind.member_left,
            chat_key,
            at,
            external_id=external_id,
            actor=sender,
            members=(_sender(message["left_chat_member"]),),
            extra=_group_extra(chat),
        )
    if "migrate_to_chat_id" in message:
        new = str(int(message["migrate_to_chat_id"]))
        return SystemEvent(
            SystemKind.chat_migrated, chat_key, at, external_id=external_id, new_chat_key=new
        )
    if "migrate_from_chat_id" in message:
        # The second service message of a migration, posted in the new supergroup: the same
        # move seen from the other side, so a caller applying it twice changes nothing.
        old = str(int(message["migrate_from_chat_id"]))
        return SystemEvent(
            SystemKind.chat_migrated, old, at, external_id=external_id, new_chat_key=chat_key
        )
    for name in _SERVICE:
        if name in message:
            raise _BadItemError(f"unsupported service message {name}")

    kind, provider_type, text = MessageType.text, "text", message.get("text")
    media: tuple[MediaRef, ...] = ()
    location = None
    # Groups: "group" or "supergroup", which ChatKind does not tell apart.
    extra: dict[str, Any] = {"chat_type": chat["type"]} if chat_kind is ChatKind.group else {}
    for field, mapped in _MEDIA:
        if field in message:
            kind, provider_type = mapped, field
            media = (_media_ref(field, message[field]),)
            text = message.get("caption")
            break
    else:
        if "location" in message:
            loc = message["location"]
            kind, provider_type, text = MessageType.location, "location", None
            location = Location(latitude=loc["latitude"], longitude=loc["longitude"])
        elif "venue" in message:
            venue = message["venue"]
            kind, provider_type, text = MessageType.location, "venue", None
            location = Location(
                latitude=venue["location"]["latitude"],
                longitude=venue["location"]["longitude"],
                name=venue.get("title"),
                address=venue.get("address"),
            )
        elif "contact" in message:
            card = message["contact"]
            names = [str(card[k]) for k in ("first_name", "last_name") if card.get(k)]
            kind, provider_type = MessageType.text, "contact"
            text = " ".join([*names, str(card["phone_number"])])
            extra["contact"] = {
                "name": " ".join(names) or None,
                "phone": str(card["phone_number"]),
                "user_id": card.get("user_id"),
            }
        elif text is None:
            raise _BadItemError("message without supported content")
    reply = message.get("reply_to_message")
    return InboundMessage(
        external_id=external_id,
        chat_key=chat_key,
        chat_kind=chat_kind,
        sender=sender,
        type=kind,
        timestamp=at,
        provider_type=provider_type,
        text=text,
        media=media,
        location=location,
        reply_to=message_id(chat_key, reply["message_id"]) if isinstance(reply, dict) else None,
        chat_title=chat.get("title"),
        extra=extra,
    )


def _edit(message: dict[str, Any]) -> InboundEvent:
    chat_key, _ = _chat(message["chat"])
    when = message.get("edit_date") or message.get("date")
    return InboundEdit(
        external_id=message_id(chat_key, message["message_id"]),
        chat_key=chat_key,
        sender=_message_sender(message),
        text=message.get("text", message.get("caption")),
        timestamp=_at(when) if when is not None else datetime.now(UTC),
    )


def _callback(query: dict[str, Any]) -> InboundEvent:
    sender = _sender(query["from"])
    message = query.get("message")
    if isinstance(message, dict) and isinstance(message.get("chat"), dict):
        chat_key, _ = _chat(message["chat"])
        reply_to = message_id(chat_key, message["message_id"])
        at = _at(message["date"]) if message.get("date") else datetime.now(UTC)
    else:
        # A button on an inline-mode message: no chat, the presser's private chat stands in.
        chat_key, reply_to, at = sender.external_id, None, datetime.now(UTC)
    return CallbackEvent(
        external_id=str(query["id"]),
        kind=CallbackKind.callback_query,
        chat_key=chat_key,
        sender=sender,
        data=query.get("data"),
        timestamp=at,
        reply_to=reply_to,
    )


def _my_chat_member(change: dict[str, Any]) -> InboundEvent:
    chat_key, chat_kind = _chat(change["chat"])
    status = change["new_chat_member"]["status"]
    actor = _sender(change["from"])
    at = _at(change["date"]) if change.get("date") else datetime.now(UTC)
    gone = status in ("kicked", "left")
    if chat_kind is ChatKind.private:
        kind = SystemKind.contact_unreachable if gone else SystemKind.contact_reachable
    else:
        kind = SystemKind.bot_removed if gone else SystemKind.bot_added
    extra = {"status": status, **_group_extra(change["chat"])}
    return SystemEvent(kind, chat_key, at, actor=actor, extra=extra)


def _present(member: Mapping[str, Any]) -> bool:
    status = member.get("status")
    return status in _PRESENT or (status == "restricted" and bool(member.get("is_member")))


def _chat_member(change: dict[str, Any]) -> InboundEvent:
    """Another member's standing changed (sent only to admins that asked for chat_member):
    a join carries the invite link it came through."""
    chat_key, chat_kind = _chat(change["chat"])
    if chat_kind is ChatKind.private:
        raise _BadItemError("chat_member update of a private chat")
    old, new = change["old_chat_member"], change["new_chat_member"]
    was, now = _present(old), _present(new)
    status = str(new["status"])
    if now and not was:
        kind = SystemKind.members_joined
    elif was and not now:
        kind = SystemKind.member_left
    else:
        kind = SystemKind.member_updated
    extra: dict[str, Any] = {"status": status, **_group_extra(change["chat"])}
    link = change.get("invite_link")
    if isinstance(link, dict) and link.get("invite_link"):
        extra["invite_link"] = str(link["invite_link"])
        if link.get("name"):
            extra["invite_link_name"] = str(link["name"])
    if change.get("via_join_request"):
        extra["via_join_request"] = True
    at = _at(change["date"]) if change.get("date") else datetime.now(UTC)
    return SystemEvent(
        kind,
        chat_key,
        at,
        actor=_sender(change["from"]),
        members=(_sender(new["user"]),),
        extra=extra,
    )


def _reaction(update: dict[str, Any]) -> InboundEvent:
    chat_key, _ = _chat(update["chat"])
    user = update.get("user")
    if not isinstance(user, dict):
        raise _BadItemError("anonymous reaction")
    emojis = [r.get("emoji", "") for r in update.get("new_reaction", []) if r.get("emoji")]
    target = message_id(chat_key, update["message_id"])
    return Reaction(
        external_id=f"{target}:{user['id']}:{update['date']}",
        chat_key=chat_key,
        sender=_sender(user),
        target_external_id=target,
        emoji=emojis[-1] if emojis else "",
        timestamp=_at(update["date"]),
    )
