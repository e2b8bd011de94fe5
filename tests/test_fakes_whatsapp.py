"""The WhatsApp Cloud API fake over real HTTP: sends, templates, media, the 24-hour window,
signed webhooks with statuses, and faults."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from relaydesk.testing.fakes import Receiver, WhatsAppControl, running_fake, running_receiver
from relaydesk.testing.fakes import whatsapp_inbound as wi

PHONE = "106540352242922"
TOKEN = "EAAG-fake-token"
SECRET = "app-secret-1"
ANN = {"wa_id": "16505551234", "name": "Ann"}


@dataclass
class Wa:
    base_url: str
    control: WhatsAppControl
    http: httpx.Client
    receiver: Receiver

    def send(self, body: dict[str, Any], token: str = TOKEN) -> httpx.Response:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **body}
        return self.http.post(
            f"/v23.0/{PHONE}/messages", json=body, headers={"Authorization": f"Bearer {token}"}
        )

    def sent_ok(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.send(body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def error(self, response: httpx.Response, status: int, code: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        error: dict[str, Any] = response.json()["error"]
        assert error["code"] == code
        assert error["fbtrace_id"]
        assert error["type"]
        return error

    def payloads(self, count: int) -> list[dict[str, Any]]:
        posts = self.control.wait_for(
            self.receiver.posts, lambda p: len(p) >= count, what=f"{count} webhook posts"
        )
        return [json.loads(p.body) for p in posts]

    def statuses(self, count: int) -> list[dict[str, Any]]:
        def collect() -> list[dict[str, Any]]:
            return [
                s
                for p in self.payloads(0)
                for e in p["entry"]
                for c in e["changes"]
                for s in c["value"].get("statuses", [])
            ]

        return self.control.wait_for(collect, lambda s: len(s) >= count, what=f"{count} statuses")


@pytest.fixture
def wa() -> Iterator[Wa]:
    with (
        running_fake("whatsapp") as fake,
        running_receiver(verify_token="verify-me") as receiver,
        WhatsAppControl(fake.base_url) as control,
        httpx.Client(base_url=fake.base_url, timeout=10) as http,
    ):
        control.add_phone_number(
            PHONE,
            access_token=TOKEN,
            app_secret=SECRET,
            verify_token="verify-me",
            callback_url=receiver.url,
            display_phone_number="15550783881",
            waba_id="102290129340398",
        )
        control.configure(status_delay=0.01, retry={"attempts": 3, "base_delay": 0.05})
        yield Wa(fake.base_url, control, http, receiver)


def _open_window(wa: Wa, user: dict[str, Any] = ANN) -> None:
    wa.control.window(PHONE, user, True)


# -- sending ----------------------------------------------------------------------------------


def test_send_text_answer_and_record(wa: Wa) -> None:
    _open_window(wa)
    answer = wa.sent_ok(
        {
            "to": "+1 650-555-1234",
            "type": "text",
            "text": {"body": "Hi", "preview_url": False},
            "context": {"message_id": "wamid.abc"},
        }
    )
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"][0]["input"] == "+1 650-555-1234"
    assert answer["contacts"][0]["wa_id"] == "16505551234"
    assert answer["messages"][0]["id"].startswith("wamid.")
    sent = wa.control.sent(PHONE)
    assert len(sent) == 1
    assert sent[0]["id"] == answer["messages"][0]["id"]
    assert sent[0]["context"] == {"message_id": "wamid.abc"}
    assert sent[0]["type"] == "text"


def test_auth_errors(wa: Wa) -> None:
    body = {"to": "16505551234", "type": "text", "text": {"body": "x"}}
    assert wa.error(wa.send(body, token="nope"), 401, 190)["type"] == "OAuthException"
    no_token = wa.http.post(f"/v23.0/{PHONE}/messages", json=body)
    wa.error(no_token, 401, 190)
    wa.control.add_phone_number("999", access_token="other", app_secret="s")
    foreign = wa.http.post(
        "/v23.0/999/messages", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    error = wa.error(foreign, 400, 100)
    assert error["error_subcode"] == 33
    assert error["type"] == "GraphMethodException"
    unknown = wa.http.get("/nonsense/123", headers={"Authorization": f"Bearer {TOKEN}"})
    wa.error(unknown, 400, 2500)


def test_request_validation_errors(wa: Wa) -> None:
    _open_window(wa)
    missing_product = wa.http.post(
        f"/v23.0/{PHONE}/messages",
        json={"to": "16505551234", "text": {"body": "x"}},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert "messaging_product" in wa.error(missing_product, 400, 100)["message"]
    wa.error(wa.send({"type": "text", "text": {"body": "x"}}), 400, 100)  # no recipient
    wa.error(wa.send({"to": "16505551234", "type": "text", "text": {}}), 400, 100)
    wa.error(wa.send({"to": "16505551234", "type": "text", "text": {"body": "x" * 4097}}), 400, 100)
    bad_type = wa.error(wa.send({"to": "16505551234", "type": "hologram"}), 400, 100)
    assert "TEXT" in bad_type["error_data"]["details"]
    bad_media = wa.send({"to": "16505551234", "type": "image", "image": {"id": "404"}})
    wa.error(bad_media, 400, 100)
    wa.error(wa.send({"to": "16505551234", "type": "reaction", "reaction": {}}), 400, 100)
    wa.error(
        wa.send({"to": "16505551234", "type": "interactive", "interactive": {"type": "button"}}),
        400,
        100,
    )
    wa.error(wa.send({"to": "12", "type": "text", "text": {"body": "x"}}), 400, 100)
    assert wa.control.sent(PHONE) == []


def test_other_message_types_accepted(wa: Wa) -> None:
    _open_window(wa)
    media = wa.control.add_media(PHONE, b"jpeg", "image/jpeg")
    bodies: list[dict[str, Any]] = [
        {"type": "image", "image": {"id": media["id"], "caption": "c"}},
        {"type": "document", "document": {"link": "https://example.com/a.pdf"}},
        {"type": "reaction", "reaction": {"message_id": "wamid.x", "emoji": "👍"}},
        {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Pick"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]},
            },
        },
        {"type": "location", "location": {"latitude": 1.5, "longitude": 2.5}},
    ]
    for body in bodies:
        wa.sent_ok({"to": "16505551234", **body})
    assert [m["type"] for m in wa.control.sent(PHONE)] == [
        "image",
        "document",
        "reaction",
        "interactive",
        "location",
    ]


def test_templates_validated_and_listed(wa: Wa) -> None:
    wa.control.add_template(PHONE, "order_update", "Hi {{1}}, order {{2}} shipped")
    template = {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Ann"}, {"type": "text", "text": "42"}],
            }
        ],
    }
    answer = wa.sent_ok({"to": "16505551234", "type": "template", "template": template})
    assert answer["messages"][0]["message_status"] == "accepted"  # outside the window: fine

    short = {
        **template,
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ann"}]}],
    }
    error = wa.error(
        wa.send({"to": "16505551234", "type": "template", "template": short}), 400, 132000
    )
    assert error["error_data"]["details"].startswith("body: number of localizable_params (1)")
    unknown = {**template, "name": "nope"}
    wa.error(wa.send({"to": "16505551234", "type": "template", "template": unknown}), 404, 132001)
    listing = wa.http.get(
        "/v23.0/102290129340398/message_templates", headers={"Authorization": f"Bearer {TOKEN}"}
    ).json()
    assert [t["name"] for t in listing["data"]] == ["order_update"]


def test_send_to_business_scoped_user_id(wa: Wa) -> None:
    user = {
        "user_id": "US.13491208655302741918",
        "username": "@ann",
        "name": "Ann",
        "wa_id": "16505550000",
        "hide_phone": True,
    }
    inbound = wa.control.inbound(PHONE, user, wi.text("hi"))[0]
    assert "from" not in inbound
    assert inbound["from_user_id"] == user["user_id"]
    contact = wa.payloads(1)[0]["entry"][0]["changes"][0]["value"]["contacts"][0]
    assert contact == {
        "profile": {"name": "Ann", "username": "@ann"},
        "user_id": "US.13491208655302741918",
    }
    answer = wa.sent_ok({"recipient": user["user_id"], "type": "text", "text": {"body": "yo"}})
    assert answer["contacts"] == [{"input": user["user_id"], "user_id": user["user_id"]}]
    status = wa.statuses(1)[0]
    assert status["recipient_user_id"] == user["user_id"]
    assert "recipient_id" not in status
    wa.error(wa.send({"recipient": "US.000", "type": "text", "text": {"body": "x"}}), 400, 100)


# -- the 24-hour window -----------------------------------------------------------------------


def test_closed_window_fails_asynchronously_by_default(wa: Wa) -> None:
    answer = wa.sent_ok({"to": "16505551234", "type": "text", "text": {"body": "late"}})
    status = wa.statuses(1)[0]
    assert status["id"] == answer["messages"][0]["id"]
    assert status["status"] == "failed"
    assert status["errors"][0]["code"] == 131047
    assert "24 hours" in status["errors"][0]["error_data"]["details"]
    value = wa.payloads(1)[0]["entry"][0]["changes"][0]["value"]
    assert "contacts" not in value  # failed statuses carry none


def test_closed_window_synchronous_mode_and_reopening(wa: Wa) -> None:
    wa.control.configure(window_error="sync")
    body = {"to": "16505551234", "type": "text", "text": {"body": "late"}}
    error = wa.error(wa.send(body), 400, 131047)
    assert error["message"] == "(#131047) Re-engagement message"
    wa.control.inbound(PHONE, ANN, wi.text("I'm back"))
    assert wa.send(body).status_code == 200
    wa.control.fault("closed_window")
    wa.error(wa.send(body), 400, 131047)
    assert wa.send(body).status_code == 200
    wa.control.window(PHONE, ANN, False)
    wa.error(wa.send(body), 400, 131047)


# -- webhooks ---------------------------------------------------------------------------------


def test_verification_handshake(wa: Wa) -> None:
    result = wa.control.verify_webhook(PHONE)
    assert result["ok"] is True
    assert result["body"] == result["challenge"]
    get = next(r for r in wa.receiver.requests if r.method == "GET")
    assert get.query["hub.mode"] == "subscribe"
    assert get.query["hub.verify_token"] == "verify-me"
    wrong = wa.control.verify_webhook(PHONE, verify_token="guess")
    assert wrong["ok"] is False
    assert wrong["status"] == 403


def test_inbound_signed_over_raw_body(wa: Wa) -> None:
    sent = wa.control.inbound(PHONE, ANN, wi.text("Does it come in blue?"))[0]
    post = wa.control.wait_for(wa.receiver.posts, lambda p: len(p) == 1)[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), post.body, hashlib.sha256).hexdigest()
    assert post.headers["x-hub-signature-256"] == expected
    payload = json.loads(post.body)
    assert payload["object"] == "whatsapp_business_account"
    entry = payload["entry"][0]
    assert entry["id"] == "102290129340398"
    value = entry["changes"][0]["value"]
    assert entry["changes"][0]["field"] == "messages"
    assert value["metadata"] == {"display_phone_number": "15550783881", "phone_number_id": PHONE}
    assert value["contacts"][0]["wa_id"] == "16505551234"
    assert value["contacts"][0]["profile"] == {"name": "Ann"}
    assert value["messages"] == [sent]
    assert sent["from"] == "16505551234"
    assert sent["timestamp"].isdigit()


def test_all_inbound_types_in_one_post(wa: Wa) -> None:
    media = wa.control.add_media(PHONE, b"img", "image/jpeg")
    bob = {"wa_id": "447700900123", "name": "Bob"}
    messages = [
        wi.text("hi"),
        wi.media("image", media["id"], "image/jpeg", media["sha256"], caption="pic"),
        wi.media("document", media["id"], "application/pdf", media["sha256"], filename="a.pdf"),
        wi.media("audio", media["id"], "audio/ogg", media["sha256"], voice=True),
        wi.media("video", media["id"], "video/mp4", media["sha256"]),
        wi.media("sticker", media["id"], "image/webp", media["sha256"], animated=False),
        wi.location(52.5, 13.4, name="Office"),
        wi.reaction("wamid.x", "👍"),
        wi.reaction("wamid.x", ""),
        wi.button_reply("yes", "Yes", context_id="wamid.q"),
        wi.list_reply("row1", "Row 1"),
        wi.button("STOP", "Stop promotions"),
        wi.contacts("Cy", "+15550001"),
        wi.order(
            "cat1",
            [{"product_retailer_id": "sku", "quantity": 1, "item_price": 9.5, "currency": "EUR"}],
        ),
        wi.unsupported(),
        wi.request_welcome(),
        {**wi.text("from Bob"), "user": bob},
    ]
    wa.control.inbound(PHONE, ANN, *messages)
    value = wa.payloads(1)[0]["entry"][0]["changes"][0]["value"]
    types = [m["type"] for m in value["messages"]]
    assert types == [
        "text",
        "image",
        "document",
        "audio",
        "video",
        "sticker",
        "location",
        "reaction",
        "reaction",
        "interactive",
        "interactive",
        "button",
        "contacts",
        "order",
        "unsupported",
        "request_welcome",
        "text",
    ]
    assert [c["wa_id"] for c in value["contacts"]] == ["16505551234", "447700900123"]
    assert len({m["id"] for m in value["messages"]}) == len(messages)


def test_statuses_flow_and_out_of_order(wa: Wa) -> None:
    _open_window(wa)
    first = wa.sent_ok(
        {
            "to": "16505551234",
            "type": "text",
            "text": {"body": "one"},
            "biz_opaque_callback_data": "trk",
        }
    )["messages"][0]["id"]
    statuses = wa.statuses(3)
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert all(s["id"] == first and s["recipient_id"] == "16505551234" for s in statuses)
    assert statuses[0]["biz_opaque_callback_data"] == "trk"
    assert statuses[0]["pricing"]["category"] == "service"
    assert "conversation" in statuses[0]

    wa.control.fault("out_of_order")
    wa.sent_ok({"to": "16505551234", "type": "text", "text": {"body": "two"}})
    assert [s["status"] for s in wa.statuses(6)[3:]] == ["read", "delivered", "sent"]


def test_manual_statuses_and_failed_with_error(wa: Wa) -> None:
    wa.control.configure(auto_statuses=[])
    _open_window(wa)
    message_id = wa.sent_ok({"to": "16505551234", "type": "text", "text": {"body": "x"}})[
        "messages"
    ][0]["id"]
    wa.control.status(message_id, "read")
    wa.control.status(message_id, "failed", code=131026, title="Message undeliverable")
    statuses = wa.statuses(2)
    assert [s["status"] for s in statuses] == ["read", "failed"]
    assert statuses[1]["errors"][0]["code"] == 131026


def test_batched_payload_duplicates_and_signature_faults(wa: Wa) -> None:
    wa.control.configure(auto_statuses=["sent"])
    wa.control.fault("batch", count=3)
    wa.control.inbound(PHONE, ANN, wi.text("a"))
    wa.control.inbound(PHONE, {"wa_id": "447700900123", "name": "Bob"}, wi.text("b"))
    wa.sent_ok({"to": "16505551234", "type": "text", "text": {"body": "c"}})
    payload = wa.payloads(1)[0]
    changes = payload["entry"][0]["changes"]
    assert len(changes) == 2  # messages and statuses in separate changes of one entry
    assert [m["text"]["body"] for m in changes[0]["value"]["messages"]] == ["a", "b"]
    assert changes[1]["value"]["statuses"][0]["status"] == "sent"

    wa.control.fault("duplicate_delivery")
    wa.control.inbound(PHONE, ANN, wi.text("twice"))
    posts = wa.control.wait_for(wa.receiver.posts, lambda p: len(p) == 3)
    assert posts[1].body == posts[2].body

    wa.control.fault("bad_signature")
    wa.control.inbound(PHONE, ANN, wi.text("forged"))
    wa.control.fault("missing_signature")
    wa.control.inbound(PHONE, ANN, wi.text("unsigned"))
    posts = wa.control.wait_for(wa.receiver.posts, lambda p: len(p) == 5)
    good = "sha256=" + hmac.new(SECRET.encode(), posts[3].body, hashlib.sha256).hexdigest()
    assert posts[3].headers["x-hub-signature-256"] != good
    assert "x-hub-signature-256" not in posts[4].headers


def test_delivery_retried_on_non_2xx(wa: Wa) -> None:
    wa.receiver.script.extend([500, 503])
    wa.control.inbound(PHONE, ANN, wi.text("persist"))
    posts = wa.control.wait_for(wa.receiver.posts, lambda p: len(p) == 3)
    assert posts[0].body == posts[1].body == posts[2].body
    deliveries = wa.control.wait_for(wa.control.deliveries, lambda d: len(d) == 3)
    assert [d["status"] for d in deliveries] == [500, 503, 200]


def test_raw_payload_is_signed_as_given(wa: Wa) -> None:
    wa.control.post_webhook(PHONE, {"object": "whatsapp_business_account", "entry": []})
    post = wa.control.wait_for(wa.receiver.posts, lambda p: len(p) == 1)[0]
    assert json.loads(post.body) == {"object": "whatsapp_business_account", "entry": []}
    assert post.headers["x-hub-signature-256"].startswith("sha256=")


# -- media ------------------------------------------------------------------------------------


def test_media_upload_url_download_and_expiry(wa: Wa) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    upload = wa.http.post(
        f"/v23.0/{PHONE}/media",
        files={"file": ("pic.png", b"\x89PNG-bytes", "image/png")},
        data={"messaging_product": "whatsapp", "type": "image/png"},
        headers=auth,
    )
    assert upload.status_code == 200, upload.text
    media_id = upload.json()["id"]
    info = wa.http.get(f"/v23.0/{media_id}", headers=auth).json()
    assert info["mime_type"] == "image/png"
    assert info["file_size"] == len(b"\x89PNG-bytes")
    assert info["sha256"] == hashlib.sha256(b"\x89PNG-bytes").hexdigest()
    assert info["id"] == media_id
    assert httpx.get(info["url"], timeout=10).status_code == 401  # the token is required
    download = httpx.get(info["url"], headers=auth, timeout=10)
    assert download.status_code == 200
    assert download.content == b"\x89PNG-bytes"
    tampered = info["url"].replace("ext=", "ext=9")
    assert httpx.get(tampered, headers=auth, timeout=10).status_code == 404

    wa.control.configure(media_url_ttl=-1)
    expired = wa.http.get(f"/v23.0/{media_id}", headers=auth).json()["url"]
    assert httpx.get(expired, headers=auth, timeout=10).status_code == 404

    no_file = wa.http.post(
        f"/v23.0/{PHONE}/media",
        data={"messaging_product": "whatsapp"},
        files={"other": ("x", b"x")},
        headers=auth,
    )
    wa.error(no_file, 400, 100)
    assert wa.http.delete(f"/v23.0/{media_id}", headers=auth).json() == {"success": True}
    wa.error(wa.http.get(f"/v23.0/{media_id}", headers=auth), 400, 100)


# -- faults on calls --------------------------------------------------------------------------


def test_rate_limit_and_server_error_faults(wa: Wa) -> None:
    _open_window(wa)
    body = {"to": "16505551234", "type": "text", "text": {"body": "x"}}
    wa.control.fault("rate_limit", method="messages", times=2)
    for _ in range(2):
        error = wa.error(wa.send(body), 400, 130429)
        assert error["message"] == "(#130429) Rate limit hit"
    wa.control.fault("rate_limit", code=131056)
    wa.error(wa.send(body), 400, 131056)
    wa.control.fault("server_error", status=503, body="html")
    html = wa.send(body)
    assert html.status_code == 503
    assert html.headers["content-type"].startswith("text/html")
    wa.control.fault("server_error")
    assert wa.error(wa.send(body), 500, 131000)["is_transient"] is True
    wa.control.fault("error", code=131026, status=400)
    wa.error(wa.send(body), 400, 131026)
    assert wa.send(body).status_code == 200
    assert len(wa.control.sent(PHONE)) == 1
    faulted = [c["fault"] for c in wa.control.calls("messages") if c["fault"]]
    assert faulted == [
        "rate_limit",
        "rate_limit",
        "rate_limit",
        "server_error",
        "server_error",
        "error",
    ]


def test_stall_fault(wa: Wa) -> None:
    _open_window(wa)
    wa.control.fault("stall", seconds=1.0)
    body = {
        "messaging_product": "whatsapp",
        "to": "16505551234",
        "type": "text",
        "text": {"body": "slow"},
    }
    with pytest.raises(httpx.ReadTimeout):
        wa.http.post(
            f"/v23.0/{PHONE}/messages",
            json=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=0.3,
        )
    wa.control.wait_for(
        lambda: wa.control.sent(PHONE),
        lambda s: len(s) == 1,
        what="the stalled send to be processed",
    )
