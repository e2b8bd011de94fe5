"""In-memory state of the WhatsApp Cloud API fake: phone numbers, users, the 24-hour
customer-service windows, templates, media and the messages sent through it."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def wamid() -> str:
    return (
        "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x12" + secrets.token_bytes(18)).decode()
    )


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def bsuid_for(wa_id: str) -> str:
    """A stable business-scoped user id for a phone number: `CC.<digits>` as Meta shapes them."""
    number = int(hashlib.sha256(wa_id.encode()).hexdigest(), 16) % 10**19
    return f"US.{number:019d}"


@dataclass
class User:
    user_id: str  # business-scoped user id (BSUID)
    wa_id: str | None = None
    name: str | None = None
    username: str | None = None
    hide_phone: bool = False  # a user with a username may hide the phone number

    def contact(self) -> dict[str, Any]:
        profile: dict[str, Any] = {}
        if self.name:
            profile["name"] = self.name
        if self.username:
            profile["username"] = self.username
        contact: dict[str, Any] = {"profile": profile, "user_id": self.user_id}
        if self.wa_id and not self.hide_phone:
            contact["wa_id"] = self.wa_id
        return contact

    @property
    def visible_wa_id(self) -> str | None:
        return None if self.hide_phone else self.wa_id


@dataclass
class Template:
    name: str
    language: str
    components: list[dict[str, Any]]
    category: str = "UTILITY"
    status: str = "APPROVED"
    id: str = field(default_factory=lambda: str(secrets.randbelow(10**15)))

    def expected(self, component: str) -> int:
        """How many parameters a send must give for a header or body component."""
        for item in self.components:
            if str(item.get("type", "")).lower() == component:
                return len(set(_PLACEHOLDER.findall(str(item.get("text", "")))))
        return 0

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "components": self.components,
            "id": self.id,
        }


@dataclass
class Media:
    id: str
    phone_number_id: str
    content: bytes
    mime_type: str
    filename: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class PhoneNumber:
    phone_number_id: str
    display_phone_number: str
    waba_id: str
    access_token: str
    app_secret: str
    verify_token: str
    callback_url: str | None = None
    verified_name: str = "RelayDesk Fake"
    templates: list[Template] = field(default_factory=list)
    # last inbound message time per user (BSUID): the 24-hour customer-service window
    last_inbound: dict[str, float] = field(default_factory=dict)

    def metadata(self) -> dict[str, str]:
        return {
            "display_phone_number": self.display_phone_number,
            "phone_number_id": self.phone_number_id,
        }

    def template(self, name: str, language: str) -> Template | None:
        return next((t for t in self.templates if t.name == name and t.language == language), None)

    def describe(self) -> dict[str, Any]:
        return {
            "phone_number_id": self.phone_number_id,
            "display_phone_number": self.display_phone_number,
            "waba_id": self.waba_id,
            "callback_url": self.callback_url,
            "templates": [t.describe() for t in self.templates],
        }


@dataclass
class SentMessage:
    id: str
    phone_number_id: str
    user: User
    input: str
    type: str
    body: dict[str, Any]
    at: float = field(default_factory=time.time)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    idempotency_key: str | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "phone_number_id": self.phone_number_id,
            "to": self.input,
            "wa_id": self.user.wa_id,
            "user_id": self.user.user_id,
            "type": self.type,
            "body": self.body,
            "context": self.body.get("context"),
            "at": self.at,
            "statuses": self.statuses,
            "idempotency_key": self.idempotency_key,
        }


@dataclass
class Users:
    by_id: dict[str, User] = field(default_factory=dict)

    def by_wa_id(self, wa_id: str) -> User:
        for user in self.by_id.values():
            if user.wa_id == wa_id:
                return user
        user = User(user_id=bsuid_for(wa_id), wa_id=wa_id)
        self.by_id[user.user_id] = user
        return user

    def upsert(self, spec: dict[str, Any]) -> User:
        wa_id = digits(str(spec["wa_id"])) if spec.get("wa_id") else None
        user_id = spec.get("user_id") or (bsuid_for(wa_id) if wa_id else None)
        if not user_id:
            raise ValueError("a user needs a wa_id or a user_id")
        user = self.by_id.get(str(user_id)) or User(user_id=str(user_id))
        user.wa_id = wa_id or user.wa_id
        for name in ("name", "username"):
            if spec.get(name) is not None:
                setattr(user, name, str(spec[name]))
        user.hide_phone = bool(spec.get("hide_phone", user.hide_phone))
        self.by_id[user.user_id] = user
        return user
