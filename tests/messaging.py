"""Helpers for messaging tests: channel accounts (API, Telegram, WhatsApp), fresh bot tokens
and inbound messages."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import select

from relaydesk.events.models import OutboxEvent
from relaydesk.testing.fakes import TelegramControl
from tests.conftest import Account
from tests.harness import Server


def create_channel(owner: Account, body: dict[str, Any]) -> dict[str, Any]:
    """POST the channel account; the created channel as the API answers it."""
    response = owner.request("POST", owner.ws("/channels"), json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def api_channel(owner: Account, name: str = "Integration") -> str:
    channel_id: str = create_channel(owner, {"type": "api", "name": name})["id"]
    return channel_id


def telegram_channel(
    owner: Account, api_base_url: str, token: str, *, mode: str = "webhook", **extra: Any
) -> dict[str, Any]:
    return create_channel(
        owner,
        {
            "type": "telegram",
            "name": "Bot",
            "bot_token": token,
            "mode": mode,
            "api_base_url": api_base_url,
            **extra,
        },
    )


def whatsapp_channel(
    owner: Account,
    api_base_url: str,
    phone_number_id: str,
    access_token: str,
    app_secret: str,
    verify_token: str,
    **extra: Any,
) -> dict[str, Any]:
    """`api_base_url` is the Graph API's, version included (the fake's `/v23.0`)."""
    return create_channel(
        owner,
        {
            "type": "whatsapp_cloud",
            "name": "Sales line",
            "phone_number_id": phone_number_id,
            "access_token": access_token,
            "app_secret": app_secret,
            "verify_token": verify_token,
            "api_base_url": api_base_url,
            **extra,
        },
    )


def new_bot_token(control: TelegramControl | None = None) -> tuple[int, str]:
    """A fresh bot id and token, registered with the fake when `control` is given. The ids are
    drawn from a wide range so that bots on a fake shared by a whole module never collide."""
    bot_id = 5_000_000 + secrets.randbelow(10**9)
    token = f"{bot_id}:AA{secrets.token_urlsafe(30)}"
    if control is not None:
        control.add_bot(token)
    return bot_id, token


def inbound(
    account: Account,
    channel_id: str,
    text: str = "hello",
    contact: str = "customer-1",
    external_id: str | None = None,
    **contact_fields: Any,
) -> dict[str, Any]:
    response = account.request(
        "POST",
        account.ws(f"/channels/{channel_id}/inbound"),
        json={
            "external_id": external_id or uuid.uuid4().hex,
            "contact": {"external_id": contact, **contact_fields},
            "text": text,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def outbox_payloads(server: Server, account: Account, kind: str) -> list[dict[str, Any]]:
    """The payloads of the account's workspace's outbox events of one type, oldest first."""

    async def load() -> list[dict[str, Any]]:
        async with server.db.read("test_events") as s:
            rows = await s.scalars(
                select(OutboxEvent)
                .where(
                    OutboxEvent.workspace_id == uuid.UUID(account.workspace_id),
                    OutboxEvent.type == kind,
                )
                .order_by(OutboxEvent.id)
            )
            return [r.payload for r in rows]

    return server.run(load())
