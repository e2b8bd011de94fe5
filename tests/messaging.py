"""Helpers for messaging tests: API channels and inbound messages."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import Account


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
