"""WhatsApp message templates: entered, listed, deleted, synced from the WhatsApp fake, and
read back for the sender's parameter check."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from relaydesk.channels.base import TemplateSend
from relaydesk.channels.errors import TemplateMismatch
from relaydesk.channels.whatsapp.adapter import check_template
from relaydesk.domains.channels.templates import template_definition
from relaydesk.testing.fakes import WhatsAppControl, running_fake
from tests.conftest import Account, assert_problem, signup
from tests.harness import Server
from tests.messaging import api_channel, whatsapp_channel

PHONE = "100000000000888"
WABA = "200000000000888"
TOKEN = "templates-access-token-" + "t" * 20
ORDER: list[dict[str, Any]] = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships {{3}}."},
    {"type": "FOOTER", "text": "Reply STOP to opt out"},
    {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Track"}]},
]


@pytest.fixture(scope="module")
def wa() -> Iterator[tuple[WhatsAppControl, str]]:
    with running_fake("whatsapp") as fake, WhatsAppControl(fake.base_url) as control:
        control.add_phone_number(
            PHONE, access_token=TOKEN, app_secret="app-secret-0123456789", waba_id=WABA
        )
        yield control, f"{fake.base_url}/v23.0"


def line(owner: Account, api_base_url: str, **extra: Any) -> str:
    """A channel for this module's phone number on the fake; `extra` overrides fields."""
    fields: dict[str, Any] = {"name": "Line", "business_account_id": WABA, **extra}
    access_token = fields.pop("access_token", TOKEN)
    channel_id: str = whatsapp_channel(
        owner,
        api_base_url,
        PHONE,
        access_token,
        "app-secret-0123456789",
        "verify-token-0123456789",
        **fields,
    )["id"]
    return channel_id


def listed(owner: Account, channel_id: str) -> list[dict[str, Any]]:
    response = owner.request("GET", owner.ws(f"/channels/{channel_id}/templates"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_enter_list_and_delete(
    server: Server, owner: Account, wa: tuple[WhatsAppControl, str]
) -> None:
    channel_id = line(owner, wa[1])
    body = {"name": "order_update", "language": "en_US", "category": "utility", "components": ORDER}
    created = owner.request("POST", owner.ws(f"/channels/{channel_id}/templates"), json=body)
    assert created.status_code == 201, created.text
    template = created.json()
    assert template["source"] == "entered"
    assert template["status"] == "APPROVED"
    assert template["category"] == "UTILITY"
    assert (template["header_params"], template["body_params"]) == (1, 3)
    assert template["components"][3]["buttons"] == ORDER[3]["buttons"]
    again = owner.request("POST", owner.ws(f"/channels/{channel_id}/templates"), json=body)
    assert_problem(again, 409, "channels.template_exists")
    assert [t["id"] for t in listed(owner, channel_id)] == [template["id"]]

    definition = server.run(
        template_definition(server.db, uuid.UUID(channel_id), "order_update", "en_US")
    )
    assert definition is not None
    check_template(
        TemplateSend("order_update", "en_US", ("Ann", "42", "today"), ("42",), definition)
    )
    with pytest.raises(TemplateMismatch):
        check_template(TemplateSend("order_update", "en_US", ("Ann",), ("42",), definition))
    unknown = template_definition(server.db, uuid.UUID(channel_id), "order_update", "de")
    assert server.run(unknown) is None

    path = owner.ws(f"/channels/{channel_id}/templates/{template['id']}")
    assert owner.request("DELETE", path).status_code == 204
    assert_problem(owner.request("DELETE", path), 404, "not_found")
    assert listed(owner, channel_id) == []


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Bad Name", "language": "en_US", "components": ORDER},
        {"name": "ok", "language": "english", "components": ORDER},
        {"name": "ok", "language": "en", "components": [ORDER[0]]},
        {"name": "ok", "language": "en", "components": [{"type": "BODY", "text": "{{1}} {{3}}"}]},
        {"name": "ok", "language": "en", "components": [ORDER[1], ORDER[1]]},
        {"name": "ok", "language": "en", "components": [{"type": "SIDEBAR", "text": "x"}]},
        {"name": "ok", "language": "en", "components": []},
    ],
)
def test_bad_templates_are_refused(
    owner: Account, wa: tuple[WhatsAppControl, str], body: dict[str, Any]
) -> None:
    channel_id = line(owner, wa[1])
    answer = owner.request("POST", owner.ws(f"/channels/{channel_id}/templates"), json=body)
    assert_problem(answer, 422, "validation_failed")
    assert listed(owner, channel_id) == []


def test_sync_from_the_provider(
    server: Server, owner: Account, wa: tuple[WhatsAppControl, str]
) -> None:
    control, api_base_url = wa
    control.add_template(PHONE, "welcome", "Welcome, {{1}}!", category="MARKETING")
    control.add_template(PHONE, "order_update", "", components=ORDER, status="PENDING")
    channel_id = line(owner, api_base_url)
    entered = {"name": "handmade", "language": "de", "components": [ORDER[1]]}
    owner.request("POST", owner.ws(f"/channels/{channel_id}/templates"), json=entered)

    synced = owner.request("POST", owner.ws(f"/channels/{channel_id}/templates/sync"))
    assert synced.status_code == 200, synced.text
    assert synced.json() == {"added": 2, "updated": 0, "removed": 0, "total": 2}
    by_name = {t["name"]: t for t in listed(owner, channel_id)}
    assert by_name.keys() == {"welcome", "order_update", "handmade"}
    assert by_name["welcome"]["source"] == "synced"
    assert by_name["welcome"]["body_params"] == 1
    assert by_name["welcome"]["category"] == "MARKETING"
    assert by_name["order_update"]["status"] == "PENDING"
    assert by_name["handmade"]["source"] == "entered"

    # The provider drops one and changes another: the next sync follows, entered ones stay.
    control.reset()
    control.add_phone_number(PHONE, access_token=TOKEN, app_secret="app-secret-0", waba_id=WABA)
    control.add_template(PHONE, "welcome", "Welcome back, {{1}} {{2}}!")
    resynced = owner.request("POST", owner.ws(f"/channels/{channel_id}/templates/sync")).json()
    assert resynced == {"added": 0, "updated": 1, "removed": 1, "total": 1}
    by_name = {t["name"]: t for t in listed(owner, channel_id)}
    assert by_name.keys() == {"welcome", "handmade"}
    assert by_name["welcome"]["body_params"] == 2
    definition = server.run(
        template_definition(server.db, uuid.UUID(channel_id), "welcome", "en_US")
    )
    assert definition is not None
    assert "Welcome back" in str(definition.components)


def test_sync_failures(owner: Account, wa: tuple[WhatsAppControl, str]) -> None:
    _control, api_base_url = wa
    no_waba = line(owner, api_base_url, business_account_id=None)
    answer = owner.request("POST", owner.ws(f"/channels/{no_waba}/templates/sync"))
    assert_problem(answer, 409, "channels.no_business_account")

    broken = line(owner, api_base_url, access_token="revoked-token-0123456789")
    answer = owner.request("POST", owner.ws(f"/channels/{broken}/templates/sync"))
    problem = assert_problem(answer, 502, "channels.provider_failed")
    assert "revoked-token-0123456789" not in answer.text
    assert "code=190" in problem["detail"]
    assert owner.request("GET", owner.ws(f"/channels/{broken}")).json()["status"] == "disconnected"
    assert listed(owner, broken) == []

    telegram_like = api_channel(owner)
    for method, suffix in [("POST", "/templates/sync"), ("POST", "/templates")]:
        body = {"name": "x", "language": "en", "components": [ORDER[1]]}
        answer = owner.request(method, owner.ws(f"/channels/{telegram_like}{suffix}"), json=body)
        assert_problem(answer, 409, "channels.wrong_type")


def test_templates_of_another_workspace_are_not_found(
    client: httpx.Client, owner: Account, wa: tuple[WhatsAppControl, str]
) -> None:
    channel_id = line(owner, wa[1])
    body = {"name": "mine", "language": "en", "components": [ORDER[1]]}
    template = owner.request("POST", owner.ws(f"/channels/{channel_id}/templates"), json=body)
    stranger = signup(client, "stranger")
    base = stranger.ws(f"/channels/{channel_id}/templates")
    assert_problem(stranger.request("GET", base), 404, "not_found")
    assert_problem(stranger.request("POST", base, json=body), 404, "not_found")
    path = f"{base}/{template.json()['id']}"
    assert_problem(stranger.request("DELETE", path), 404, "not_found")
    assert len(listed(owner, channel_id)) == 1
