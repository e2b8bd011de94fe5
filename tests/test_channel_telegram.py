"""The Telegram adapter against the Telegram Bot API fake over real HTTP: parsing every update
the fake produces, webhook secrets, sends, media, health and error classification."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from relaydesk.channels.base import (
    CallbackEvent,
    CallbackKind,
    ChatKind,
    InboundEdit,
    InboundMessage,
    MediaRef,
    OutboundMedia,
    OutboundMessage,
    SystemEvent,
    SystemKind,
    Unparseable,
)
from relaydesk.channels.errors import (
    ChannelError,
    ChatMigrated,
    CredentialsBroken,
    ErrorKind,
    PayloadError,
    Permanent,
    Retryable,
    RetryAfter,
    VerificationError,
)
from relaydesk.channels.registry import UnknownChannelTypeError, adapter_for
from relaydesk.channels.telegram import TelegramAdapter
from relaydesk.domains.conversations.schemas import MessageType
from relaydesk.testing.fakes import TelegramControl, running_fake, running_receiver
from relaydesk.testing.fakes import telegram_updates as tu

TOKEN = "700100:AAH-channel-adapter-test-token_x"
BOT_ID = 700100
SECRET = "hook-secret_42"
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class Tg:
    def __init__(self, base_url: str, control: TelegramControl) -> None:
        self.base_url = base_url
        self.control = control

    def adapter(self, token: str = TOKEN, timeout: float = 5.0) -> TelegramAdapter:
        return TelegramAdapter(
            token, secret_token=SECRET, api_base_url=self.base_url, timeout=timeout
        )

    def events(self, *updates: dict[str, Any]) -> list[Any]:
        """Inject updates and parse each as its own webhook body, as Telegram posts them."""
        injected = self.control.inject(BOT_ID, *updates)
        adapter = self.adapter()
        return [e for u in injected for e in adapter.parse(json.dumps(u).encode())]

    def call(self, coro_fn: Any) -> Any:
        async def go() -> Any:
            async with self.adapter() as adapter:
                return await coro_fn(adapter)

        return run(go())


@pytest.fixture(scope="module")
def tg() -> Iterator[Tg]:
    with running_fake("telegram") as fake, TelegramControl(fake.base_url) as control:
        control.add_bot(TOKEN, username="relaydesk_bot")
        yield Tg(fake.base_url, control)


ANN = tu.user(4201, "Ann", last_name="Lee", username="ann")
BOB = tu.user(4202, "Bob")


def test_private_text_photo_document_voice_video(tg: Tg) -> None:
    chat = tu.private_chat(4201)
    photo = tg.control.add_file(BOT_ID, b"\x89PNG photo", kind="photo")
    doc = tg.control.add_file(
        BOT_ID, b"%PDF-1.4", kind="document", file_name="a.pdf", mime_type="application/pdf"
    )
    voice = {**doc["file"], "duration": 3, "mime_type": "audio/ogg"}
    video = {**doc["file"], "duration": 5, "width": 640, "height": 480, "mime_type": "video/mp4"}
    events = tg.events(
        tu.text(chat, ANN, "hello"),
        tu.message(chat, ANN, photo=photo["photo"], caption="look"),
        tu.message(chat, ANN, document=doc["document"]),
        tu.message(chat, ANN, voice=voice),
        tu.message(chat, ANN, video=video),
    )
    assert all(isinstance(e, InboundMessage) for e in events)
    text, pic, document, audio, film = events
    assert text.chat_key == "4201"
    assert text.chat_kind is ChatKind.private
    assert text.external_id.startswith("4201:")
    assert text.sender.external_id == "4201"
    assert text.sender.name == "Ann Lee"
    assert text.sender.username == "ann"
    assert (text.type, text.text) == (MessageType.text, "hello")
    assert text.timestamp.tzinfo is not None
    assert (pic.type, pic.text, pic.provider_type) == (MessageType.image, "look", "photo")
    assert pic.media[0].provider_id == photo["photo"][-1]["file_id"]
    assert document.type is MessageType.file
    assert document.media[0].filename == "a.pdf"
    assert document.media[0].mime_type == "application/pdf"
    assert (audio.type, audio.provider_type) == (MessageType.audio, "voice")
    assert (film.type, film.provider_type) == (MessageType.video, "video")


def test_group_location_contact_reply_edit_and_callback(tg: Tg) -> None:
    group = tu.group_chat(-4300, "Team")
    first = tg.control.inject(BOT_ID, tu.text(group, ANN, "hi all"))[0]["message"]
    events = tg.events(
        tu.message(group, BOB, location={"latitude": 52.5, "longitude": 13.4}),
        tu.message(group, BOB, contact={"phone_number": "+491701234567", "first_name": "Cy"}),
        tu.text(group, BOB, "re", reply_to_message=first),
        tu.edited(group, ANN, first["message_id"], "hi everyone"),
        tu.callback_query(BOB, "yes", message=first),
    )
    location, contact, reply, edit, callback = events
    assert location.chat_key == "-4300"
    assert location.chat_kind is ChatKind.group
    assert location.chat_title == "Team"
    # A group is one conversation; each sender is its own contact.
    assert location.sender.external_id == "4202"
    assert location.type is MessageType.location
    assert (location.location.latitude, location.location.longitude) == (52.5, 13.4)
    assert contact.provider_type == "contact"
    assert "+491701234567" in contact.text
    assert contact.extra["contact"]["phone"] == "+491701234567"
    assert reply.reply_to == f"-4300:{first['message_id']}"
    assert isinstance(edit, InboundEdit)
    assert (edit.external_id, edit.text) == (f"-4300:{first['message_id']}", "hi everyone")
    assert isinstance(callback, CallbackEvent)
    assert callback.kind is CallbackKind.callback_query
    assert (callback.data, callback.chat_key, callback.sender.external_id) == (
        "yes",
        "-4300",
        "4202",
    )
    assert callback.reply_to == f"-4300:{first['message_id']}"


def test_supergroup_members_kicked_and_migration(tg: Tg) -> None:
    group = tu.group_chat(-4400, "Old")
    supergroup = tu.group_chat(-1004400, "New", supergroup=True)
    bot = tu.user(BOT_ID, "Relay", is_bot=True)
    events = tg.events(
        tu.text(supergroup, ANN, "in a supergroup"),
        tu.new_members(group, ANN, [BOB]),
        tu.left_member(group, ANN, BOB),
        tu.my_chat_member(tu.private_chat(4201), ANN, bot, "kicked"),
        tu.my_chat_member(group, ANN, bot, "left"),
        *tu.migrate(group, ANN, -1004401),
    )
    text, joined, left, blocked, removed, migrate_to, migrate_from = events
    assert text.chat_kind is ChatKind.group
    assert text.chat_key == "-1004400"
    assert isinstance(joined, SystemEvent)
    assert joined.kind is SystemKind.members_joined
    assert [m.external_id for m in joined.members] == ["4202"]
    assert left.kind is SystemKind.member_left
    assert left.members[0].external_id == "4202"
    assert blocked.kind is SystemKind.contact_unreachable
    assert blocked.chat_key == "4201"
    assert removed.kind is SystemKind.bot_removed
    for event in (migrate_to, migrate_from):
        assert event.kind is SystemKind.chat_migrated
        assert (event.chat_key, event.new_chat_key) == ("-4400", "-1004401")


def test_getupdates_list_and_bad_items(tg: Tg) -> None:
    tg.control.inject(BOT_ID, tu.text(tu.private_chat(4501), tu.user(4501), "polled"))

    async def poll(adapter: TelegramAdapter) -> Any:
        return await adapter.call("getUpdates", {"timeout": 0})

    updates = tg.call(poll)
    adapter = tg.adapter()
    body = json.dumps({"ok": True, "result": updates}).encode()
    events = adapter.parse(body)
    assert len(events) == len(updates) > 0
    assert any(isinstance(e, InboundMessage) and e.text == "polled" for e in events)
    # Confirm them so later tests' getUpdates start clean.
    tg.call(lambda a: a.call("getUpdates", {"offset": updates[-1]["update_id"] + 1}))

    mixed = adapter.parse(
        json.dumps(
            [
                {"update_id": 1, "message": {"chat": {"id": 1}}},
                {"update_id": 2, "poll": {}},
                {"no": "update"},
                {"update_id": 3, **tu.text(tu.private_chat(9), tu.user(9), "ok")},
            ]
        ).encode()
    )
    assert [type(e) for e in mixed] == [Unparseable, Unparseable, Unparseable, Unparseable]
    assert "poll" in mixed[1].reason
    with pytest.raises(PayloadError):
        adapter.parse(b"<html>")
    with pytest.raises(PayloadError):
        adapter.parse(b'"a string"')


def test_webhook_secret_verification(tg: Tg) -> None:
    with running_receiver() as receiver:

        async def hook(adapter: TelegramAdapter) -> Any:
            return await adapter.call("setWebhook", {"url": receiver.url, "secret_token": SECRET})

        tg.call(hook)
        try:
            tg.control.fault("bad_secret")
            tg.control.fault("missing_secret")
            tg.control.inject(BOT_ID, tu.text(tu.private_chat(4601), tu.user(4601), "one"))
            tg.control.inject(BOT_ID, tu.text(tu.private_chat(4601), tu.user(4601), "two"))
            tg.control.inject(BOT_ID, tu.text(tu.private_chat(4601), tu.user(4601), "three"))
            posts = tg.control.wait_for(receiver.posts, lambda p: len(p) >= 3)
        finally:
            tg.call(lambda a: a.call("deleteWebhook"))
    adapter = tg.adapter()
    statuses = []
    for post in posts[:3]:
        try:
            adapter.verify(post.headers, post.body, post.query)
            statuses.append(200)
        except VerificationError as exc:
            statuses.append(exc.status)
    assert sorted(statuses) == [200, 401, 401]
    good = next(p for p in posts if p.headers.get("x-telegram-bot-api-secret-token") == SECRET)
    adapter.verify({"X-Telegram-Bot-Api-Secret-Token": SECRET}, good.body, {})
    assert adapter.parse(good.body)[0].type is MessageType.text
    with pytest.raises(VerificationError) as missing:
        adapter.verify({}, good.body, {})
    assert (missing.value.status, missing.value.code) == (401, "telegram.secret_missing")


def test_send_text_reply_and_media(tg: Tg) -> None:
    chat = tu.private_chat(4701)
    first = tg.control.inject(BOT_ID, tu.text(chat, tu.user(4701), "q"))[0]["message"]
    stored = tg.control.add_file(BOT_ID, b"%PDF", kind="document", file_name="x.pdf")

    async def sends(adapter: TelegramAdapter) -> list[Any]:
        reply_to = f"4701:{first['message_id']}"
        return [
            await adapter.send(
                OutboundMessage("4701", MessageType.text, text="answer", reply_to=reply_to)
            ),
            await adapter.send(
                OutboundMessage(
                    "4701",
                    MessageType.image,
                    text="pic",
                    media=OutboundMedia(
                        content=b"\x89PNG", filename="p.png", content_type="image/png"
                    ),
                )
            ),
            await adapter.send(
                OutboundMessage(
                    "4701",
                    MessageType.file,
                    media=OutboundMedia(provider_id=stored["document"]["file_id"]),
                )
            ),
        ]

    results = tg.call(sends)
    sent = tg.control.sent(BOT_ID, chat_id=4701)
    assert [s["method"] for s in sent] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert sent[0]["message"]["reply_to_message"]["message_id"] == first["message_id"]
    assert sent[1]["message"]["caption"] == "pic"
    assert [r.external_id for r in results] == [f"4701:{s['message']['message_id']}" for s in sent]
    assert all(r.chat_key == "4701" for r in results)


def test_download_media_and_health(tg: Tg) -> None:
    stored = tg.control.add_file(
        BOT_ID, b"%PDF-body", kind="document", file_name="r.pdf", mime_type="application/pdf"
    )
    message = tg.events(
        tu.message(tu.private_chat(4801), tu.user(4801), document=stored["document"])
    )
    ref = message[0].media[0]

    async def go(adapter: TelegramAdapter) -> Any:
        return await adapter.download_media(ref), await adapter.health_check()

    download, health = tg.call(go)
    assert download.content == b"%PDF-body"
    assert (download.content_type, download.filename) == ("application/pdf", "r.pdf")
    assert health.ok
    assert health.detail["username"] == "relaydesk_bot"

    async def broken() -> Any:
        async with tg.adapter(token="700999:AAH-unknown-token-not-registered") as adapter:
            health = await adapter.health_check()
            with pytest.raises(ChannelError):
                await adapter.download_media(MediaRef("nope"))
            return health

    health = run(broken())
    assert not health.ok
    assert health.error_kind is ErrorKind.credentials_broken


def _send_error(tg: Tg, chat_key: str = "4901", timeout: float = 5.0) -> ChannelError:
    async def go() -> ChannelError:
        async with tg.adapter(timeout=timeout) as adapter:
            try:
                await adapter.send(OutboundMessage(chat_key, MessageType.text, text="x"))
            except ChannelError as exc:
                return exc
        raise AssertionError("the send succeeded")

    return run(go())


def test_errors_are_classified(tg: Tg, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tg.control.inject(BOT_ID, tu.text(tu.private_chat(4901), tu.user(4901), "hi"))
    errors: list[ChannelError] = []

    tg.control.fault("rate_limit", retry_after=2, method="sendMessage")
    error = _send_error(tg)
    assert isinstance(error, RetryAfter)
    assert error.seconds == 2
    assert error.code == 429
    errors.append(error)

    for body in ("html", "json"):
        tg.control.fault("server_error", body=body, method="sendMessage")
        error = _send_error(tg)
        assert isinstance(error, Retryable)
        assert error.http_status == 502
        errors.append(error)

    tg.control.fault("stall", seconds=1, method="sendMessage")
    error = _send_error(tg, timeout=0.2)
    assert isinstance(error, Retryable)
    errors.append(error)

    bot = tu.user(BOT_ID, "Relay", is_bot=True)
    tg.control.inject(
        BOT_ID, tu.my_chat_member(tu.private_chat(4902), tu.user(4902), bot, "kicked")
    )
    error = _send_error(tg, "4902")
    assert isinstance(error, Permanent)
    assert error.contact_unreachable
    assert "blocked" in error.message
    errors.append(error)

    group = tu.group_chat(-4903, "G")
    tg.control.inject(BOT_ID, tu.text(group, ANN, "hi"), *tu.migrate(group, ANN, -1004903))
    error = _send_error(tg, "-4903")
    assert isinstance(error, ChatMigrated)
    assert error.new_chat_id == "-1004903"
    errors.append(error)

    error = _send_error(tg, "999999")
    assert type(error) is Permanent
    assert error.http_status == 400
    errors.append(error)

    async def bad_token() -> ChannelError:
        async with tg.adapter(token="700998:AAH-revoked-token-abcdefghij") as adapter:
            with pytest.raises(CredentialsBroken) as info:
                await adapter.send(OutboundMessage("4901", MessageType.text, text="x"))
            return info.value

    errors.append(run(bad_token()))
    # Nothing a caller or a log sees carries the token or the webhook secret.
    for error in errors:
        assert TOKEN not in str(error)
        assert TOKEN not in repr(error)
        assert error.__cause__ is None
    # The fake's own access log stands in for Telegram's servers and is left out.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("uvicorn"))
    assert "AAH-channel" not in ours
    assert "AAH-revoked" not in ours
    assert "/bot***/" in ours  # httpx's request log, redacted
    assert TOKEN not in repr(tg.adapter())
    assert SECRET not in repr(tg.adapter())


def test_registry_picks_the_adapter(tg: Tg) -> None:
    adapter = adapter_for("telegram", {"bot_token": TOKEN, "api_base_url": tg.base_url})
    assert isinstance(adapter, TelegramAdapter)
    assert adapter.rate_limits.chat is not None
    assert adapter.rate_limits.chat.count == 1
    run(adapter.aclose())
    with pytest.raises(UnknownChannelTypeError):
        adapter_for("fax", {})
