"""Helpers for inbound channel tests: provider accounts pointed at the fakes, webhooks pointed
at the running server, and reads of what the inbox worker stored."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from relaydesk.domains.channels.accounts import open_credentials
from relaydesk.domains.channels.models import Channel, DeadLetter, InboxPayload
from relaydesk.domains.contacts.models import ContactIdentity
from tests.conftest import Account
from tests.harness import Server, wait_until

WAIT = 10.0


def credentials(server: Server, channel_id: str) -> dict[str, Any]:
    async def load() -> dict[str, Any]:
        async with server.db.read("test_channel") as s:
            channel = await s.get_one(Channel, uuid.UUID(channel_id))
        return open_credentials(server.app.state.sealer, channel)

    return server.run(load())


def point_telegram_webhook(server: Server, api_base_url: str, channel_id: str) -> str:
    """setWebhook at this server's real address (the stored webhook_url names the configured
    public URL, which a test server on a free port does not have). The secret token."""
    values = credentials(server, channel_id)
    secret: str = values["secret_token"]
    answer = httpx.post(
        f"{api_base_url}/bot{values['bot_token']}/setWebhook",
        json={"url": f"{server.base_url}/hooks/telegram/{channel_id}", "secret_token": secret},
        timeout=10,
    )
    assert answer.json()["ok"], answer.text
    return secret


def conversations(owner: Account, channel_id: str) -> list[dict[str, Any]]:
    response = owner.request("GET", owner.ws("/conversations"), params={"channel_id": channel_id})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def messages(owner: Account, conversation_id: str) -> list[dict[str, Any]]:
    response = owner.request(
        "GET", owner.ws(f"/conversations/{conversation_id}/messages"), params={"limit": 1000}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def all_messages(owner: Account, channel_id: str) -> list[dict[str, Any]]:
    return [m for c in conversations(owner, channel_id) for m in messages(owner, c["id"])]


def wait_messages(owner: Account, channel_id: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def enough() -> bool:
        nonlocal found
        found = all_messages(owner, channel_id)
        return len(found) >= count

    wait_until(enough, WAIT, f"{count} messages on channel {channel_id}")
    return found


def contact(owner: Account, contact_id: str) -> dict[str, Any]:
    response = owner.request("GET", owner.ws(f"/contacts/{contact_id}"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def inbox_rows(server: Server, channel_id: str) -> list[InboxPayload]:
    async def load() -> list[InboxPayload]:
        async with server.db.read("test_inbox") as s:
            rows = await s.scalars(
                select(InboxPayload)
                .where(InboxPayload.channel_id == uuid.UUID(channel_id))
                .order_by(InboxPayload.created_at)
            )
            return list(rows.all())

    return server.run(load())


def dead_letters(server: Server, channel_id: str) -> list[DeadLetter]:
    async def load() -> list[DeadLetter]:
        async with server.db.read("test_dead_letters") as s:
            rows = await s.scalars(
                select(DeadLetter)
                .where(DeadLetter.channel_id == uuid.UUID(channel_id))
                .order_by(DeadLetter.created_at)
            )
            return list(rows.all())

    return server.run(load())


def identity(server: Server, channel_id: str, external_id: str) -> ContactIdentity | None:
    async def load() -> ContactIdentity | None:
        async with server.db.read("test_identity") as s:
            found: ContactIdentity | None = await s.scalar(
                select(ContactIdentity).where(
                    ContactIdentity.channel_id == uuid.UUID(channel_id),
                    ContactIdentity.external_id == external_id,
                )
            )
            return found

    return server.run(load())


def drained(server: Server, channel_id: str) -> bool:
    rows = inbox_rows(server, channel_id)
    return bool(rows) and all(r.state != "pending" for r in rows)
