"""WhatsApp's 24-hour window and templates on the reply path: a free-form reply outside the
window is refused with `whatsapp.window_closed` and stores nothing; a template send with the
right parameters goes out; a provider's 131047 fails the message with that reason."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from relaydesk.db.base import utcnow
from relaydesk.domains.channels.models import OutboundJob
from relaydesk.testing.fakes import WhatsAppControl, running_fake
from tests.conftest import Account, signup
from tests.harness import Server
from tests.messaging import whatsapp_channel
from tests.test_outbound_pipeline import message, provider_conversation, reply, wait_status

PHONE = "100000000000888"
TEMPLATE_TEXT = "Hi {{1}}, your order {{2}} has shipped"


@dataclass
class Wa:
    server: Server
    owner: Account
    control: WhatsAppControl
    channel_id: str
    users: int = 0

    def conversation(self, **window: Any) -> tuple[str, str]:
        self.users += 1
        wa_id = f"1650555{self.users:04d}"
        self.control.inbound(
            PHONE, {"wa_id": wa_id, "name": "Ann"}, {"type": "text", "text": {"body": "hi"}}
        )
        return provider_conversation(
            self.server, self.owner, self.channel_id, wa_id, **window
        ), wa_id

    def messages(self, conversation: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.owner.request(
            "GET", self.owner.ws(f"/conversations/{conversation}/messages")
        ).json()["items"]
        return items

    def queued_jobs(self) -> int:
        async def count() -> int:
            async with self.server.db.read("test_jobs") as s:
                return int(
                    await s.scalar(
                        select(func.count())
                        .select_from(OutboundJob)
                        .where(OutboundJob.channel_id == uuid.UUID(self.channel_id))
                    )
                    or 0
                )

        return self.server.run(count())


@pytest.fixture(scope="module")
def wa(server: Server) -> Iterator[Wa]:
    with (
        running_fake("whatsapp") as fake,
        WhatsAppControl(fake.base_url) as control,
        server.client() as client,
    ):
        control.add_phone_number(PHONE, access_token="wa-token-8", app_secret="wa-secret-8")
        control.add_template(PHONE, "order_update", TEMPLATE_TEXT)
        owner = signup(client)
        channel_id = whatsapp_channel(
            owner,
            f"{fake.base_url}/v23.0",
            PHONE,
            "wa-token-8",
            "wa-secret-8",
            "wa-verify-8",
            name="Orders",
        )["id"]
        stored = owner.request(
            "POST",
            owner.ws(f"/channels/{channel_id}/templates"),
            json={
                "name": "order_update",
                "language": "en_US",
                "components": [{"type": "BODY", "text": TEMPLATE_TEXT}],
            },
        )
        assert stored.status_code == 201, stored.text
        yield Wa(server, owner, control, channel_id)


def _template(*body: str) -> dict[str, Any]:
    return {
        "type": "template",
        "template": {"name": "order_update", "language": "en_US", "body_params": list(body)},
    }


@pytest.mark.parametrize("age", [timedelta(hours=25), None])
def test_a_free_form_reply_outside_the_window_is_refused(wa: Wa, age: timedelta | None) -> None:
    conversation, _ = wa.conversation(last_inbound_at=None if age is None else utcnow() - age)
    before = wa.messages(conversation)
    jobs = wa.queued_jobs()
    refused = wa.owner.request(
        "POST", wa.owner.ws(f"/conversations/{conversation}/messages"), json={"text": "late"}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "whatsapp.window_closed"
    assert wa.messages(conversation) == before
    assert wa.queued_jobs() == jobs


def test_inside_the_window_a_free_form_reply_goes(wa: Wa) -> None:
    conversation, wa_id = wa.conversation(last_inbound_at=utcnow() - timedelta(hours=23))
    sent = reply(wa.owner, conversation, text="still in time")
    wait_status(wa.owner, conversation, sent["id"], "sent")
    assert [m["to"] for m in wa.control.sent(PHONE) if m["idempotency_key"] == sent["id"]] == [
        wa_id
    ]


def test_a_template_send_succeeds_when_the_window_is_closed(wa: Wa) -> None:
    conversation, _wa_id = wa.conversation(last_inbound_at=utcnow() - timedelta(days=3))
    sent = reply(wa.owner, conversation, **_template("Ann", "A-42"))
    wait_status(wa.owner, conversation, sent["id"], "sent")
    [delivered] = [m for m in wa.control.sent(PHONE) if m["idempotency_key"] == sent["id"]]
    assert delivered["type"] == "template"
    body = delivered["body"]["template"]
    assert (body["name"], body["language"]["code"]) == ("order_update", "en_US")
    assert body["components"] == [
        {
            "type": "body",
            "parameters": [{"type": "text", "text": "Ann"}, {"type": "text", "text": "A-42"}],
        }
    ]
    assert message(wa.owner, conversation, sent["id"])["external_id"] == delivered["id"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (_template("Ann"), "whatsapp.template_params"),
        (_template("Ann", "A-42", "extra"), "whatsapp.template_params"),
        (
            {"type": "template", "template": {"name": "nope", "language": "en_US"}},
            "whatsapp.template_unknown",
        ),
    ],
)
def test_template_parameters_are_checked_before_anything_is_stored(
    wa: Wa, body: dict[str, Any], code: str
) -> None:
    conversation, _ = wa.conversation(last_inbound_at=None)
    before = wa.messages(conversation)
    refused = wa.owner.request(
        "POST", wa.owner.ws(f"/conversations/{conversation}/messages"), json=body
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == code
    assert wa.messages(conversation) == before


def test_the_providers_131047_fails_the_message_with_that_reason(wa: Wa) -> None:
    conversation, _ = wa.conversation()
    wa.control.configure(window_error="sync")
    try:
        wa.control.fault("closed_window")
        sent = reply(wa.owner, conversation, text="the provider disagrees")
        wait_status(wa.owner, conversation, sent["id"], "failed")
    finally:
        wa.control.configure(window_error="status")
    error = message(wa.owner, conversation, sent["id"])["error"]
    assert (error["code"], error["provider_code"]) == ("whatsapp.window_closed", 131047)
