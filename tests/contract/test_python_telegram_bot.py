"""python-telegram-bot against the Telegram fake."""

from __future__ import annotations

import asyncio
import datetime as dt
import warnings
from collections.abc import Iterator

import pytest
import telegram
from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from relaydesk.testing.fakes import RunningFake, TelegramControl, running_fake
from relaydesk.testing.fakes import telegram_updates as tu

TOKEN = "515151:AAH-ptb_contract"
BOT_ID = 515151


@pytest.fixture
def fake() -> Iterator[tuple[RunningFake, TelegramControl]]:
    with running_fake("telegram") as running, TelegramControl(running.base_url) as control:
        control.add_bot(TOKEN, username="ptb_bot")
        yield running, control


def _bot(base_url: str) -> telegram.Bot:
    return telegram.Bot(TOKEN, base_url=base_url + "/bot", base_file_url=base_url + "/file/bot")


def test_ptb_round_trip(fake: tuple[RunningFake, TelegramControl]) -> None:
    running, control = fake
    group = tu.group_chat(-1001, "Team", supergroup=True)
    control.inject(BOT_ID, tu.text(group, tu.user(9, "Bo"), "hello group"))

    async def scenario() -> None:
        async with _bot(running.base_url) as bot:  # initialize() calls getMe
            assert bot.username == "ptb_bot"
            assert bot.id == BOT_ID
            updates = await bot.get_updates(timeout=0)
            assert len(updates) == 1
            assert updates[0].message is not None
            assert updates[0].message.chat.type == "supergroup"
            assert updates[0].message.text == "hello group"
            await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
            assert await bot.get_updates(timeout=0) == ()

            sent = await bot.send_message(-1001, "hi", reply_to_message_id=1)
            assert sent.text == "hi"
            assert sent.reply_to_message is not None
            photo = await bot.send_photo(-1001, photo=b"\xff\xd8ptb-photo", caption="c")
            assert photo.photo
            assert photo.caption == "c"
            document = await bot.send_document(-1001, document=b"ptb doc", filename="n.txt")
            assert document.document is not None
            assert document.document.file_name == "n.txt"

            file = await bot.get_file(document.document.file_id)
            assert bytes(await file.download_as_bytearray()) == b"ptb doc"
            photo_file = await bot.get_file(photo.photo[-1].file_id)
            assert bytes(await photo_file.download_as_bytearray()) == b"\xff\xd8ptb-photo"

            chat = await bot.get_chat(-1001)
            assert chat.title == "Team"
            assert await bot.get_chat_member_count(-1001) == 2
            link = await bot.create_chat_invite_link(-1001, name="spring", member_limit=5)
            assert link.invite_link.startswith("https://t.me/+")
            assert link.member_limit == 5

    asyncio.run(scenario())


def test_ptb_sees_retry_after(fake: tuple[RunningFake, TelegramControl]) -> None:
    running, control = fake

    async def scenario() -> None:
        async with _bot(running.base_url) as bot:
            control.fault("rate_limit", retry_after=4)
            with warnings.catch_warnings():
                # PTB warns that retry_after becomes a timedelta in its next major version.
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                with pytest.raises(RetryAfter) as caught:
                    await bot.get_me()
                retry_after = caught.value.retry_after
            assert retry_after in (4, dt.timedelta(seconds=4))

    asyncio.run(scenario())
