"""The WhatsApp adapter against the WhatsApp Cloud API fake over real HTTP: signed webhooks of
every message type and status, batches, BSUIDs, sends, templates, media, health and errors."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import httpx
import pytest

from relaydesk.channels.base import (
    CallbackEvent,
    CallbackKind,
    InboundEvent,
    InboundMessage,
    InboundStatus,
    MediaRef,
    OutboundMedia,
    OutboundMessage,
    Reaction,
    SystemEvent,
    SystemKind,
    TemplateDefinition,
    TemplateSend,
    Unparseable,
)
from relaydesk.channels.errors import (
    ChannelError,
    CredentialsBroken,
    ErrorKind,
    NeedsTemplate,
    PayloadError,
    Permanent,
    Retryable,
    TemplateMismatch,
    VerificationError,
)
from relaydesk.channels.registry import adapter_for
from relaydesk.channels.whatsapp import WhatsAppAdapter
from relaydesk.domains.conversations.schemas import MessageStatus, MessageType
from relaydesk.testing.fakes import Receiver, WhatsAppControl, running_fake, running_receiver
from relaydesk.testing.fakes import whatsapp_inbound as wi

PHONE = "107000000000001"
TOKEN = "EAAG-adapter-secret-token"
SECRET = "adapter-app-secret"
VERIFY = "adapter-verify-token"
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class Wa:
    def __init__(self, base_url: str, control: WhatsAppControl, receiver: Receiver) -> None:
        self.base_url = base_url
        self.control = control
        self.receiver = receiver

    def adapter(self, token: str = TOKEN, **kwargs: Any) -> WhatsAppAdapter:
        return WhatsAppAdapter(
            PHONE,
            token,
            app_secret=SECRET,
            verify_token=VERIFY,
            api_base_url=self.base_url + "/v23.0",
            **kwargs,
        )

    def posts_after(self, seen: int, count: int = 1) -> list[Any]:
        posts = self.control.wait_for(self.receiver.posts, lambda p: len(p) >= seen + count)
        return posts[seen:]

    def parsed(self, post: Any) -> list[InboundEvent]:
        adapter = self.adapter()
        adapter.verify(post.headers, post.body, post.query)
        return adapter.parse(post.body)

    def call(self, fn: Any, **kwargs: Any) -> Any:
        async def go() -> Any:
            async with self.adapter(**kwargs) as adapter:
                return await fn(adapter)

        return run(go())


@pytest.fixture(scope="module")
def wa() -> Iterator[Wa]:
    with (
        running_fake("whatsapp") as fake,
        running_receiver() as receiver,
        WhatsAppControl(fake.base_url) as control,
    ):
        control.add_phone_number(
            PHONE,
            access_token=TOKEN,
            app_secret=SECRET,
            verify_token=VERIFY,
            callback_url=receiver.url,
        )
        control.configure(status_delay=0.01)
        yield Wa(fake.base_url, control, receiver)


ANN = {"wa_id": "16505550001", "name": "Ann"}


def test_every_message_type_in_one_post(wa: Wa) -> None:
    image = wa.control.add_media(PHONE, b"\x89PNG", "image/png")["id"]
    seen = len(wa.receiver.posts())
    wa.control.inbound(
        PHONE,
        ANN,
        wi.text("hello"),
        wi.media("image", image, "image/png", "abc", caption="pic"),
        wi.media("document", image, "application/pdf", "abc", filename="a.pdf"),
        wi.media("audio", image, "audio/ogg", "abc", voice=True),
        wi.media("video", image, "video/mp4", "abc"),
        wi.media("sticker", image, "image/webp", "abc", animated=False),
        wi.location(52.5, 13.4, name="Office", address="Main St 1"),
        wi.reply_to(wi.text("a reply"), "15550000001", "wamid.previous"),
        wi.button_reply("yes", "Yes", context_id="wamid.question"),
        wi.list_reply("row-2", "Second"),
        wi.button("STOP", "Stop promotions"),
        wi.reaction("wamid.previous", "👍"),
        wi.reaction("wamid.previous", ""),
        wi.contacts("Cy", "+491701234567"),
        wi.system("changed number", "16505550002"),
        wi.unsupported(),
        wi.order("cat-1", [{"product_retailer_id": "p1", "quantity": 1}]),
    )
    (post,) = wa.posts_after(seen)
    events = wa.parsed(post)
    assert len(events) == 17
    text, pic, doc, audio, video, sticker, loc, reply = events[:8]
    bsuid = text.sender.external_id
    for event in events[:8]:
        assert isinstance(event, InboundMessage)
        assert event.chat_key == bsuid
        assert event.external_id.startswith("wamid.")
    # The business-scoped user id keys the contact; the phone and name ride along.
    assert bsuid.startswith("US.")
    assert (text.sender.phone, text.sender.name) == ("+16505550001", "Ann")
    assert (text.type, text.text) == (MessageType.text, "hello")
    assert (pic.type, pic.text, pic.media[0].provider_id) == (MessageType.image, "pic", image)
    assert (doc.type, doc.media[0].filename) == (MessageType.file, "a.pdf")
    assert (audio.type, audio.extra["voice"]) == (MessageType.audio, True)
    assert video.type is MessageType.video
    assert (sticker.type, sticker.provider_type) == (MessageType.image, "sticker")
    assert loc.type is MessageType.location
    assert loc.location.name == "Office"
    assert reply.reply_to == "wamid.previous"
    button_reply, list_reply, button = events[8:11]
    assert isinstance(button_reply, CallbackEvent)
    assert (button_reply.kind, button_reply.data, button_reply.title) == (
        CallbackKind.button_reply,
        "yes",
        "Yes",
    )
    assert button_reply.reply_to == "wamid.question"
    assert (list_reply.kind, list_reply.data) == (CallbackKind.list_reply, "row-2")
    assert (button.kind, button.data) == (CallbackKind.button, "STOP")
    added, removed = events[11:13]
    assert isinstance(added, Reaction)
    assert added.emoji == "👍"
    assert added.target_external_id == "wamid.previous"
    assert isinstance(removed, Reaction)
    assert removed.emoji == ""
    contacts, system, unsupported, order = events[13:]
    assert contacts.provider_type == "contacts"
    assert "+491701234567" in contacts.text
    assert isinstance(system, SystemEvent)
    assert system.kind is SystemKind.identity_changed
    assert system.extra["new_wa_id"] == "16505550002"
    assert isinstance(unsupported, Unparseable)
    assert "unsupported" in unsupported.reason
    assert isinstance(order, Unparseable)
    assert "order" in order.reason


def test_hidden_phone_batches_and_wa_id_fallback(wa: Wa) -> None:
    seen = len(wa.receiver.posts())
    wa.control.fault("batch", count=2)
    wa.control.inbound(
        PHONE,
        {
            "user_id": "US.1234567890",
            "name": "Hidden",
            "username": "hid",
            "hide_phone": True,
            "wa_id": "16505550003",
        },
        wi.text("one"),
    )
    wa.control.inbound(PHONE, {"wa_id": "16505550004", "name": "Dee"}, wi.text("two"))
    (post,) = wa.posts_after(seen)
    one, two = wa.parsed(post)
    assert (one.chat_key, one.sender.phone, one.sender.username) == ("US.1234567890", None, "hid")
    assert two.text == "two"
    assert two.sender.phone == "+16505550004"

    # Older payloads carry no user id: the wa_id keys the contact. Every entry and change of a
    # payload is read, and a change for another phone number is refused.
    def change(phone: str, wa_id: str, body: str) -> dict[str, Any]:
        return {
            "field": "messages",
            "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "1555", "phone_number_id": phone},
                "contacts": [{"profile": {"name": "Eve"}, "wa_id": wa_id}],
                "messages": [
                    {
                        "from": wa_id,
                        "id": f"wamid.{body}",
                        "timestamp": "1700000000",
                        "type": "text",
                        "text": {"body": body},
                    }
                ],
            },
        }

    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "1", "changes": [change(PHONE, "111111111", "a")]},
            {"id": "2", "changes": [change(PHONE, "222222222", "b"), change("999", "3", "c")]},
            {"id": "3"},
        ],
    }
    events = wa.adapter().parse(json.dumps(payload).encode())
    assert [getattr(e, "chat_key", None) for e in events[:2]] == ["111111111", "222222222"]
    assert events[0].sender.name == "Eve"
    assert isinstance(events[2], Unparseable)
    assert "another phone number" in events[2].reason
    assert isinstance(events[3], Unparseable)
    with pytest.raises(PayloadError):
        wa.adapter().parse(b"not json")
    with pytest.raises(PayloadError):
        wa.adapter().parse(b'{"object":"page","entry":[]}')


def test_signature_and_handshake(wa: Wa) -> None:
    seen = len(wa.receiver.posts())
    wa.control.fault("bad_signature")
    wa.control.fault("missing_signature")
    wa.control.inbound(PHONE, ANN, wi.text("s1"))
    wa.control.inbound(PHONE, ANN, wi.text("s2"))
    wa.control.inbound(PHONE, ANN, wi.text("s3"))
    posts = wa.posts_after(seen, 3)
    adapter = wa.adapter()
    statuses = []
    for post in posts[:3]:
        try:
            adapter.verify(post.headers, post.body, post.query)
            statuses.append(200)
        except VerificationError as exc:
            statuses.append(exc.status)
    assert sorted(statuses) == [200, 401, 403]
    good = next(p for p, s in zip(posts, statuses, strict=False) if s == 200)
    with pytest.raises(VerificationError) as tampered:
        adapter.verify(dict(good.headers), good.body + b" ", {})
    assert tampered.value.status == 403
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    assert adapter.verification_challenge(query) == "1158201444"
    with pytest.raises(VerificationError) as wrong:
        adapter.verification_challenge({**query, "hub.verify_token": "nope"})
    assert wrong.value.status == 403


def _statuses(wa: Wa, seen: int, count: int) -> list[InboundStatus]:
    def collect() -> list[InboundStatus]:
        events = [e for p in wa.receiver.posts()[seen:] for e in wa.parsed(p)]
        return [e for e in events if isinstance(e, InboundStatus)]

    return wa.control.wait_for(collect, lambda s: len(s) >= count, what=f"{count} statuses")


def test_send_text_statuses_and_window(wa: Wa) -> None:
    user = {"wa_id": "16505550005", "name": "Fay"}
    wa.control.window(PHONE, user, True)
    seen = len(wa.receiver.posts())
    result = wa.call(
        lambda a: a.send(
            OutboundMessage("16505550005", MessageType.text, text="hi", reply_to="wamid.x")
        )
    )
    statuses = _statuses(wa, seen, 3)
    assert [s.status for s in statuses] == [
        MessageStatus.sent,
        MessageStatus.delivered,
        MessageStatus.read,
    ]
    assert {s.external_id for s in statuses} == {result.external_id}
    assert result.recipient
    assert result.recipient.startswith("US.")
    sent = wa.control.sent(PHONE)[-1]
    assert sent["body"]["text"] == {"body": "hi", "preview_url": False}
    assert sent["context"] == {"message_id": "wamid.x"}

    # Outside the window: accepted, then a failed status that needs a template.
    wa.control.window(PHONE, user, False)
    seen = len(wa.receiver.posts())
    failed = wa.call(
        lambda a: a.send(OutboundMessage(result.recipient, MessageType.text, text="late"))
    )
    (status,) = _statuses(wa, seen, 1)
    assert (status.external_id, status.status) == (failed.external_id, MessageStatus.failed)
    assert status.error is not None
    assert status.error.code == 131047
    assert status.error.kind is ErrorKind.needs_template

    wa.control.configure(window_error="sync")
    try:
        with pytest.raises(NeedsTemplate) as closed:
            wa.call(lambda a: a.send(OutboundMessage("16505550005", MessageType.text, text="x")))
    finally:
        wa.control.configure(window_error="status")
    assert closed.value.code == 131047
    assert closed.value.problem_code == "whatsapp.window_closed"


def test_templates_validated_and_sent(wa: Wa) -> None:
    wa.control.add_template(PHONE, "order_update", "Hi {{1}}, order {{2}} shipped")
    definition = TemplateDefinition(
        "order_update", "en_US", ({"type": "BODY", "text": "Hi {{1}}, order {{2}} shipped"},)
    )

    def template(*params: str, stored: TemplateDefinition | None = definition) -> OutboundMessage:
        send = TemplateSend("order_update", "en_US", body_params=params, definition=stored)
        return OutboundMessage("16505550006", MessageType.template, template=send)

    result = wa.call(lambda a: a.send(template("Ann", "42")))
    sent = wa.control.sent(PHONE)[-1]
    assert sent["id"] == result.external_id
    assert sent["type"] == "template"
    calls = len(wa.control.calls("messages"))
    with pytest.raises(TemplateMismatch) as mismatch:
        wa.call(lambda a: a.send(template("Ann")))
    assert "takes 2 body parameter(s), 1 given" in str(mismatch.value)
    assert len(wa.control.calls("messages")) == calls  # refused before any request
    # Without a stored definition the provider's own check (132000) comes back as permanent.
    with pytest.raises(Permanent) as provider:
        wa.call(lambda a: a.send(template("Ann", stored=None)))
    assert provider.value.code == 132000


def test_media_upload_send_download_and_expiry(wa: Wa) -> None:
    wa.control.window(PHONE, ANN, True)
    result = wa.call(
        lambda a: a.send(
            OutboundMessage(
                "16505550001",
                MessageType.file,
                text="the doc",
                media=OutboundMedia(
                    content=b"%PDF-up", filename="up.pdf", content_type="application/pdf"
                ),
            )
        )
    )
    sent = wa.control.sent(PHONE)[-1]
    assert sent["id"] == result.external_id
    document = sent["body"]["document"]
    assert (document["caption"], document["filename"]) == ("the doc", "up.pdf")
    download = wa.call(lambda a: a.download_media(MediaRef(document["id"])))
    assert (download.content, download.content_type) == (b"%PDF-up", "application/pdf")

    # An expired URL is fetched again once: the first download URL is spoilt on its way.
    spoilt: list[str] = []

    async def spoil_first(request: httpx.Request) -> None:
        if "/_media/" in request.url.path and not spoilt:
            spoilt.append(str(request.url))
            request.url = request.url.copy_set_param("hash", "expired")

    async def go() -> Any:
        async with httpx.AsyncClient(timeout=5, event_hooks={"request": [spoil_first]}) as client:
            adapter = wa.adapter(client=client)
            return await adapter.download_media(MediaRef(document["id"], filename="x.pdf"))

    again = run(go())
    assert spoilt
    assert again.content == b"%PDF-up"
    assert again.filename == "x.pdf"
    assert len(wa.control.calls("download")) >= 3


def test_errors_are_classified_and_secrets_kept_out(
    wa: Wa, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wa.control.window(PHONE, ANN, True)
    errors: list[ChannelError] = []

    def failing(**kwargs: Any) -> ChannelError:
        try:
            wa.call(
                lambda a: a.send(OutboundMessage("16505550001", MessageType.text, text="x")),
                **kwargs,
            )
        except ChannelError as exc:
            errors.append(exc)
            return exc
        raise AssertionError("the send succeeded")

    for code in (130429, 131056, 80007, 4):
        wa.control.fault("rate_limit", code=code, method="messages")
        error = failing()
        assert isinstance(error, Retryable)
        assert error.code == code
        assert error.backoff >= 1
    for body in ("html", "json"):
        wa.control.fault("server_error", body=body, method="messages")
        assert isinstance(failing(), Retryable)
    wa.control.fault("stall", seconds=1, method="messages")
    assert isinstance(failing(timeout=0.2), Retryable)
    for code in (131026, 131049, 131050):
        wa.control.fault("error", code=code, method="messages")
        error = failing()
        assert type(error) is Permanent
        assert error.code == code
        assert error.details
    wa.control.fault("error", code=0, status=401, method="messages")
    assert isinstance(failing(), CredentialsBroken)
    error = failing(token="EAAG-wrong-token")
    assert isinstance(error, CredentialsBroken)
    assert error.code == 190

    health = wa.call(lambda a: a.health_check())
    assert health.ok
    assert health.detail["id"] == PHONE
    broken = wa.call(lambda a: a.health_check(), token="EAAG-wrong-token")
    assert not broken.ok
    assert broken.error_kind is ErrorKind.credentials_broken

    adapter = wa.adapter()
    for error in errors:
        for secret in (TOKEN, SECRET, VERIFY, "EAAG-wrong-token"):
            assert secret not in str(error)
            assert secret not in repr(error)
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("uvicorn"))
    for secret in (TOKEN, SECRET, VERIFY, "EAAG-wrong-token"):
        assert secret not in ours
        assert secret not in repr(adapter)


def test_registry_builds_whatsapp(wa: Wa) -> None:
    adapter = adapter_for(
        "whatsapp_cloud",
        {
            "phone_number_id": PHONE,
            "access_token": TOKEN,
            "app_secret": SECRET,
            "verify_token": VERIFY,
            "api_base_url": wa.base_url + "/v23.0",
        },
    )
    assert isinstance(adapter, WhatsAppAdapter)
    assert adapter.rate_limits.account is not None
    assert adapter.rate_limits.account.count == 80

    async def check() -> bool:
        async with adapter:
            return (await adapter.health_check()).ok

    assert run(check())
