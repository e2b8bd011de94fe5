"""Helpers for outbound tests on the fakes: a Telegram or WhatsApp account whose webhooks reach
the test server, inbound messages through them, uploads and replies through the API."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from relaydesk.testing.fakes import TelegramControl, WhatsAppControl, running_fake
from tests.conftest import Account, signup
from tests.harness import Server, wait_until
from tests.messaging import new_bot_token, telegram_channel, whatsapp_channel

WAIT = 15.0


@dataclass
class TelegramAccount:
    owner: Account
    control: TelegramControl
    channel_id: str
    bot_id: int
    token: str
    base_url: str

    def bot_api(self, method: str, **params: Any) -> Any:
        """A Bot API call of our own to the fake (to read back what the bot sent)."""
        answer = httpx.post(f"{self.base_url}/bot{self.token}/{method}", json=params, timeout=5)
        body = answer.json()
        assert body["ok"], body
        return body["result"]

    def file_bytes(self, file_id: str) -> bytes:
        path = self.bot_api("getFile", file_id=file_id)["file_path"]
        answer = httpx.get(f"{self.base_url}/file/bot{self.token}/{path}", timeout=5)
        assert answer.status_code == 200
        return answer.content


@dataclass
class WhatsAppAccount:
    owner: Account
    control: WhatsAppControl
    channel_id: str
    phone: str
    access_token: str
    graph_url: str

    def media_bytes(self, media_id: str) -> bytes:
        """What the fake holds under an uploaded media id, read as a Graph client would."""
        auth = {"Authorization": f"Bearer {self.access_token}"}
        info = httpx.get(f"{self.graph_url}/{media_id}", headers=auth, timeout=5).json()
        answer = httpx.get(info["url"], headers=auth, timeout=5)
        assert answer.status_code == 200
        return answer.content


@contextmanager
def telegram_account(server: Server) -> Iterator[TelegramAccount]:
    """A bot on a fresh Telegram fake, its webhook set to the server."""
    with (
        running_fake("telegram") as fake,
        TelegramControl(fake.base_url) as control,
        server.client() as client,
    ):
        bot_id, token = new_bot_token(control)
        owner = signup(client)
        channel_id = telegram_channel(owner, fake.base_url, token, name="Support bot")["id"]
        yield TelegramAccount(owner, control, channel_id, bot_id, token, fake.base_url)


@contextmanager
def whatsapp_account(server: Server) -> Iterator[WhatsAppAccount]:
    """A phone number on a fresh WhatsApp fake, its callback URL set to the server."""
    phone = str(100_000_000_200_000 + secrets.randbelow(10**6))
    access, app_secret = "wa-access-token-out", "wa-app-secret-out"
    with (
        running_fake("whatsapp") as fake,
        WhatsAppControl(fake.base_url) as control,
        server.client() as client,
    ):
        control.add_phone_number(phone, access_token=access, app_secret=app_secret)
        owner = signup(client)
        graph_url = f"{fake.base_url}/v23.0"
        channel_id = whatsapp_channel(
            owner, graph_url, phone, access, app_secret, "wa-verify-token-out"
        )["id"]
        control.add_phone_number(
            phone,
            access_token=access,
            app_secret=app_secret,
            callback_url=f"{server.base_url}/hooks/whatsapp/{channel_id}",
        )
        yield WhatsAppAccount(owner, control, channel_id, phone, access, graph_url)


def conversations_of(owner: Account, channel_id: str) -> list[dict[str, Any]]:
    items = owner.request("GET", owner.ws("/conversations"), params={"limit": 100}).json()["items"]
    return [c for c in items if c["channel_id"] == channel_id]


def messages(owner: Account, conversation_id: str) -> list[dict[str, Any]]:
    answer = owner.request(
        "GET", owner.ws(f"/conversations/{conversation_id}/messages"), params={"limit": 200}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def wait_inbound(owner: Account, channel_id: str, external_id: str) -> dict[str, Any]:
    """The stored inbound message the channel's webhook brought in as `external_id`."""
    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        for conversation in conversations_of(owner, channel_id):
            for item in messages(owner, conversation["id"]):
                if item["external_id"] == external_id:
                    found.append(item)
                    return True
        return False

    wait_until(arrived, WAIT, f"inbound message {external_id}")
    return found[0]


def upload(account: Account, data: bytes, filename: str, content_type: str) -> str:
    answer = account.request(
        "POST", account.ws("/attachments"), files={"file": (filename, data, content_type)}
    )
    assert answer.status_code == 201, answer.text
    attachment_id: str = answer.json()["id"]
    return attachment_id


def send(account: Account, conversation_id: str, **body: Any) -> httpx.Response:
    return account.request(
        "POST", account.ws(f"/conversations/{conversation_id}/messages"), json=body
    )


def reply(account: Account, conversation_id: str, **body: Any) -> dict[str, Any]:
    sent = send(account, conversation_id, **body)
    assert sent.status_code == 201, sent.text
    result: dict[str, Any] = sent.json()
    return result


def wait_status(
    account: Account, conversation_id: str, message_id: str, *statuses: str
) -> dict[str, Any]:
    """Wait for the message to reach one of `statuses` (failing at once if it failed
    instead); the message as it then is."""
    seen: list[dict[str, Any]] = []

    def reached() -> bool:
        item = next(m for m in messages(account, conversation_id) if m["id"] == message_id)
        seen[:] = [item]
        assert item["status"] != "failed" or "failed" in statuses, item["error"]
        return item["status"] in statuses

    wait_until(reached, WAIT, f"message {message_id} to be {' or '.join(statuses)}")
    return seen[0]
