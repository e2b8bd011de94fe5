"""Bot API methods of the Telegram fake, with Telegram's validation and error texts."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from relaydesk.testing.fakes.telegram_params import (
    InputFile,
    Params,
    TelegramError,
    bad_request,
)
from relaydesk.testing.fakes.telegram_state import Bot, Chat, StoredFile, now

if TYPE_CHECKING:
    from relaydesk.testing.fakes.telegram import TelegramFake

Method = Callable[["TelegramFake", Bot, Params], Awaitable[Any]]


@dataclass
class Described:
    """A result that Telegram answers with a `description` beside it."""

    result: Any
    description: str


MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_PHOTO = 10 * 1024 * 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
URL_FETCH_TIMEOUT = 10.0
_RESTRICT_RIGHTS = "restrict/unrestrict chat member"
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


# -- shared checks ----------------------------------------------------------------------------


def _chat(bot: Bot, params: Params) -> Chat:
    ref = params.str_("chat_id")
    if not ref:
        raise bad_request("chat_id is empty")
    chat = bot.find_chat(ref)
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _writable_chat(bot: Bot, params: Params) -> Chat:
    chat = _chat(bot, params)
    if chat.migrated_to is not None:
        raise bad_request(
            "group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to},
        )
    if chat.blocked:
        raise TelegramError(403, "Forbidden: bot was blocked by the user")
    if chat.bot_removed:
        raise TelegramError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
    return chat


def _group(bot: Bot, params: Params, action: str) -> Chat:
    chat = _writable_chat(bot, params)
    if chat.type == "private":
        raise bad_request(f"can't {action} in private chats")
    return chat


def _admin(bot: Bot, params: Params, action: str, rights: str) -> Chat:
    """A group where the bot must be an admin; Telegram's refusal names the missing right."""
    chat = _group(bot, params, action)
    if not chat.bot_admin:
        raise bad_request(f"not enough rights to {rights}")
    return chat


def _user_id(params: Params) -> int:
    user_id = params.int_("user_id")
    if user_id is None:
        raise bad_request("invalid user_id specified")
    return user_id


def _reply_to(bot: Bot, chat: Chat, params: Params) -> dict[str, Any]:
    """`reply_to_message` for the new message, from reply_parameters or reply_to_message_id."""
    reply = params.json_("reply_parameters")
    message_id: int | None = None
    allow_missing = params.bool_("allow_sending_without_reply")
    if isinstance(reply, dict):
        message_id = int(reply["message_id"]) if "message_id" in reply else None
        allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
    elif reply is not None:
        raise bad_request("can't parse reply parameters JSON object")
    else:
        message_id = params.int_("reply_to_message_id")
    if message_id is None:
        return {}
    original = bot.messages.get((chat.id, message_id))
    if original is None:
        if allow_missing:
            return {}
        raise bad_request("message to be replied not found")
    return {"reply_to_message": {k: v for k, v in original.items() if k != "reply_to_message"}}


def _extras(params: Params) -> dict[str, Any]:
    content: dict[str, Any] = {}
    markup = params.json_("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        # Only inline keyboards are echoed back in the sent message, as Telegram does.
        content["reply_markup"] = markup
    return content


def _caption(params: Params) -> dict[str, Any]:
    caption = params.str_("caption")
    if not caption:
        return {}
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return {"caption": caption}


def _record(bot: Bot, method: str, chat: Chat, params: Params, message: dict[str, Any]) -> None:
    bot.sent.append(
        {
            "at": time.time(),
            "method": method,
            "chat_id": chat.id,
            "message_id": message["message_id"],
            "params": dict(params.values),
            "message": message,
        }
    )


async def _resolve_file(
    fake: TelegramFake, bot: Bot, given: InputFile, kind: str, max_size: int
) -> StoredFile:
    if given.file_id is not None:
        stored = bot.files.get(given.file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request("type of file mismatch")
        return stored
    if given.url is not None:
        try:
            response = await fake.poster.client().get(given.url, timeout=URL_FETCH_TIMEOUT)
        except httpx.HTTPError:
            raise bad_request("failed to get HTTP URL content") from None
        if response.status_code != 200:
            raise bad_request("failed to get HTTP URL content")
        name = given.url.rstrip("/").rsplit("/", 1)[-1] or None
        content_type = response.headers.get("content-type")
        return bot.store_file(kind, response.content, name, content_type)
    assert given.upload is not None
    if len(given.upload.content) > max_size:
        raise bad_request("file is too big")
    return bot.store_file(
        kind, given.upload.content, given.upload.filename, given.upload.content_type
    )


async def record_key(bot: Bot, key: str | None, call: Awaitable[Any]) -> Any:
    """Run a method; the messages it sent carry the call's idempotency key."""
    before = len(bot.sent)
    result = await call
    for record in bot.sent[before:]:
        record["idempotency_key"] = key
    return result


# -- methods ----------------------------------------------------------------------------------


async def get_me(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    return {
        **bot.user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def set_webhook(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    url = params.str_("url", "") or ""
    if url and not url.startswith(("http://", "https://")):
        # Telegram demands HTTPS on ports 443, 80, 88 or 8443; the fake also takes plain HTTP
        # on any port so that tests can receive on 127.0.0.1.
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.str_("secret_token")
    if secret is not None and not _SECRET_TOKEN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.int_("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("invalid max_connections specified")
    allowed = params.json_("allowed_updates")
    if allowed is not None:
        bot.set_allowed_updates([str(a) for a in allowed])
    if params.bool_("drop_pending_updates"):
        bot.pending.clear()
    was_set = bool(bot.webhook_url)
    bot.webhook_url, bot.secret_token, bot.max_connections = url, secret, max_connections
    bot.last_error_date = bot.last_error_message = None
    fake.webhook_changed(bot)
    if url:
        return Described(True, "Webhook was set")
    return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")


async def delete_webhook(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    if params.bool_("drop_pending_updates"):
        bot.pending.clear()
    was_set = bool(bot.webhook_url)
    bot.webhook_url, bot.secret_token = "", None
    fake.webhook_changed(bot)
    return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")


async def get_webhook_info(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    info: dict[str, Any] = {
        "url": bot.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(bot.pending),
    }
    if bot.webhook_url:
        info["max_connections"] = bot.max_connections
        info["ip_address"] = "127.0.0.1"
        if bot.allowed_updates:
            info["allowed_updates"] = bot.allowed_updates
    if bot.last_error_date is not None:
        info["last_error_date"] = bot.last_error_date
        info["last_error_message"] = bot.last_error_message
    return info


async def get_updates(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    if bot.webhook_url:
        raise TelegramError(409, WEBHOOK_CONFLICT)
    offset = params.int_("offset")
    limit = max(1, min(100, params.int_("limit", 100) or 100))
    timeout = max(0, params.int_("timeout", 0) or 0)
    allowed = params.json_("allowed_updates")
    if allowed is not None:
        bot.set_allowed_updates([str(a) for a in allowed])
    if offset is not None and offset != 0:
        bot.confirm(offset)
    bot.poll_ticket += 1
    ticket = bot.poll_ticket
    bot.signal()  # an older long poll still waiting ends with a conflict
    deadline = time.monotonic() + timeout
    while not bot.pending:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        changed = bot.changed()
        bot.polls_waiting += 1
        try:
            await asyncio.wait_for(changed.wait(), left)
        except TimeoutError:
            break
        finally:
            bot.polls_waiting -= 1
        if bot.poll_ticket != ticket:
            raise TelegramError(409, POLL_CONFLICT)
        if bot.webhook_url:
            raise TelegramError(409, WEBHOOK_CONFLICT)
    return bot.pending[:limit]


async def send_message(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _writable_chat(bot, params)
    text = params.str_("text", "") or ""
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    reply = _reply_to(bot, chat, params)
    message = bot.new_message(chat, {**reply, "text": text, **_extras(params)})
    _record(bot, "sendMessage", chat, params, message)
    return message


async def send_photo(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _writable_chat(bot, params)
    given = params.file("photo")
    if given is None:
        raise bad_request("there is no photo in the request")
    caption = _caption(params)
    reply = _reply_to(bot, chat, params)
    stored = await _resolve_file(fake, bot, given, "photo", MAX_PHOTO)
    content = {**reply, "photo": stored.as_photo(), **caption, **_extras(params)}
    message = bot.new_message(chat, content)
    _record(bot, "sendPhoto", chat, params, message)
    return message


async def send_document(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _writable_chat(bot, params)
    given = params.file("document")
    if given is None:
        raise bad_request("there is no document in the request")
    caption = _caption(params)
    reply = _reply_to(bot, chat, params)
    stored = await _resolve_file(fake, bot, given, "document", 50 * 1024 * 1024)
    content = {**reply, "document": stored.as_document(), **caption, **_extras(params)}
    message = bot.new_message(chat, content)
    _record(bot, "sendDocument", chat, params, message)
    return message


async def get_file(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    file_id = params.str_("file_id")
    if not file_id:
        raise bad_request("file_id is empty")
    stored = bot.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.content) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.as_file()


async def get_chat(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _chat(bot, params)
    info: dict[str, Any] = {
        **chat.info,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
    if chat.pinned is not None:
        info["pinned_message"] = chat.pinned
    return info


async def get_chat_member_count(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _chat(bot, params)
    if chat.member_count is not None:
        return chat.member_count
    return len(chat.members - {bot.id}) + (0 if chat.bot_removed else 1)


async def create_chat_invite_link(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _admin(bot, params, "invite members", "manage chat invite link")
    name = params.str_("name")
    expire_date = params.int_("expire_date")
    member_limit = params.int_("member_limit")
    join_request = params.bool_("creates_join_request")
    if name is not None and len(name) > 32:
        raise bad_request("invite link name is too long")
    if member_limit is not None and not 1 <= member_limit <= 99999:
        raise bad_request("member limit is invalid")
    if member_limit is not None and join_request:
        raise bad_request("can't use member limit with join request")
    link: dict[str, Any] = {
        "invite_link": "https://t.me/+" + secrets.token_urlsafe(12),
        "creator": bot.user(),
        "creates_join_request": join_request,
        "is_primary": False,
        "is_revoked": False,
    }
    for key, value in (("name", name), ("expire_date", expire_date)):
        if value is not None:
            link[key] = value
    if member_limit is not None:
        link["member_limit"] = member_limit
    bot.actions.append({"at": time.time(), "action": "invite_link", "chat_id": chat.id, **link})
    return link


async def ban_chat_member(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _admin(bot, params, "remove chat members", _RESTRICT_RIGHTS)
    user_id = _user_id(params)
    chat.members.discard(user_id)
    chat.banned.add(user_id)
    bot.actions.append(
        {
            "at": time.time(),
            "action": "ban",
            "chat_id": chat.id,
            "user_id": user_id,
            "until_date": params.int_("until_date"),
            "revoke_messages": params.bool_("revoke_messages"),
        }
    )
    return True


async def unban_chat_member(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _admin(bot, params, "remove chat members", _RESTRICT_RIGHTS)
    user_id = _user_id(params)
    only_if_banned = bool(params.bool_("only_if_banned"))
    if user_id in chat.banned:
        chat.banned.discard(user_id)
    elif not only_if_banned:
        # Telegram: without only_if_banned, a member is removed (and may join again).
        chat.members.discard(user_id)
    bot.actions.append(
        {
            "at": time.time(),
            "action": "unban",
            "chat_id": chat.id,
            "user_id": user_id,
            "only_if_banned": only_if_banned,
        }
    )
    return True


async def restrict_chat_member(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _group(bot, params, "restrict chat members")
    if chat.type != "supergroup":
        raise bad_request("method is available only for supergroups")
    if not chat.bot_admin:
        raise bad_request(f"not enough rights to {_RESTRICT_RIGHTS}")
    user_id = _user_id(params)
    permissions = params.json_("permissions")
    if not isinstance(permissions, dict):
        raise bad_request("can't parse permissions JSON object")
    bot.actions.append(
        {
            "at": time.time(),
            "action": "restrict",
            "chat_id": chat.id,
            "user_id": user_id,
            "permissions": permissions,
            "until_date": params.int_("until_date"),
        }
    )
    return True


async def pin_chat_message(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    chat = _writable_chat(bot, params)
    if chat.type != "private" and not chat.bot_admin:
        raise bad_request("not enough rights to manage pinned messages in the chat")
    message_id = params.int_("message_id")
    message = bot.messages.get((chat.id, message_id or 0))
    if message is None:
        raise bad_request("message to pin not found")
    chat.pinned = message
    bot.actions.append(
        {
            "at": time.time(),
            "action": "pin",
            "chat_id": chat.id,
            "message_id": message_id,
            "disable_notification": params.bool_("disable_notification"),
        }
    )
    return True


async def answer_callback_query(fake: TelegramFake, bot: Bot, params: Params) -> Any:
    query_id = params.str_("callback_query_id")
    if not query_id or query_id not in bot.callback_queries:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.str_("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    bot.callback_queries.discard(query_id)
    bot.actions.append(
        {
            "at": time.time(),
            "action": "answer_callback_query",
            "callback_query_id": query_id,
            "text": text,
            "show_alert": params.bool_("show_alert"),
            "date": now(),
        }
    )
    return True


METHODS: dict[str, Method] = {
    "getme": get_me,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "getupdates": get_updates,
    "sendmessage": send_message,
    "sendphoto": send_photo,
    "senddocument": send_document,
    "getfile": get_file,
    "getchat": get_chat,
    "getchatmembercount": get_chat_member_count,
    "createchatinvitelink": create_chat_invite_link,
    "banchatmember": ban_chat_member,
    "unbanchatmember": unban_chat_member,
    "restrictchatmember": restrict_chat_member,
    "pinchatmessage": pin_chat_message,
    "answercallbackquery": answer_callback_query,
}
