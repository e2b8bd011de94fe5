"""aiogram (the Bot API client most used in Python) against the Telegram fake."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter, TelegramUnauthorizedError
from aiogram.types import BufferedInputFile, ReplyParameters

from relaydesk.testing.fakes import RunningFake, TelegramControl, running_fake
from relaydesk.testing.fakes import telegram_updates as tu

TOKEN = "424242:AAH-aiogram_contract"
BOT_ID = 424242


@pytest.fixture
def fake() -> Iterator[tuple[RunningFake, TelegramControl]]:
    with running_fake("telegram") as running, TelegramControl(running.base_url) as control:
        control.add_bot(TOKEN, username="contract_bot")
        yield running, control


def _bot(base_url: str, token: str = TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    return Bot(token, session=session)


def test_aiogram_round_trip(fake: tuple[RunningFake, TelegramControl]) -> None:
    running, control = fake
    control.inject(BOT_ID, tu.text(tu.private_chat(7, "Ann"), tu.user(7, "Ann"), "hello"))

    async def scenario() -> None:
        bot = _bot(running.base_url)
        try:
            me = await bot.get_me()
            assert me.id == BOT_ID
            assert me.is_bot
            assert me.username == "contract_bot"

            updates = await bot.get_updates(timeout=0)
            assert [u.message.text for u in updates if u.message] == ["hello"]
            inbound = updates[0].message
            assert inbound is not None
            assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []

            sent = await bot.send_message(
                7, "hi there", reply_parameters=ReplyParameters(message_id=inbound.message_id)
            )
            assert sent.text == "hi there"
            assert sent.reply_to_message is not None
            assert sent.reply_to_message.message_id == inbound.message_id

            photo = await bot.send_photo(
                7, BufferedInputFile(b"\xff\xd8photo", filename="p.jpg"), caption="pic"
            )
            assert photo.photo
            assert photo.caption == "pic"
            document = await bot.send_document(
                7, BufferedInputFile(b"%PDF doc", filename="doc.pdf")
            )
            assert document.document is not None
            assert document.document.file_name == "doc.pdf"

            file = await bot.get_file(document.document.file_id)
            assert file.file_path
            buffer = io.BytesIO()
            await bot.download_file(file.file_path, buffer)
            assert buffer.getvalue() == b"%PDF doc"

            again = await bot.send_photo(7, photo.photo[-1].file_id)
            assert again.photo
            assert again.photo[-1].file_id == photo.photo[-1].file_id
        finally:
            await bot.session.close()

    asyncio.run(scenario())
    assert [s["method"] for s in control.sent(BOT_ID)] == [
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendPhoto",
    ]


def test_aiogram_sees_retry_after_and_unauthorized(
    fake: tuple[RunningFake, TelegramControl],
) -> None:
    running, control = fake
    control.fault("rate_limit", retry_after=3, method="getMe")

    async def scenario() -> None:
        bot = _bot(running.base_url)
        stranger = _bot(running.base_url, "1:AAH-unknown")
        try:
            with pytest.raises(TelegramRetryAfter) as caught:
                await bot.get_me()
            assert caught.value.retry_after == 3
            with pytest.raises(TelegramUnauthorizedError):
                await stranger.get_me()
        finally:
            await bot.session.close()
            await stranger.session.close()

    asyncio.run(scenario())
