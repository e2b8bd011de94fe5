"""Helpers for messaging tests: API channels and inbound messages."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from relaydesk.events.models import OutboxEvent
from tests.conftest import Account
from tests.harness import Server


def api_channel(owner: Account, name: str = "Integration") -> str:
    response = owner.request("POST", owner.ws("/channels"), json={"type": "api", "name": name})
    assert response.status_code == 201, response.text
    channel_id: str = response.json()["id"]
    return channel_id


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
