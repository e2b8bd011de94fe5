"""pywa (a WhatsApp Cloud API client) against the WhatsApp fake, in both directions: pywa
sends through the fake, and the fake's signed webhooks reach a pywa server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from pywa import WhatsApp
from pywa.errors import TemplateParamCountMismatch
from pywa.types import Message, MessageStatus
from pywa.types.templates import BodyText, TemplateLanguage

from relaydesk.testing.fakes import RunningFake, WhatsAppControl, running_fake
from relaydesk.testing.fakes import whatsapp_inbound as wi
from relaydesk.testing.fakes.server import start_in_thread

PHONE = "109000000000001"
TOKEN = "EAAG-pywa-contract"
SECRET = "pywa-app-secret"
VERIFY = "pywa-verify"
ANN = {"wa_id": "16505551234", "name": "Ann"}


@pytest.fixture
def fake() -> Iterator[tuple[RunningFake, WhatsAppControl]]:
    with running_fake("whatsapp") as running, WhatsAppControl(running.base_url) as control:
        control.add_phone_number(PHONE, access_token=TOKEN, app_secret=SECRET, verify_token=VERIFY)
        control.configure(status_delay=0.01)
        yield running, control


@pytest.fixture
def client(fake: tuple[RunningFake, WhatsAppControl]) -> Iterator[WhatsApp]:
    running, _ = fake
    with httpx.Client(timeout=10) as session:
        wa = WhatsApp(phone_id=PHONE, token=TOKEN, session=session)
        # pywa has no base-URL option: it sets the session's base URL; point it at the fake.
        session.base_url = httpx.URL(running.base_url + "/v23.0")
        yield wa


def test_pywa_sends_text_template_and_media(
    fake: tuple[RunningFake, WhatsAppControl], client: WhatsApp
) -> None:
    _, control = fake
    control.window(PHONE, ANN, True)
    sent = client.send_message(to="16505551234", text="Hello from pywa")
    assert sent.id.startswith("wamid.")
    assert sent.input == "16505551234"

    control.add_template(PHONE, "order_update", "Hi {{1}}, order {{2}} shipped")
    template = client.send_template(
        to="16505551234",
        name="order_update",
        language=TemplateLanguage.ENGLISH_US,
        params=[BodyText.params("Ann", "42")],
    )
    assert template.id.startswith("wamid.")
    with pytest.raises(TemplateParamCountMismatch) as caught:
        client.send_template(
            to="16505551234",
            name="order_update",
            language=TemplateLanguage.ENGLISH_US,
            params=[BodyText.params("Ann")],
        )
    assert caught.value.code == 132000

    media = client.upload_media(b"\x89PNG-pywa", mime_type="image/png", filename="p.png")
    url = client.get_media_url(media.id)
    assert url.mime_type == "image/png"
    assert url.file_size == len(b"\x89PNG-pywa")
    assert client.get_media_bytes(url=url.url) == b"\x89PNG-pywa"
    image = client.send_image(to="16505551234", image=media.id, caption="pic")
    assert image.id.startswith("wamid.")

    kinds = [m["type"] for m in control.sent(PHONE)]
    assert kinds == ["text", "template", "image"]
    body = control.sent(PHONE)[1]["body"]["template"]
    assert [p["text"] for p in body["components"][0]["parameters"]] == ["Ann", "42"]


def test_pywa_webhook_accepts_the_fakes_signed_payloads(
    fake: tuple[RunningFake, WhatsAppControl],
) -> None:
    running, control = fake
    app = FastAPI()
    received: list[Message] = []
    statuses: list[MessageStatus] = []
    arrived = threading.Event()
    with httpx.Client(timeout=10) as session:
        wa = WhatsApp(
            phone_id=PHONE,
            token=TOKEN,
            session=session,
            server=app,
            verify_token=VERIFY,
            app_secret=SECRET,
            webhook_endpoint="/wa",
        )
        session.base_url = httpx.URL(running.base_url + "/v23.0")

        @wa.on_message
        def on_message(_: WhatsApp, message: Message) -> None:
            received.append(message)
            arrived.set()

        @wa.on_message_status
        def on_status(_: WhatsApp, status: MessageStatus) -> None:
            statuses.append(status)
            arrived.set()

        server = start_in_thread(app)
        try:
            control.add_phone_number(
                PHONE, access_token=TOKEN, app_secret=SECRET, callback_url=server.base_url + "/wa"
            )
            verified = control.verify_webhook(PHONE)
            assert verified["ok"] is True, verified
            assert control.verify_webhook(PHONE, verify_token="wrong")["ok"] is False

            control.inbound(PHONE, ANN, wi.text("hi pywa"))
            control.wait_for(lambda: received, lambda r: len(r) == 1, what="pywa message")
            assert received[0].text == "hi pywa"
            assert received[0].from_user.wa_id == "16505551234"
            assert received[0].from_user.name == "Ann"

            wa.send_message(to="16505551234", text="reply")
            control.wait_for(lambda: statuses, lambda s: len(s) == 3, what="pywa statuses")
            assert [str(s.status) for s in statuses] == ["sent", "delivered", "read"]

            control.fault("bad_signature")
            control.inbound(PHONE, ANN, wi.text("forged"))
            deliveries = control.wait_for(
                control.deliveries,
                lambda d: any(x["status"] == 403 for x in d),
                what="pywa to refuse the forged payload",
            )
            assert any(x["status"] == 403 for x in deliveries)
            # the retry carries a good signature again and is accepted
            control.wait_for(lambda: received, lambda r: len(r) == 2, what="the retry")
            assert received[1].text == "forged"
        finally:
            server.stop()
