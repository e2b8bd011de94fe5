"""The dead-letter admin API: list, read and replay what the inbox could not process."""

from __future__ import annotations

import json
import uuid

import httpx

from relaydesk.testing.fakes import telegram_updates as tu
from tests.channels_inbound import (
    WAIT,
    all_messages,
    credentials,
    inbox_rows,
    wait_messages,
)
from tests.conftest import Account, assert_problem, join, signup
from tests.harness import Server, wait_until
from tests.messaging import new_bot_token, telegram_channel

FAKE_API = "http://127.0.0.1:9"  # never called: these tests only post webhooks


def _letters(owner: Account, **params: str) -> list[dict[str, object]]:
    response = owner.request("GET", owner.ws("/dead-letters"), params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def test_dead_letters_are_listed_read_and_replayed(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    channel_id = telegram_channel(owner, FAKE_API, new_bot_token()[1])["id"]
    headers = {"X-Telegram-Bot-Api-Secret-Token": credentials(server, channel_id)["secret_token"]}
    good = tu.text(tu.private_chat(4401), tu.user(4401), "kept")
    good["message"].update(message_id=1, date=1_800_000_000)
    bad = {"update_id": 2, "channel_post": {"chat": {"id": -5, "type": "channel"}}}
    body = json.dumps([{"update_id": 1, **good}, bad]).encode()
    assert client.post(f"/hooks/telegram/{channel_id}", content=body, headers=headers).is_success

    wait_until(lambda: bool(_letters(owner)), WAIT, "the dead letter")
    [letter] = _letters(owner, channel_id=channel_id)
    assert letter["item"] == bad
    assert letter["replay_count"] == 0
    assert letter["size"] == len(body)
    detail = owner.request("GET", owner.ws(f"/dead-letters/{letter['id']}"))
    assert detail.status_code == 200
    assert json.loads(detail.json()["body"]) == json.loads(body)
    wait_messages(owner, channel_id, 1)

    replayed = owner.request("POST", owner.ws(f"/dead-letters/{letter['id']}/replay"))
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["replay_count"] == 1
    assert replayed.json()["replayed_at"] is not None

    # The body is processed again: the good update stays one message, the bad item is a
    # dead letter again (nothing reads it yet).
    wait_until(lambda: len(_letters(owner)) == 2, WAIT, "the replay's dead letter")
    wait_until(
        lambda: [r.state for r in inbox_rows(server, channel_id)] == ["done", "done"],
        WAIT,
        "the replayed payload to be processed",
    )
    assert [m["text"] for m in all_messages(owner, channel_id)] == ["kept"]
    assert _letters(owner, channel_id=str(uuid.uuid4())) == []


def test_only_admins_see_dead_letters_and_other_workspaces_get_404(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    agent = join(owner, "agent")
    stranger = signup(client, "stranger")
    assert_problem(
        agent.request("GET", agent.ws("/dead-letters")), 403, "workspaces.permission_denied"
    )
    missing = owner.request("POST", owner.ws(f"/dead-letters/{uuid.uuid4()}/replay"))
    assert_problem(missing, 404, "not_found")
    foreign = stranger.request("GET", owner.ws("/dead-letters"))
    assert foreign.status_code == 404
