"""Telegram long polling against the fake's getUpdates: updates become messages, offsets are
confirmed only after the updates are stored (none taken twice across a restart), and a 409
Conflict from a leftover webhook is resolved."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from relaydesk.domains.channels.models import Channel
from relaydesk.testing.fakes import TelegramControl, running_fake
from relaydesk.testing.fakes import telegram_updates as tu
from tests.channels_inbound import WAIT, inbox_rows, wait_messages
from tests.conftest import signup
from tests.harness import Server, make_settings, running_server, throwaway_database, wait_until
from tests.messaging import new_bot_token, telegram_channel

FAST = {"telegram_poll_timeout_seconds": 1, "inbox_poll_seconds": 0.1}


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, TelegramControl]]:
    with running_fake("telegram") as running, TelegramControl(running.base_url) as control:
        yield running.base_url, control


def _poll_offset(server: Server, channel_id: str) -> int | None:
    async def load() -> int | None:
        async with server.db.read("test_offset") as s:
            offset: int | None = await s.scalar(
                select(Channel.poll_offset).where(Channel.id == uuid.UUID(channel_id))
            )
            return offset

    return server.run(load())


def _stored_update_ids(server: Server, channel_id: str) -> list[int]:
    return sorted(
        u["update_id"] for row in inbox_rows(server, channel_id) for u in json.loads(row.body)
    )


def test_updates_become_messages_and_offsets_survive_a_restart(
    tmp_path: Path, fake: tuple[str, TelegramControl]
) -> None:
    url, control = fake
    bot_id, token = new_bot_token(control)
    chat, ann = tu.private_chat(9101, "Ann"), tu.user(9101, "Ann")
    with throwaway_database(tmp_path) as database:
        settings = make_settings(tmp_path, database, **FAST)
        with running_server(settings) as server, server.client() as client:
            owner = signup(client)
            channel_id = telegram_channel(owner, url, token, mode="polling")["id"]
            first = control.inject(bot_id, tu.text(chat, ann, "one"), tu.text(chat, ann, "two"))
            wait_messages(owner, channel_id, 2)
            last = first[-1]["update_id"]
            wait_until(lambda: _poll_offset(server, channel_id) == last + 1, WAIT, "the offset")

        # Arrives while no server runs; the next one takes it up from the stored offset.
        [third] = control.inject(bot_id, tu.text(chat, ann, "three"))
        with running_server(settings, migrate=False) as server, server.client() as client:
            owner.client = client
            found = wait_messages(owner, channel_id, 3)
            assert [m["text"] for m in found] == ["one", "two", "three"]
            wait_until(
                lambda: _poll_offset(server, channel_id) == third["update_id"] + 1,
                WAIT,
                "the offset after the restart",
            )
            stored = _stored_update_ids(server, channel_id)
    # Each update was stored exactly once: confirmed offsets are never asked for again.
    assert stored == [u["update_id"] for u in [*first, third]]


def test_a_leftover_webhook_409_is_deleted_and_polling_goes_on(
    make_server: Callable[..., Server], fake: tuple[str, TelegramControl]
) -> None:
    url, control = fake
    server = make_server(**FAST)
    bot_id, token = new_bot_token(control)
    with server.client() as client:
        owner = signup(client)
        channel_id = telegram_channel(owner, url, token, mode="polling")["id"]
        # Someone points the bot at a webhook: getUpdates now answers 409 Conflict.
        set_hook = httpx.post(
            f"{url}/bot{token}/setWebhook",
            json={"url": "http://127.0.0.1:9/elsewhere", "secret_token": "x" * 20},
            timeout=10,
        )
        assert set_hook.json()["ok"]
        wait_until(
            lambda: any(c["status"] == 409 for c in control.calls("getUpdates")),
            WAIT,
            "a 409 Conflict",
        )
        wait_until(lambda: control.bot(bot_id)["webhook_url"] == "", WAIT, "deleteWebhook")
        control.inject(bot_id, tu.text(tu.private_chat(9201), tu.user(9201), "after"))
        [message] = wait_messages(owner, channel_id, 1)
    assert message["text"] == "after"
