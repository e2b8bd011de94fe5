"""Attachments: upload, download, limits, use in messages, tenant isolation."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Account, assert_problem, signup
from tests.harness import Server
from tests.messaging import api_channel, inbound


def _upload(
    account: Account, data: bytes, filename: str = "photo.png", content_type: str = "image/png"
) -> httpx.Response:
    return account.request(
        "POST", account.ws("/attachments"), files={"file": (filename, data, content_type)}
    )


def _stored_files(server: Server) -> list[Path]:
    root = server.settings.data_dir / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _send(account: Account, conversation: str, **body: Any) -> httpx.Response:
    return account.request("POST", account.ws(f"/conversations/{conversation}/messages"), json=body)


def test_upload_and_download_round_trip(server: Server, owner: Account) -> None:
    # Binary content with every byte value, CR/LF runs and a boundary-like line.
    data = bytes(range(256)) + b"\r\n--boundary\r\n\r\n" + os.urandom(200_000)
    uploaded = _upload(owner, data, filename="../../etc/报告 v1.png")
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["filename"] == "报告 v1.png"
    assert body["message_id"] is None

    downloaded = owner.request("GET", owner.ws(f"/attachments/{body['id']}"))
    assert downloaded.status_code == 200
    assert downloaded.content == data
    assert downloaded.headers["content-type"] == "image/png"
    disposition = downloaded.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A%20v1.png" in disposition
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    root = (server.settings.data_dir / "attachments").resolve()
    stored = [p for p in _stored_files(server) if p.name == body["sha256"]]
    assert len(stored) == 1
    assert stored[0].resolve().is_relative_to(root)

    again = _upload(owner, data, filename="copy.png")
    assert again.json()["id"] != body["id"]
    assert len([p for p in _stored_files(server) if p.name == body["sha256"]]) == 1


@pytest.fixture(scope="module")
def small_limit_server(make_server: Callable[..., Server]) -> Server:
    return make_server(
        attachment_max_bytes=1024, attachment_allowed_types=["image/*", "text/plain"]
    )


def test_bad_uploads_store_nothing(small_limit_server: Server) -> None:
    with small_limit_server.client() as c:
        owner = signup(c)
        too_big = _upload(owner, b"x" * 1025, filename="a.txt", content_type="text/plain")
        assert_problem(too_big, 413, "attachments.too_large")
        way_too_big = _upload(owner, b"x" * 100_000, filename="a.txt", content_type="text/plain")
        assert_problem(way_too_big, 413, "attachments.too_large")
        html = _upload(owner, b"<script>", filename="x.html", content_type="text/html")
        assert_problem(html, 415, "attachments.type_not_allowed")
        pdf = _upload(owner, b"%PDF", filename="x.pdf", content_type="application/pdf")
        assert_problem(pdf, 415, "attachments.type_not_allowed")
        no_file = owner.request("POST", owner.ws("/attachments"), data={"note": "x"})
        assert_problem(no_file, 422, "attachments.file_required")
        as_json = owner.request("POST", owner.ws("/attachments"), json={"file": "x"})
        assert_problem(as_json, 422, "attachments.file_required")
        assert _stored_files(small_limit_server) == []
        exactly = _upload(owner, b"y" * 1024, filename="ok.txt", content_type="text/plain")
        assert exactly.status_code == 201, exactly.text
        gif = _upload(owner, b"GIF89a", filename="x.gif", content_type="image/gif")
        assert gif.status_code == 201, gif.text
        assert len(_stored_files(small_limit_server)) == 2


def test_messages_reference_uploads(owner: Account) -> None:
    channel = api_channel(owner)
    conversation = inbound(owner, channel)["conversation_id"]
    image = _upload(owner, b"\x89PNG fake").json()
    pdf = _upload(owner, b"%PDF-1.7", filename="invoice.pdf", content_type="application/pdf")
    pdf_id = pdf.json()["id"]

    mismatch = _send(owner, conversation, type="image", attachment_ids=[pdf_id])
    assert_problem(mismatch, 422, "attachments.type_mismatch")
    unknown = _send(owner, conversation, type="file", attachment_ids=[str(uuid.uuid4())])
    assert_problem(unknown, 404, "not_found")
    sent = _send(
        owner, conversation, type="image", text="your receipt", attachment_ids=[image["id"]]
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["text"] == "your receipt"
    assert [a["id"] for a in message["payload"]["attachments"]] == [image["id"]]
    assert message["payload"]["attachments"][0]["content_type"] == "image/png"
    reused = _send(owner, conversation, type="image", attachment_ids=[image["id"]])
    assert_problem(reused, 409, "attachments.in_use")
    file_message = _send(owner, conversation, type="file", attachment_ids=[pdf_id])
    assert file_message.status_code == 201, file_message.text

    recalled = owner.request(
        "POST", owner.ws(f"/conversations/{conversation}/messages/{message['id']}/recall")
    )
    assert recalled.json()["payload"] == {}
    assert_problem(owner.request("GET", owner.ws(f"/attachments/{image['id']}")), 404, "not_found")


def test_inbound_media_on_the_api_channel(owner: Account) -> None:
    channel = api_channel(owner)
    upload = _upload(owner, b"\x89PNG from the customer").json()
    path = owner.ws(f"/channels/{channel}/inbound")
    received = owner.request(
        "POST",
        path,
        json={
            "external_id": "in-media-1",
            "contact": {"external_id": "c1"},
            "type": "image",
            "attachments": [
                {"attachment_id": upload["id"]},
                {
                    "url": "https://cdn.example.com/a.jpg",
                    "filename": "a.jpg",
                    "content_type": "image/jpeg",
                    "size": 10,
                },
            ],
        },
    )
    assert received.status_code == 200, received.text
    conversation = received.json()["conversation_id"]
    message = owner.request("GET", owner.ws(f"/conversations/{conversation}/messages")).json()[
        "items"
    ][0]
    assert message["type"] == "image"
    entries = message["payload"]["attachments"]
    assert [e["id"] for e in entries] == [upload["id"], None]
    assert entries[1]["url"] == "https://cdn.example.com/a.jpg"
    attached = owner.request("GET", owner.ws(f"/attachments/{upload['id']}"))
    assert attached.status_code == 200
    bad = [
        {
            "type": "image",
            "attachments": [
                {"url": "ftp://x/a.jpg", "filename": "a", "content_type": "image/jpeg"}
            ],
        },
        {"type": "image", "attachments": [{"url": "https://x/a.jpg"}]},
        {"type": "image", "attachments": []},
        {"type": "image", "attachments": [{"attachment_id": upload["id"], "url": "https://x/a"}]},
        {"type": "template", "template": {"name": "x", "language": "en"}},
    ]
    for extra in bad:
        response = owner.request(
            "POST",
            path,
            json={"external_id": uuid.uuid4().hex, "contact": {"external_id": "c2"}, **extra},
        )
        assert_problem(response, 422, "validation_failed")
    in_use = owner.request(
        "POST",
        path,
        json={
            "external_id": "in-media-2",
            "contact": {"external_id": "c3"},
            "type": "image",
            "attachments": [{"attachment_id": upload["id"]}],
        },
    )
    assert_problem(in_use, 409, "attachments.in_use")
    conversations = owner.request("GET", owner.ws("/conversations")).json()["items"]
    assert len(conversations) == 1  # nothing stored for refused messages


def test_other_workspaces_attachments_are_not_found(owner: Account, client: httpx.Client) -> None:
    stranger = signup(client, "stranger")
    theirs = _upload(stranger, b"\x89PNG private").json()
    assert_problem(owner.request("GET", owner.ws(f"/attachments/{theirs['id']}")), 404, "not_found")
    conversation = inbound(owner, api_channel(owner))["conversation_id"]
    stolen = _send(owner, conversation, type="image", attachment_ids=[theirs["id"]])
    assert_problem(stolen, 404, "not_found")
    assert stranger.request("GET", stranger.ws(f"/attachments/{theirs['id']}")).status_code == 200
