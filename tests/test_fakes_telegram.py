"""The Telegram Bot API fake over real HTTP: methods, encodings, errors, long polling,
webhook delivery and faults."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from relaydesk.testing.fakes import TelegramControl, running_fake, running_receiver
from relaydesk.testing.fakes import telegram_updates as tu
from tests.harness import free_port

TOKEN = "123456:AAE-fake_token"
BOT_ID = 123456
ANN = tu.user(42, "Ann")
ANN_CHAT = tu.private_chat(42, "Ann")


@dataclass
class Tg:
    base_url: str
    control: TelegramControl
    http: httpx.Client

    def call(self, method: str, token: str = TOKEN, **kwargs: Any) -> httpx.Response:
        return self.http.post(f"/bot{token}/{method}", **kwargs)

    def ok(self, method: str, **kwargs: Any) -> Any:
        response = self.call(method, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] is True
        return body["result"]

    def error(self, method: str, status: int, **kwargs: Any) -> dict[str, Any]:
        response = self.call(method, **kwargs)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        assert body["ok"] is False
        assert body["error_code"] == status
        return body


@pytest.fixture
def tg() -> Iterator[Tg]:
    with (
        running_fake("telegram") as fake,
        TelegramControl(fake.base_url) as control,
        httpx.Client(base_url=fake.base_url, timeout=10) as http,
    ):
        control.add_bot(TOKEN, username="relay_bot")
        control.configure(retry={"attempts": 3, "base_delay": 0.05})
        yield Tg(fake.base_url, control, http)


def _text_from_ann(tg: Tg, text: str = "hello") -> dict[str, Any]:
    return tg.control.inject(BOT_ID, tu.text(ANN_CHAT, ANN, text))[0]


# -- auth, routing, encodings ---------------------------------------------------------------


def test_get_me_and_auth_errors(tg: Tg) -> None:
    me = tg.ok("getMe")
    assert me["id"] == BOT_ID
    assert me["is_bot"] is True
    assert me["username"] == "relay_bot"
    assert tg.http.get(f"/bot{TOKEN}/getme").json()["ok"] is True  # names are case-insensitive
    assert tg.error("getMe", 401, token="123456:wrong")["description"] == "Unauthorized"
    assert tg.error("getMe", 401, token="999:AAE-unknown")["description"] == "Unauthorized"
    assert tg.error("noSuchMethod", 404)["description"] == "Not Found"


def test_parameters_in_query_form_json_and_multipart(tg: Tg) -> None:
    _text_from_ann(tg)
    texts = []
    response = tg.http.get(f"/bot{TOKEN}/sendMessage", params={"chat_id": 42, "text": "query"})
    texts.append(response.json()["result"]["text"])
    texts.append(tg.ok("sendMessage", data={"chat_id": "42", "text": "form"})["text"])
    texts.append(tg.ok("sendMessage", json={"chat_id": 42, "text": "json"})["text"])
    multipart = tg.ok(
        "sendMessage",
        data={"chat_id": "42", "text": "multipart"},
        files={"unused": ("x.txt", b"x", "text/plain")},
    )
    texts.append(multipart["text"])
    assert texts == ["query", "form", "json", "multipart"]
    assert [s["message"]["text"] for s in tg.control.sent(BOT_ID)] == texts
    ids = [s["message_id"] for s in tg.control.sent(BOT_ID)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 4


def test_send_message_reply_and_errors(tg: Tg) -> None:
    inbound = _text_from_ann(tg)["message"]
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    sent = tg.ok(
        "sendMessage",
        data={
            "chat_id": "42",
            "text": "reply",
            "reply_parameters": json.dumps({"message_id": inbound["message_id"]}),
            "reply_markup": json.dumps(markup),
        },
    )
    assert sent["reply_to_message"]["text"] == "hello"
    assert sent["reply_markup"] == markup
    assert sent["chat"]["id"] == 42
    assert sent["from"]["id"] == BOT_ID
    legacy = tg.ok("sendMessage", json={"chat_id": 42, "text": "r", "reply_to_message_id": 1})
    assert legacy["reply_to_message"]["message_id"] == 1
    missing = {"chat_id": 42, "text": "r", "reply_parameters": {"message_id": 999}}
    assert tg.error("sendMessage", 400, json=missing)["description"] == (
        "Bad Request: message to be replied not found"
    )
    lenient = {
        **missing,
        "reply_parameters": {"message_id": 999, "allow_sending_without_reply": True},
    }
    assert "reply_to_message" not in tg.ok("sendMessage", json=lenient)
    empty = tg.error("sendMessage", 400, json={"chat_id": 42, "text": " "})
    assert empty["description"] == "Bad Request: message text is empty"
    long = tg.error("sendMessage", 400, json={"chat_id": 42, "text": "x" * 4097})
    assert long["description"] == "Bad Request: message is too long"
    unknown = tg.error("sendMessage", 400, json={"chat_id": 7, "text": "x"})
    assert unknown["description"] == "Bad Request: chat not found"
    no_chat = tg.error("sendMessage", 400, json={"text": "x"})
    assert no_chat["description"] == "Bad Request: chat_id is empty"


def test_photo_and_document_upload_file_id_url_and_download(tg: Tg) -> None:
    _text_from_ann(tg)
    photo = tg.ok(
        "sendPhoto",
        data={"chat_id": "42", "caption": "look"},
        files={"photo": ("cat.jpg", b"\xff\xd8jpeg-bytes", "image/jpeg")},
    )
    assert photo["caption"] == "look"
    file_id = photo["photo"][-1]["file_id"]
    again = tg.ok("sendPhoto", data={"chat_id": "42", "photo": file_id})
    assert again["photo"][-1]["file_id"] == file_id
    # aiogram names uploads attach://<part>
    document = tg.ok(
        "sendDocument",
        data={"chat_id": "42", "document": "attach://file10"},
        files={"file10": ("report.pdf", b"%PDF-1.4 report", "application/pdf")},
    )["document"]
    assert document["file_name"] == "report.pdf"
    assert document["mime_type"] == "application/pdf"
    info = tg.ok("getFile", data={"file_id": document["file_id"]})
    assert info["file_size"] == len(b"%PDF-1.4 report")
    assert info["file_path"]
    download = tg.http.get(f"/file/bot{TOKEN}/{info['file_path']}")
    assert download.status_code == 200
    assert download.content == b"%PDF-1.4 report"
    # by URL: the fake fetches it (here its own download URL)
    by_url = tg.ok(
        "sendDocument",
        data={"chat_id": "42", "document": f"{tg.base_url}/file/bot{TOKEN}/{info['file_path']}"},
    )["document"]
    fetched = tg.ok("getFile", data={"file_id": by_url["file_id"]})
    assert tg.http.get(f"/file/bot{TOKEN}/{fetched['file_path']}").content == b"%PDF-1.4 report"

    assert tg.error("sendPhoto", 400, data={"chat_id": "42"})["description"] == (
        "Bad Request: there is no photo in the request"
    )
    wrong = tg.error("sendPhoto", 400, data={"chat_id": "42", "photo": "nope"})
    assert wrong["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    mismatch = tg.error("sendPhoto", 400, data={"chat_id": "42", "photo": document["file_id"]})
    assert mismatch["description"] == "Bad Request: type of file mismatch"
    bad_url = tg.error(
        "sendDocument", 400, data={"chat_id": "42", "document": f"{tg.base_url}/missing"}
    )
    assert bad_url["description"] == "Bad Request: failed to get HTTP URL content"
    assert tg.error("getFile", 400, data={"file_id": "nope"})["description"] == (
        "Bad Request: invalid file_id"
    )
    assert tg.http.get(f"/file/bot{TOKEN}/documents/none").status_code == 404
    assert tg.http.get(f"/file/bot999:x/{info['file_path']}").status_code == 404


def test_injected_photo_can_be_fetched(tg: Tg) -> None:
    stored = tg.control.add_file(BOT_ID, b"\xff\xd8pic", kind="photo")
    update = tg.control.inject(BOT_ID, tu.message(ANN_CHAT, ANN, photo=stored["photo"]))[0]
    file_id = update["message"]["photo"][0]["file_id"]
    path = tg.ok("getFile", data={"file_id": file_id})["file_path"]
    assert tg.http.get(f"/file/bot{TOKEN}/{path}").content == b"\xff\xd8pic"


# -- getUpdates -------------------------------------------------------------------------------


def test_get_updates_offsets_limit_and_negative_offset(tg: Tg) -> None:
    for n in range(5):
        _text_from_ann(tg, f"m{n}")
    first = tg.ok("getUpdates", data={"limit": "2"})
    assert [u["message"]["text"] for u in first] == ["m0", "m1"]
    assert tg.ok("getUpdates", data={"limit": "2"}) == first  # not confirmed yet
    rest = tg.ok("getUpdates", data={"offset": str(first[-1]["update_id"] + 1)})
    assert [u["message"]["text"] for u in rest] == ["m2", "m3", "m4"]
    last = tg.ok("getUpdates", data={"offset": "-1"})
    assert [u["message"]["text"] for u in last] == ["m4"]
    assert tg.ok("getUpdates", data={"offset": str(last[0]["update_id"] + 1)}) == []
    ids = [u["update_id"] for u in first + rest]
    assert ids == list(range(ids[0], ids[0] + 5))


def test_allowed_updates_filter(tg: Tg) -> None:
    tg.ok("getUpdates", json={"allowed_updates": ["callback_query"]})
    _text_from_ann(tg)
    tg.control.inject(BOT_ID, tu.callback_query(ANN, "data-1"))
    updates = tg.ok("getUpdates")
    assert [list(u)[1] for u in updates] == ["callback_query"]


def test_long_poll_waits_and_wakes_on_update(tg: Tg) -> None:
    started = time.monotonic()
    assert tg.ok("getUpdates", data={"timeout": "1"}) == []
    assert time.monotonic() - started >= 0.9

    results: list[Any] = []

    def poll() -> None:
        results.append(tg.ok("getUpdates", data={"timeout": "20"}))

    poller = threading.Thread(target=poll)
    poller.start()
    tg.control.wait_for(
        lambda: tg.control.bot(BOT_ID), lambda b: b["polls_waiting"] == 1, what="a waiting poll"
    )
    woken = time.monotonic()
    _text_from_ann(tg, "wake")
    poller.join(15)
    assert not poller.is_alive()
    assert time.monotonic() - woken < 5  # answered on arrival, not at the 20 s timeout
    assert [u["message"]["text"] for u in results[0]] == ["wake"]


def test_second_get_updates_terminates_the_first(tg: Tg) -> None:
    results: list[httpx.Response] = []

    def poll() -> None:
        results.append(tg.call("getUpdates", data={"timeout": "20"}))

    first = threading.Thread(target=poll)
    first.start()
    tg.control.wait_for(
        lambda: tg.control.bot(BOT_ID), lambda b: b["polls_waiting"] == 1, what="a waiting poll"
    )
    second = tg.call("getUpdates", data={"timeout": "0"})
    assert second.status_code == 200
    first.join(10)
    assert results[0].status_code == 409
    assert (
        results[0]
        .json()["description"]
        .startswith("Conflict: terminated by other getUpdates request")
    )


# -- webhooks ---------------------------------------------------------------------------------


def test_webhook_push_with_secret_and_conflict(tg: Tg) -> None:
    with running_receiver() as receiver:
        result = tg.call(
            "setWebhook", data={"url": receiver.url, "secret_token": "s3cr3t-_Token"}
        ).json()
        assert result == {"ok": True, "result": True, "description": "Webhook was set"}
        update = _text_from_ann(tg, "pushed")
        posts = tg.control.wait_for(receiver.posts, lambda p: len(p) == 1, what="a push")
        assert posts[0].headers["x-telegram-bot-api-secret-token"] == "s3cr3t-_Token"
        assert posts[0].headers["content-type"] == "application/json"
        assert json.loads(posts[0].body) == update
        conflict = tg.error("getUpdates", 409)
        assert conflict["description"].startswith("Conflict: can't use getUpdates method")
        info = tg.ok("getWebhookInfo")
        assert info["url"] == receiver.url
        assert info["pending_update_count"] == 0
        assert tg.call("deleteWebhook").json()["description"] == "Webhook was deleted"
        _text_from_ann(tg, "polled")
        assert [u["message"]["text"] for u in tg.ok("getUpdates")] == ["polled"]
    bad = tg.error("setWebhook", 400, data={"url": "http://x", "secret_token": "no spaces"})
    assert bad["description"] == "Bad Request: secret token contains unallowed characters"


def test_webhook_retries_in_order_then_gives_up(tg: Tg) -> None:
    with running_receiver(script=[500, 502]) as receiver:
        tg.ok("setWebhook", data={"url": receiver.url})
        _text_from_ann(tg, "one")
        _text_from_ann(tg, "two")
        posts = tg.control.wait_for(receiver.posts, lambda p: len(p) == 4, what="4 posts")
        texts = [json.loads(p.body)["message"]["text"] for p in posts]
        assert texts == ["one", "one", "one", "two"]  # retried, and "two" waited its turn
        deliveries = tg.control.wait_for(
            tg.control.deliveries, lambda d: len(d) == 4, what="4 journalled deliveries"
        )
        assert [d["attempt"] for d in deliveries] == [1, 2, 3, 1]
        assert [d["status"] for d in deliveries] == [500, 502, 200, 200]

        receiver.script.extend([500, 500, 500])
        _text_from_ann(tg, "lost")
        _text_from_ann(tg, "after")
        posts = tg.control.wait_for(receiver.posts, lambda p: len(p) == 8, what="8 posts")
        assert json.loads(posts[-1].body)["message"]["text"] == "after"
        info = tg.control.wait_for(
            lambda: tg.ok("getWebhookInfo"), lambda i: i["pending_update_count"] == 0
        )
        assert info["last_error_message"] == "Wrong response from the webhook: 500"


def test_webhook_faults_duplicate_bad_and_missing_secret(tg: Tg) -> None:
    with running_receiver() as receiver:
        tg.ok("setWebhook", data={"url": receiver.url, "secret_token": "good"})
        tg.control.fault("duplicate_delivery")
        tg.control.fault("bad_secret")
        _text_from_ann(tg, "dup")
        posts = tg.control.wait_for(receiver.posts, lambda p: len(p) == 2, what="2 posts")
        assert posts[0].body == posts[1].body
        assert posts[0].headers["x-telegram-bot-api-secret-token"] == "wrong-good"
        assert posts[1].headers["x-telegram-bot-api-secret-token"] == "good"
        tg.control.fault("missing_secret")
        _text_from_ann(tg, "bare")
        posts = tg.control.wait_for(receiver.posts, lambda p: len(p) == 3, what="3 posts")
        assert "x-telegram-bot-api-secret-token" not in posts[2].headers


def test_set_webhook_drop_pending_updates(tg: Tg) -> None:
    _text_from_ann(tg, "old")
    with running_receiver() as receiver:
        tg.ok("setWebhook", data={"url": receiver.url, "drop_pending_updates": "true"})
        _text_from_ann(tg, "new")
        posts = tg.control.wait_for(receiver.posts, lambda p: len(p) == 1, what="a push")
        assert json.loads(posts[0].body)["message"]["text"] == "new"


# -- faults on calls --------------------------------------------------------------------------


def test_rate_limit_fault(tg: Tg) -> None:
    _text_from_ann(tg)
    tg.control.fault("rate_limit", retry_after=2, method="sendMessage")
    assert tg.ok("getMe")  # other methods unaffected
    body = tg.error("sendMessage", 429, json={"chat_id": 42, "text": "x"})
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 2",
        "parameters": {"retry_after": 2},
    }
    assert tg.ok("sendMessage", json={"chat_id": 42, "text": "x"})["text"] == "x"
    assert len(tg.control.sent(BOT_ID)) == 1


def test_server_error_faults_json_and_html_for_n_calls(tg: Tg) -> None:
    tg.control.fault("server_error", status=500, times=2)
    for _ in range(2):
        assert tg.error("getMe", 500)["description"] == "Internal Server Error"
    assert tg.ok("getMe")
    tg.control.fault("server_error", status=502, body="html")
    response = tg.call("getMe")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>502 Bad Gateway</h1>" in response.text


def test_stall_longer_than_client_timeout(tg: Tg) -> None:
    _text_from_ann(tg)
    tg.control.fault("stall", seconds=1.5)
    with pytest.raises(httpx.ReadTimeout):
        tg.http.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": 42, "text": "slow"}, timeout=0.3)
    # The stalled call was processed after all: a client that retries sends a duplicate.
    sent = tg.control.wait_sent(BOT_ID, 1)
    assert sent[0]["message"]["text"] == "slow"
    tg.control.fault("stall", seconds=0.2, process=False)
    assert tg.call("sendMessage", json={"chat_id": 42, "text": "dropped"}).status_code == 504
    assert len(tg.control.sent(BOT_ID)) == 1


def test_custom_error_fault_and_unknown_kind(tg: Tg) -> None:
    tg.control.fault("error", error_code=403, description="Forbidden: bot was blocked by the user")
    assert tg.error("getMe", 403)["description"] == "Forbidden: bot was blocked by the user"
    response = tg.http.post("/_control/faults", json={"kind": "meteor"})
    assert response.status_code == 422


# -- chats, groups, membership ----------------------------------------------------------------


def test_blocked_user_and_migrated_group(tg: Tg) -> None:
    _text_from_ann(tg)
    bot = tg.ok("getMe")
    tg.control.inject(BOT_ID, tu.my_chat_member(ANN_CHAT, ANN, bot, "kicked"))
    blocked = tg.error("sendMessage", 403, json={"chat_id": 42, "text": "x"})
    assert blocked["description"] == "Forbidden: bot was blocked by the user"

    group = tg_group = tu.group_chat(-100, "Team")
    tg.control.inject(BOT_ID, tu.text(group, ANN, "hi group"))
    tg.control.inject(BOT_ID, *tu.migrate(tg_group, ANN, -1001234))
    moved = tg.error("sendMessage", 400, json={"chat_id": -100, "text": "x"})
    assert moved["parameters"] == {"migrate_to_chat_id": -1001234}
    assert moved["description"] == "Bad Request: group chat was upgraded to a supergroup chat"
    assert tg.ok("sendMessage", json={"chat_id": -1001234, "text": "x"})["chat"]["type"] == (
        "supergroup"
    )


def test_group_admin_methods(tg: Tg) -> None:
    chat = tu.group_chat(-1009, "Crew", supergroup=True)
    bob, cid = tu.user(7, "Bob"), -1009
    tg.control.inject(BOT_ID, tu.new_members(chat, ANN, [bob, tu.user(8, "Cy")]))
    posted = tg.control.inject(BOT_ID, tu.text(chat, ANN, "rules"))[0]["message"]
    assert tg.ok("getChatMemberCount", data={"chat_id": str(cid)}) == 4  # Ann, Bob, Cy, bot
    tg.control.inject(BOT_ID, tu.left_member(chat, tu.user(8, "Cy"), tu.user(8, "Cy")))
    assert tg.ok("getChatMemberCount", data={"chat_id": str(cid)}) == 3
    full = tg.ok("getChat", data={"chat_id": str(cid)})
    assert full["title"] == "Crew"
    assert full["type"] == "supergroup"

    link = tg.ok(
        "createChatInviteLink",
        data={
            "chat_id": str(cid),
            "name": "spring",
            "member_limit": "10",
            "expire_date": "1999999999",
        },
    )
    assert link["invite_link"].startswith("https://t.me/+")
    assert link["member_limit"] == 10
    assert link["name"] == "spring"
    assert link["creator"]["id"] == BOT_ID
    both = {"chat_id": cid, "member_limit": 5, "creates_join_request": True}
    assert tg.error("createChatInviteLink", 400, json=both)
    assert tg.error("createChatInviteLink", 400, json={"chat_id": cid, "name": "x" * 33})

    assert tg.ok("banChatMember", json={"chat_id": cid, "user_id": 7, "until_date": 0}) is True
    permissions = {"can_send_messages": False}
    assert (
        tg.ok(
            "restrictChatMember",
            data={"chat_id": str(cid), "user_id": "8", "permissions": json.dumps(permissions)},
        )
        is True
    )
    assert (
        tg.ok("pinChatMessage", json={"chat_id": cid, "message_id": posted["message_id"]}) is True
    )
    assert tg.ok("getChat", json={"chat_id": cid})["pinned_message"]["text"] == "rules"
    assert tg.error("pinChatMessage", 400, json={"chat_id": cid, "message_id": 999})
    actions = [a["action"] for a in tg.control.actions(BOT_ID)]
    assert actions == ["invite_link", "ban", "restrict", "pin"]

    plain = tu.group_chat(-55, "Old style")
    tg.control.inject(BOT_ID, tu.text(plain, ANN, "x"))
    only_super = tg.error(
        "restrictChatMember", 400, json={"chat_id": -55, "user_id": 42, "permissions": permissions}
    )
    assert only_super["description"] == "Bad Request: method is available only for supergroups"
    _text_from_ann(tg)
    private = tg.error("banChatMember", 400, json={"chat_id": 42, "user_id": 42})
    assert "private" in private["description"]


def test_callback_query_answer_once(tg: Tg) -> None:
    update = tg.control.inject(BOT_ID, tu.callback_query(ANN, "pick"))[0]
    query_id = update["callback_query"]["id"]
    assert tg.ok("answerCallbackQuery", data={"callback_query_id": query_id, "text": "ok"})
    again = tg.error("answerCallbackQuery", 400, data={"callback_query_id": query_id})
    assert "query ID is invalid" in again["description"]


def test_edited_message_keeps_its_id(tg: Tg) -> None:
    original = _text_from_ann(tg, "frist")["message"]
    edit = tg.control.inject(BOT_ID, tu.edited(ANN_CHAT, ANN, original["message_id"], "first"))
    edited = edit[0]["edited_message"]
    assert edited["message_id"] == original["message_id"]
    assert edited["edit_date"] > 0


@pytest.mark.parametrize("kind", ["telegram", "whatsapp"])
def test_serve_fake_blocks_and_serves(kind: str) -> None:
    """`serve_fake` (behind `relaydesk fake KIND --port N`) in a process of its own."""
    port = free_port()
    code = (
        f"from relaydesk.testing.fakes import serve_fake; serve_fake({kind!r}, '127.0.0.1', {port})"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    path = (
        "/bot777:AAH-any_token/getMe"
        if kind == "telegram"
        else "/v23.0/100000000000001?access_token=fake-access-token"
    )

    def answer() -> httpx.Response | None:
        assert process.poll() is None, "serve_fake exited"
        try:
            return httpx.get(base + path, timeout=1)
        except httpx.TransportError:
            return None

    try:
        response = TelegramControl.wait_for(answer, lambda r: r is not None, 30, "serve_fake")
        assert response is not None
        assert response.status_code == 200, response.text
    finally:
        process.terminate()
        process.wait(30)
