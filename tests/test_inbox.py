"""The inbox worker: batches, payloads that cannot be processed, and one bad payload never
holding up the others. Webhooks go straight at the server (no provider needed to post them)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import update

from relaydesk.domains.channels.inbox import Incoming, store_payloads
from relaydesk.domains.channels.models import Channel
from relaydesk.testing.fakes import telegram_updates as tu
from tests.channels_inbound import (
    WAIT,
    credentials,
    dead_letters,
    inbox_rows,
    wait_messages,
)
from tests.conftest import Account, signup
from tests.harness import Server, wait_until
from tests.messaging import new_bot_token, telegram_channel

FAKE_API = "http://127.0.0.1:9"  # never called: these tests only post webhooks


@pytest.fixture(scope="module")
def inbox_server(make_server: Callable[..., Server]) -> Server:
    return make_server(inbox_batch_size=7, inbox_max_attempts=2, inbox_poll_seconds=0.05)


def _update(update_id: int, chat: int, text: str) -> bytes:
    body = tu.text(tu.private_chat(chat), tu.user(chat), text)
    body["message"].update(message_id=update_id, date=1_800_000_000)
    return json.dumps({"update_id": update_id, **body}).encode()


@pytest.fixture
def client(inbox_server: Server) -> Iterator[httpx.Client]:
    with inbox_server.client() as c:
        yield c


def _bot(server: Server, client: httpx.Client) -> tuple[Account, str, dict[str, str]]:
    owner = signup(client)
    channel_id = telegram_channel(owner, FAKE_API, new_bot_token()[1])["id"]
    secret = credentials(server, channel_id)["secret_token"]
    return owner, channel_id, {"X-Telegram-Bot-Api-Secret-Token": secret}


def test_many_deliveries_are_processed_in_batches(
    inbox_server: Server, client: httpx.Client
) -> None:
    owner, channel_id, headers = _bot(inbox_server, client)

    def post(n: int) -> int:
        with httpx.Client(base_url=inbox_server.base_url, timeout=30) as c:
            return c.post(
                f"/hooks/telegram/{channel_id}",
                content=_update(n, 1000 + n % 5, f"m{n}"),
                headers=headers,
            ).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(post, range(1, 41))) == {200}
    found = wait_messages(owner, channel_id, 40)
    assert sorted(m["text"] for m in found) == sorted(f"m{n}" for n in range(1, 41))
    rows = inbox_rows(inbox_server, channel_id)
    assert len(rows) == 40
    wait_until(
        lambda: all(r.state == "done" for r in inbox_rows(inbox_server, channel_id)),
        WAIT,
        "every payload done",
    )
    channel = owner.request("GET", owner.ws(f"/channels/{channel_id}")).json()
    assert channel["counters"]["inbound"] == 40


def test_unreadable_payloads_and_items_are_dead_letters_and_the_rest_goes_on(
    inbox_server: Server, client: httpx.Client
) -> None:
    owner, channel_id, headers = _bot(inbox_server, client)
    bad_item = {"update_id": 9, "channel_post": {"chat": {"id": -1, "type": "channel"}}}
    good = json.loads(_update(10, 2001, "good"))
    for body in (b"<html>not json</html>", json.dumps([bad_item, good]).encode()):
        answer = client.post(f"/hooks/telegram/{channel_id}", content=body, headers=headers)
        assert answer.status_code == 200

    wait_until(lambda: len(dead_letters(inbox_server, channel_id)) == 2, WAIT, "dead letters")
    whole, item = dead_letters(inbox_server, channel_id)
    assert whole.reason == "the body is not JSON"
    assert whole.body == b"<html>not json</html>"
    assert whole.item is None
    assert "channel_post" in item.reason
    assert item.item == bad_item
    assert [m["text"] for m in wait_messages(owner, channel_id, 1)] == ["good"]
    states = sorted(r.state for r in inbox_rows(inbox_server, channel_id))
    assert states == ["dead", "done"]


def test_a_payload_that_keeps_failing_is_dead_lettered_after_max_attempts(
    inbox_server: Server, client: httpx.Client
) -> None:
    owner, healthy, headers = _bot(inbox_server, client)
    _, broken, _ = _bot(inbox_server, client)

    async def break_and_store() -> None:
        # Credentials no key opens: building the adapter raises for this channel's payloads.
        async with inbox_server.db.write("test_break") as s:
            channel = await s.get_one(Channel, uuid.UUID(broken))
            await s.execute(
                update(Channel).where(Channel.id == channel.id).values(credentials="v1.gone.AAAA")
            )
            workspace_id = channel.workspace_id
        await store_payloads(
            inbox_server.db, [Incoming(workspace_id, uuid.UUID(broken), _update(1, 3001, "lost?"))]
        )

    inbox_server.run(break_and_store())
    answer = client.post(
        f"/hooks/telegram/{healthy}", content=_update(2, 3002, "fine"), headers=headers
    )
    assert answer.status_code == 200

    wait_until(lambda: bool(dead_letters(inbox_server, broken)), WAIT, "the dead letter")
    [letter] = dead_letters(inbox_server, broken)
    assert letter.reason.startswith("processing failed 2 times")
    assert b"lost?" in letter.body
    [row] = inbox_rows(inbox_server, broken)
    assert (row.state, row.attempts) == ("dead", 2)
    assert [m["text"] for m in wait_messages(owner, healthy, 1)] == ["fine"]
