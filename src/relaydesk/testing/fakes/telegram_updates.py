"""Builders of the inbound updates tests inject into the Telegram fake (shapes as in the Bot
API); the fake numbers them and fills message_id and date when they are left out."""

from __future__ import annotations

from typing import Any


def user(user_id: int, first_name: str = "Ann", **extra: Any) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, **extra}


def private_chat(user_id: int, first_name: str = "Ann", **extra: Any) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": first_name, **extra}


def group_chat(chat_id: int, title: str = "Group", *, supergroup: bool = False) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}


def message(chat: dict[str, Any], sender: dict[str, Any] | None, **content: Any) -> dict[str, Any]:
    """An update carrying a new message; `content` is text=…, photo=[…], document={…}, …"""
    body: dict[str, Any] = {"chat": chat, **content}
    if sender is not None:
        body["from"] = sender
    return {"message": body}


def text(chat: dict[str, Any], sender: dict[str, Any], body: str, **extra: Any) -> dict[str, Any]:
    return message(chat, sender, text=body, **extra)


def edited(
    chat: dict[str, Any], sender: dict[str, Any], message_id: int, body: str
) -> dict[str, Any]:
    return {
        "edited_message": {"chat": chat, "from": sender, "message_id": message_id, "text": body}
    }


def callback_query(
    sender: dict[str, Any], data: str, message: dict[str, Any] | None = None
) -> dict[str, Any]:
    query: dict[str, Any] = {"from": sender, "data": data}
    if message is not None:
        query["message"] = message
    return {"callback_query": query}


def new_members(
    chat: dict[str, Any], sender: dict[str, Any], members: list[dict[str, Any]]
) -> dict[str, Any]:
    return message(chat, sender, new_chat_members=members)


def left_member(
    chat: dict[str, Any], sender: dict[str, Any], member: dict[str, Any]
) -> dict[str, Any]:
    return message(chat, sender, left_chat_member=member)


def my_chat_member(
    chat: dict[str, Any],
    sender: dict[str, Any],
    bot: dict[str, Any],
    status: str,
    old_status: str = "member",
) -> dict[str, Any]:
    """The bot's own membership changed: status "kicked" in a private chat = user blocked it."""
    return {
        "my_chat_member": {
            "chat": chat,
            "from": sender,
            "old_chat_member": {"user": bot, "status": old_status},
            "new_chat_member": {
                "user": bot,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            },
        }
    }


def migrate(
    group: dict[str, Any], sender: dict[str, Any], supergroup_id: int
) -> list[dict[str, Any]]:
    """The two service messages Telegram sends when a group becomes a supergroup."""
    supergroup = {**group, "id": supergroup_id, "type": "supergroup"}
    return [
        message(group, sender, migrate_to_chat_id=supergroup_id),
        message(supergroup, sender, migrate_from_chat_id=group["id"]),
    ]


def chat_member(
    chat: dict[str, Any],
    sender: dict[str, Any],
    member: dict[str, Any],
    status: str,
    old_status: str = "left",
    *,
    invite_link: dict[str, Any] | None = None,
    **new_fields: Any,
) -> dict[str, Any]:
    """Another member's standing changed (sent only to admin bots that list chat_member in
    allowed_updates). A join through a link carries the ChatInviteLink (as
    createChatInviteLink answered it); `new_fields` go into new_chat_member (is_member,
    until_date, permissions of a restricted member)."""
    change: dict[str, Any] = {
        "chat": chat,
        "from": sender,
        "old_chat_member": {"user": member, "status": old_status},
        "new_chat_member": {"user": member, "status": status, **new_fields},
    }
    if invite_link is not None:
        change["invite_link"] = invite_link
    return {"chat_member": change}
