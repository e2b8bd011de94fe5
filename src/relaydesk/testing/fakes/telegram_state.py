"""In-memory state of the Telegram fake: bots, their chats, messages, files and pending updates."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from relaydesk.testing.fakes.idempotency import Replays

# Update types Telegram sends when allowed_updates is empty or was never set.
UNLISTED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MESSAGE_UPDATES = ("message", "edited_message", "channel_post", "edited_channel_post")


def now() -> int:
    return int(time.time())


def update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document"
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }

    def as_photo(self) -> list[dict[str, Any]]:
        # One size is enough for clients; real Telegram sends several (thumbnails first).
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.content),
                "width": 320,
                "height": 240,
            }
        ]

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document


@dataclass
class Chat:
    info: dict[str, Any]
    next_message_id: int = 1
    members: set[int] = field(default_factory=set)
    member_count: int | None = None
    blocked: bool = False  # a private chat whose user blocked the bot
    bot_removed: bool = False  # a group the bot was kicked from or left
    migrated_to: int | None = None
    pinned: dict[str, Any] | None = None
    # Whether the bot is an administrator with the rights admin methods need. True unless a
    # my_chat_member update or the control API says otherwise (Telegram adds bots as members).
    bot_admin: bool = True
    banned: set[int] = field(default_factory=set)

    @property
    def id(self) -> int:
        return int(self.info["id"])

    @property
    def type(self) -> str:
        return str(self.info.get("type", "private"))

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def see_message_id(self, message_id: int) -> None:
        self.next_message_id = max(self.next_message_id, message_id + 1)


@dataclass
class Bot:
    id: int
    token: str
    username: str
    first_name: str
    pending: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: list[str] = field(default_factory=list)
    webhook_url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    chats: dict[int, Chat] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    callback_queries: set[str] = field(default_factory=set)
    sent: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    # Sends by `X-Idempotency-Key`: a repeat answers the first result, nothing is sent again.
    replays: Replays = field(default_factory=Replays)
    # Long polling: each getUpdates takes a ticket; a newer ticket ends an older wait with 409.
    poll_ticket: int = 0
    polls_waiting: int = 0
    webhook_worker: asyncio.Task[None] | None = None
    _changed: asyncio.Event | None = None

    def user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    # -- waking long polls and the webhook worker --------------------------------------------

    def changed(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def signal(self) -> None:
        """Wake everything waiting for new updates or a new polling ticket."""
        event, self._changed = self._changed, asyncio.Event()
        if event is not None:
            event.set()

    # -- updates --------------------------------------------------------------------------------

    def allows(self, update: dict[str, Any]) -> bool:
        kind = update_type(update)
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in UNLISTED_BY_DEFAULT

    def set_allowed_updates(self, allowed: list[str]) -> None:
        self.allowed_updates = allowed
        self.pending = [u for u in self.pending if self.allows(u)]

    def confirm(self, offset: int) -> None:
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    # -- chats and messages -------------------------------------------------------------------

    def chat_for(self, info: dict[str, Any]) -> Chat:
        chat_id = int(info["id"])
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = Chat(info=dict(info))
        else:
            chat.info.update(info)
        return chat

    def find_chat(self, ref: str | int) -> Chat | None:
        if isinstance(ref, str) and ref.startswith("@"):
            name = ref[1:].lower()
            return next(
                (c for c in self.chats.values() if str(c.info.get("username", "")).lower() == name),
                None,
            )
        try:
            return self.chats.get(int(ref))
        except ValueError:
            return None

    def new_message(self, chat: Chat, content: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": chat.take_message_id(),
            "from": self.user(),
            "chat": dict(chat.info),
            "date": now(),
            **content,
        }
        self.messages[(chat.id, message["message_id"])] = message
        return message

    def store_file(
        self,
        kind: str,
        content: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        folder = "photos" if kind == "photo" else "documents"
        default_ext = ".jpg" if kind == "photo" else ""
        ext = default_ext
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=("AgAC" if kind == "photo" else "BQAC") + secrets.token_urlsafe(24),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            kind=kind,
            file_path=f"{folder}/file_{len(self.files)}{ext}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == path), None)

    # -- inbound updates (control API) --------------------------------------------------------

    def add_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Number the update, fill in what Telegram fills in, apply its side effects, queue it."""
        update = {k: v for k, v in update.items() if k != "update_id"}
        kind = update_type(update)
        if kind in MESSAGE_UPDATES:
            self._see_message(update[kind], edited=kind.startswith("edited"))
        elif kind == "callback_query":
            query = update[kind]
            query.setdefault("id", str(secrets.randbelow(10**18)))
            query.setdefault("chat_instance", str(secrets.randbelow(10**18)))
            if "message" in query:
                self._see_message(query["message"], edited=True)
            self.callback_queries.add(str(query["id"]))
        elif kind in ("my_chat_member", "chat_member"):
            self._see_member_change(update[kind], mine=kind == "my_chat_member")
        update = {"update_id": self.next_update_id, **update}
        self.next_update_id += 1
        if self.allows(update):
            self.pending.append(update)
            self.signal()
        return update

    def _see_message(self, message: dict[str, Any], *, edited: bool) -> None:
        chat = self.chat_for(message["chat"])
        message["chat"] = dict(chat.info)
        message.setdefault("date", now())
        if "message_id" in message:
            chat.see_message_id(int(message["message_id"]))
        else:
            message["message_id"] = chat.take_message_id()
        if edited:
            message.setdefault("edit_date", now())
        sender = message.get("from")
        if isinstance(sender, dict) and "id" in sender:
            chat.members.add(int(sender["id"]))
        for member in message.get("new_chat_members", []):
            chat.members.add(int(member["id"]))
            if int(member["id"]) == self.id:
                chat.bot_removed = False
        left = message.get("left_chat_member")
        if isinstance(left, dict):
            chat.members.discard(int(left["id"]))
            if int(left["id"]) == self.id:
                chat.bot_removed = True
        if "migrate_to_chat_id" in message:
            chat.migrated_to = int(message["migrate_to_chat_id"])
            new_info = {**chat.info, "id": chat.migrated_to, "type": "supergroup"}
            self.chat_for(new_info).members |= chat.members
        self.messages[(chat.id, int(message["message_id"]))] = message

    def _see_member_change(self, change: dict[str, Any], *, mine: bool) -> None:
        chat = self.chat_for(change["chat"])
        change["chat"] = dict(chat.info)
        change.setdefault("date", now())
        status = str(change.get("new_chat_member", {}).get("status", ""))
        if not mine:
            user = change.get("new_chat_member", {}).get("user", {})
            if "id" in user:
                if status in ("left", "kicked"):
                    chat.members.discard(int(user["id"]))
                else:
                    chat.members.add(int(user["id"]))
            return
        gone = status in ("left", "kicked")
        if chat.type == "private":
            chat.blocked = gone
        else:
            chat.bot_removed = gone
            chat.bot_admin = status in ("administrator", "creator")
