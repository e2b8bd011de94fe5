"""Builders of inbound WhatsApp messages for the fake's control API (the `messages[]` items of
the webhook, less `from`, `id` and `timestamp`, which the fake fills)."""

from __future__ import annotations

from typing import Any


def text(body: str, **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body}, **extra}


def media(kind: str, media_id: str, mime_type: str, sha256: str, **fields: Any) -> dict[str, Any]:
    """image / video / document (filename=) / audio (voice=) / sticker (animated=)."""
    return {
        "type": kind,
        kind: {"id": media_id, "mime_type": mime_type, "sha256": sha256, **fields},
    }


def location(latitude: float, longitude: float, **fields: Any) -> dict[str, Any]:
    return {
        "type": "location",
        "location": {"latitude": latitude, "longitude": longitude, **fields},
    }


def reaction(message_id: str, emoji: str) -> dict[str, Any]:
    """An empty emoji removes the reaction."""
    return {"type": "reaction", "reaction": {"message_id": message_id, "emoji": emoji}}


def button_reply(reply_id: str, title: str, context_id: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
    }
    if context_id:
        message["context"] = {"id": context_id}
    return message


def list_reply(reply_id: str, title: str, description: str = "") -> dict[str, Any]:
    return {
        "type": "interactive",
        "interactive": {
            "type": "list_reply",
            "list_reply": {"id": reply_id, "title": title, "description": description},
        },
    }


def button(payload: str, text_: str) -> dict[str, Any]:
    """A quick-reply button of a template."""
    return {"type": "button", "button": {"payload": payload, "text": text_}}


def contacts(name: str, phone: str) -> dict[str, Any]:
    return {
        "type": "contacts",
        "contacts": [
            {
                "name": {"formatted_name": name, "first_name": name},
                "phones": [{"phone": phone, "type": "CELL"}],
            }
        ],
    }


def order(catalog_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "order", "order": {"catalog_id": catalog_id, "product_items": items}}


def system(body: str, new_wa_id: str) -> dict[str, Any]:
    return {
        "type": "system",
        "system": {"body": body, "wa_id": new_wa_id, "type": "user_changed_number"},
    }


def unsupported() -> dict[str, Any]:
    return {
        "type": "unsupported",
        "errors": [
            {
                "code": 131051,
                "title": "Message type unknown",
                "message": "Message type unknown",
                "error_data": {"details": "Message type is not currently supported"},
            }
        ],
    }


def request_welcome() -> dict[str, Any]:
    return {"type": "request_welcome"}


def reply_to(message: dict[str, Any], from_: str, message_id: str) -> dict[str, Any]:
    return {**message, "context": {"from": from_, "id": message_id}}
