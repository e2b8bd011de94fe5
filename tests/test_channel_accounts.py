"""Channel accounts over real HTTP against the provider fakes: creation registers Telegram
webhooks, test connection, update, enable / disable, soft delete, masking, bad input."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from relaydesk.channels.telegram.parse import ALLOWED_UPDATES
from relaydesk.domains.channels import queries
from relaydesk.domains.channels.accounts import open_credentials
from relaydesk.domains.channels.models import Channel
from relaydesk.security.credentials import Sealer
from relaydesk.testing.fakes import TelegramControl, WhatsAppControl, running_fake
from tests.conftest import Account, assert_problem, join, signup
from tests.harness import Server
from tests.messaging import api_channel, inbound, new_bot_token, telegram_channel, whatsapp_channel

PHONE = "100000000000777"
WABA = "200000000000777"
WA_TOKEN = "wa-access-token-" + "x" * 24
WA_SECRET = "wa-app-secret-" + "y" * 24
WA_VERIFY = "wa-verify-token-" + "z" * 24


@dataclass
class Fakes:
    telegram: TelegramControl
    whatsapp: WhatsAppControl
    telegram_url: str
    whatsapp_url: str


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    with (
        running_fake("telegram") as tg,
        running_fake("whatsapp") as wa,
        TelegramControl(tg.base_url) as tg_control,
        WhatsAppControl(wa.base_url) as wa_control,
    ):
        wa_control.add_phone_number(
            PHONE,
            access_token=WA_TOKEN,
            app_secret=WA_SECRET,
            verify_token=WA_VERIFY,
            waba_id=WABA,
        )
        yield Fakes(tg_control, wa_control, tg.base_url, f"{wa.base_url}/v23.0")


def create_whatsapp(owner: Account, fakes: Fakes, access_token: str = WA_TOKEN) -> dict[str, Any]:
    """The account of the number the module's fake knows (its business account included)."""
    return whatsapp_channel(
        owner,
        fakes.whatsapp_url,
        PHONE,
        access_token,
        WA_SECRET,
        WA_VERIFY,
        name="Support line",
        business_account_id=WABA,
    )


def stored(server: Server, channel_id: str) -> dict[str, Any]:
    """The channel's opened credentials and config, read from the database."""

    async def load() -> dict[str, Any]:
        async with server.db.read("test_channel") as s:
            channel = await s.get(Channel, uuid.UUID(channel_id))
            assert channel is not None
            sealer: Sealer = server.app.state.sealer
            return open_credentials(sealer, channel)

    return server.run(load())


def channel_count(server: Server, account: Account) -> int:
    async def count() -> int:
        async with server.db.read("test_count") as s:
            n = await s.scalar(
                select(func.count())
                .select_from(Channel)
                .where(Channel.workspace_id == uuid.UUID(account.workspace_id))
            )
            return int(n or 0)

    return server.run(count())


def stop_polling(owner: Account, fakes: Fakes, channel_id: str, bot_id: int, token: str) -> None:
    """Delete a polling account and end the server's waiting getUpdates (a newer getUpdates
    ends it, as on Telegram), so no long poll holds the fake open when it stops."""
    assert owner.request("DELETE", owner.ws(f"/channels/{channel_id}")).status_code == 204

    def waiting() -> int:
        httpx.post(f"{fakes.telegram_url}/bot{token}/getUpdates", json={"timeout": 0}, timeout=5)
        polls: int = fakes.telegram.bot(bot_id)["polls_waiting"]
        return polls

    fakes.telegram.wait_for(waiting, lambda n: n == 0, 10, "the server to stop polling")


def test_telegram_webhook_account_registers_its_webhook(
    server: Server, owner: Account, fakes: Fakes
) -> None:
    bot_id, token = new_bot_token(fakes.telegram)
    created = telegram_channel(owner, fakes.telegram_url, token)
    assert created["status"] == "connected", created
    assert created["mode"] == "webhook"
    assert created["credentials"] == {"bot_token": "••••" + token[-4:]}
    webhook_url = created["config"]["webhook_url"]
    assert webhook_url.endswith(f"/hooks/telegram/{created['id']}")
    bot = fakes.telegram.bot(bot_id)
    assert bot["webhook_url"] == webhook_url
    assert bot["secret_token"] == stored(server, created["id"])["secret_token"]
    assert set(bot["allowed_updates"]) == set(ALLOWED_UPDATES)
    tested = owner.request("POST", owner.ws(f"/channels/{created['id']}/test"))
    assert tested.status_code == 200, tested.text
    assert tested.json()["status"] == "connected"


def test_telegram_polling_account_removes_the_webhook(owner: Account, fakes: Fakes) -> None:
    bot_id, token = new_bot_token(fakes.telegram)
    created = telegram_channel(owner, fakes.telegram_url, token, mode="polling")
    assert created["status"] == "connected"
    assert created["mode"] == "polling"
    calls = [c for c in fakes.telegram.calls("deleteWebhook") if c.get("bot_id") == bot_id]
    assert [c["status"] for c in calls] == [200]
    assert fakes.telegram.calls("setWebhook") == [] or all(
        c.get("bot_id") != bot_id for c in fakes.telegram.calls("setWebhook")
    )
    assert fakes.telegram.bot(bot_id)["webhook_url"] == ""
    stop_polling(owner, fakes, created["id"], bot_id, token)


def test_a_provider_failure_keeps_the_account(owner: Account, fakes: Fakes) -> None:
    _, unknown = new_bot_token()  # not a bot the fake knows: 401, the credentials are broken
    broken = telegram_channel(owner, fakes.telegram_url, unknown)
    assert broken["status"] == "disconnected"
    assert broken["last_error"]
    assert unknown not in broken["last_error"]
    assert broken["last_error_at"] is not None

    bot_id, token = new_bot_token(fakes.telegram)
    fakes.telegram.fault("server_error", method="setWebhook", body="html")
    degraded = telegram_channel(owner, fakes.telegram_url, token)
    assert degraded["status"] == "degraded", degraded
    assert token not in degraded["last_error"]
    assert fakes.telegram.bot(bot_id)["webhook_url"] == ""
    # Reachable, but Telegram has no webhook for it: still degraded until registered.
    tested = owner.request("POST", owner.ws(f"/channels/{degraded['id']}/test")).json()
    assert tested["status"] == "degraded"
    again = owner.request(
        "PATCH", owner.ws(f"/channels/{degraded['id']}"), json={"mode": "webhook"}
    )
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "connected"
    assert fakes.telegram.bot(bot_id)["webhook_url"] == degraded["config"]["webhook_url"]


def test_a_new_bot_token_moves_the_webhook(server: Server, owner: Account, fakes: Fakes) -> None:
    old_id, old_token = new_bot_token(fakes.telegram)
    created = telegram_channel(owner, fakes.telegram_url, old_token)
    new_id, token = new_bot_token(fakes.telegram)
    patched = owner.request(
        "PATCH", owner.ws(f"/channels/{created['id']}"), json={"bot_token": token, "name": "New"}
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["name"] == "New"
    assert body["credentials"] == {"bot_token": "••••" + token[-4:]}
    assert stored(server, created["id"])["bot_token"] == token
    assert fakes.telegram.bot(new_id)["webhook_url"] == created["config"]["webhook_url"]
    assert fakes.telegram.bot(old_id)["webhook_url"] == ""
    # Polling from now on: the webhook goes.
    polling = owner.request(
        "PATCH", owner.ws(f"/channels/{created['id']}"), json={"mode": "polling"}
    )
    assert polling.json()["mode"] == "polling"
    assert fakes.telegram.bot(new_id)["webhook_url"] == ""
    stop_polling(owner, fakes, created["id"], new_id, token)


def test_whatsapp_account_test_and_new_token(server: Server, owner: Account, fakes: Fakes) -> None:
    wrong = "wrong-access-token-" + "q" * 20
    created = create_whatsapp(owner, fakes, access_token=wrong)
    assert created["status"] == "disconnected"
    assert created["credentials"] == {
        "access_token": "••••" + wrong[-4:],
        "app_secret": "••••" + WA_SECRET[-4:],
        "verify_token": "••••" + WA_VERIFY[-4:],
    }
    assert created["config"]["phone_number_id"] == PHONE
    assert created["config"]["business_account_id"] == WABA
    patched = owner.request(
        "PATCH", owner.ws(f"/channels/{created['id']}"), json={"access_token": WA_TOKEN}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "connected"
    assert patched.json()["credentials"]["access_token"] == "••••" + WA_TOKEN[-4:]
    values = stored(server, created["id"])
    assert (values["access_token"], values["app_secret"]) == (WA_TOKEN, WA_SECRET)
    tested = owner.request("POST", owner.ws(f"/channels/{created['id']}/test"))
    assert tested.json()["status"] == "connected"
    fakes.whatsapp.fault("server_error", method="node")
    tested = owner.request("POST", owner.ws(f"/channels/{created['id']}/test")).json()
    assert tested["status"] == "degraded"
    assert tested["last_error"]


def test_rate_limits_are_configurable(owner: Account, fakes: Fakes) -> None:
    channel = create_whatsapp(owner, fakes)
    assert "rate_limits" not in channel["config"]  # the provider's 80/s
    path = owner.ws(f"/channels/{channel['id']}")
    patched = owner.request("PATCH", path, json={"rate_limits": {"account": {"count": 20}}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["config"]["rate_limits"] == {"account": {"count": 20}}
    for bad in ({"account": {"count": 0}}, {"account": {"count": 5, "per": -1}}, {"x": {}}):
        refused = owner.request("PATCH", path, json={"rate_limits": bad})
        assert_problem(refused, 422, "validation_failed")
    assert owner.request("GET", path).json()["config"]["rate_limits"]["account"]["count"] == 20
    lifted = owner.request("PATCH", path, json={"rate_limits": None})
    assert "rate_limits" not in lifted.json()["config"]


def test_disable_and_enable(server: Server, owner: Account, fakes: Fakes) -> None:
    created = create_whatsapp(owner, fakes)
    channel_id = uuid.UUID(created["id"])
    assert server.run(queries.live_channel(server.db, channel_id)) is not None
    off = owner.request("PATCH", owner.ws(f"/channels/{channel_id}"), json={"enabled": False})
    assert off.status_code == 200, off.text
    assert off.json()["enabled"] is False
    assert server.run(queries.live_channel(server.db, channel_id)) is None
    live = server.run(queries.live_channels(server.db, "whatsapp_cloud"))
    assert channel_id not in {c.id for c in live}
    on = owner.request("PATCH", owner.ws(f"/channels/{channel_id}"), json={"enabled": True})
    assert on.json()["enabled"] is True
    assert server.run(queries.live_channel(server.db, channel_id)) is not None


def test_delete_keeps_conversations(server: Server, owner: Account, fakes: Fakes) -> None:
    bot_id, token = new_bot_token(fakes.telegram)
    telegram = telegram_channel(owner, fakes.telegram_url, token)
    deleted = owner.request("DELETE", owner.ws(f"/channels/{telegram['id']}"))
    assert deleted.status_code == 204, deleted.text
    assert fakes.telegram.bot(bot_id)["webhook_url"] == ""
    listed = owner.request("GET", owner.ws("/channels"), params={"limit": 200}).json()["items"]
    assert telegram["id"] not in {c["id"] for c in listed}
    for method, suffix in [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/test")]:
        kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "PATCH" else {}
        answer = owner.request(method, owner.ws(f"/channels/{telegram['id']}{suffix}"), **kwargs)
        assert_problem(answer, 404, "not_found")
    assert server.run(queries.live_channel(server.db, uuid.UUID(telegram["id"]))) is None

    channel_id = api_channel(owner)
    received = inbound(owner, channel_id, "before the channel went")
    assert owner.request("DELETE", owner.ws(f"/channels/{channel_id}")).status_code == 204
    conversation = owner.request("GET", owner.ws(f"/conversations/{received['conversation_id']}"))
    assert conversation.status_code == 200, conversation.text
    messages = owner.request(
        "GET", owner.ws(f"/conversations/{received['conversation_id']}/messages")
    ).json()["items"]
    assert [m["text"] for m in messages] == ["before the channel went"]
    actions = [
        e["action"]
        for e in owner.request("GET", owner.ws("/audit-events"), params={"limit": 200}).json()[
            "items"
        ]
        if e["target_id"] in (telegram["id"], channel_id)
    ]
    assert actions.count("channel.created") == 2
    assert actions.count("channel.deleted") == 2


def test_update_is_audited_without_values(owner: Account, fakes: Fakes) -> None:
    created = create_whatsapp(owner, fakes)
    new_secret = "another-app-secret-" + "s" * 20
    owner.request(
        "PATCH",
        owner.ws(f"/channels/{created['id']}"),
        json={"app_secret": new_secret, "name": "Renamed"},
    )
    events = owner.request(
        "GET", owner.ws("/audit-events"), params={"action": "channel.updated"}
    ).json()["items"]
    mine = [e for e in events if e["target_id"] == created["id"]]
    assert mine
    assert mine[0]["data"] == {"fields": ["app_secret", "name"]}
    assert new_secret not in json.dumps(events)


def test_no_secret_in_any_answer_or_log(
    server: Server, owner: Account, fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot_id, token = new_bot_token(fakes.telegram)
    _, bad_token = new_bot_token()
    other_secret = "rotated-app-secret-" + "r" * 20
    answers: list[httpx.Response] = []

    def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        answers.append(owner.request(method, owner.ws(path), **kwargs))
        return answers[-1]

    tg_body = {"type": "telegram", "name": "Bot", "bot_token": token}
    tg = call("POST", "/channels", json={**tg_body, "api_base_url": fakes.telegram_url}).json()
    call(
        "POST",
        "/channels",
        json={**tg_body, "bot_token": bad_token, "api_base_url": fakes.telegram_url},
    )
    wa = create_whatsapp(owner, fakes)
    fakes.telegram.fault(
        "error", method="getMe", error_code=401, description=f"Unauthorized {token}"
    )
    for channel_id in (tg["id"], wa["id"]):
        call("GET", f"/channels/{channel_id}")
        call("POST", f"/channels/{channel_id}/test")
    call("PATCH", f"/channels/{tg['id']}", json={"bot_token": token, "mode": "webhook"})
    call("PATCH", f"/channels/{wa['id']}", json={"app_secret": other_secret})
    call("PATCH", f"/channels/{wa['id']}", json={"bot_token": token})  # 422, not applicable
    call("POST", "/channels", json={**tg_body, "bot_token": token + "!"})  # 422
    call("GET", "/channels", params={"limit": 200})
    assert fakes.telegram.bot(bot_id)["webhook_url"]
    assert {a.status_code for a in answers} >= {200, 201, 422}
    secret_token = stored(server, tg["id"])["secret_token"]
    raw = [token, bad_token, WA_TOKEN, WA_SECRET, WA_VERIFY, other_secret, secret_token]
    text = "\n".join(a.text for a in answers)
    # uvicorn's access lines here are the fakes' (the provider's side sees the token in its
    # URL); ours name only /api/v1 paths.
    logs = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("uvicorn"))
    for secret in raw:
        assert secret not in text
        assert secret not in logs
    # The bot token's secret half alone does not leak either.
    assert token.split(":")[1] not in text + logs


def test_bad_input_is_refused_and_nothing_stored(server: Server, owner: Account) -> None:
    before = channel_count(server, owner)
    good = {"type": "telegram", "name": "Bot", "bot_token": "123:" + "A" * 30}
    bad_bodies = [
        {**good, "bot_token": "not-a-token"},
        {**good, "type": "carrier_pigeon"},
        {"type": "telegram", "name": "Bot"},
        {"type": "whatsapp_cloud", "name": "Line", "phone_number_id": "1"},
        {**good, "mode": "carrier"},
        {**good, "surprise": True},
    ]
    for body in bad_bodies:
        answer = owner.request("POST", owner.ws("/channels"), json=body)
        problem = assert_problem(answer, 422, "validation_failed")
        assert problem["errors"], problem
    channel_id = api_channel(owner)
    answer = owner.request(
        "PATCH", owner.ws(f"/channels/{channel_id}"), json={"bot_token": good["bot_token"]}
    )
    assert_problem(answer, 422, "channels.field_not_applicable")
    answer = owner.request("POST", owner.ws(f"/channels/{channel_id}/test"))
    assert_problem(answer, 409, "channels.wrong_type")
    assert channel_count(server, owner) == before + 1


def test_foreign_workspace_and_roles(client: httpx.Client, owner: Account, fakes: Fakes) -> None:
    created = create_whatsapp(owner, fakes)
    stranger = signup(client, "stranger")
    path = f"/channels/{created['id']}"
    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {"name": "mine"}),
        ("DELETE", "", None),
        ("POST", "/test", None),
        ("GET", "/templates", None),
        ("POST", "/templates/sync", None),
    ]:
        answer = stranger.request(method, stranger.ws(path + suffix), json=body)
        assert_problem(answer, 404, "not_found")
    agent = join(owner, "agent")
    answer = agent.request("PATCH", agent.ws(path), json={"enabled": False})
    assert_problem(answer, 403, "workspaces.permission_denied")
    assert owner.request("GET", owner.ws(path)).json()["enabled"] is True
