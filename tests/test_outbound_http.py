"""The outbound pipeline's HTTP client (httpx on aiohttp's connections) against real local
servers: what reaches the receiver, and the httpx error each kind of failure becomes."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from relaydesk.channels.outbound.http import sending_client


@contextmanager
def _http_server(handle: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            handle(self)

        def do_GET(self) -> None:
            handle(self)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _answer(handler: BaseHTTPRequestHandler, body: bytes, status: int = 200) -> None:
    handler.send_response(status)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("X-Receiver-Id", "r-1")
    handler.end_headers()
    handler.wfile.write(body)


async def _post(url: str, seconds: float = 5.0, **kwargs: Any) -> httpx.Response:
    async with sending_client(seconds, "RelayDesk-Test/1") as client:
        return await client.post(url, **kwargs)


def test_a_post_arrives_as_written_and_its_answer_reads_back() -> None:
    seen: list[tuple[str, list[tuple[str, str]], bytes]] = []

    def handle(h: BaseHTTPRequestHandler) -> None:
        body = h.rfile.read(int(h.headers["Content-Length"]))
        seen.append((h.path, list(h.headers.items()), body))
        _answer(h, '{"external_id": "外-1"}'.encode(), status=201)

    with _http_server(handle) as base:
        response = asyncio.run(
            _post(
                f"{base}/hook/a%7Eb%2fc?x=1&q=%E4%BD%A0",
                content='{"text": "您好"}'.encode(),
                headers={"Content-Type": "application/json", "X-RelayDesk-Signature": "sha256=ab"},
            )
        )
    assert response.status_code == 201
    assert response.json() == {"external_id": "外-1"}
    assert response.headers["x-receiver-id"] == "r-1"
    assert response.reason_phrase == "Created"
    [(path, headers, body)] = seen
    assert path == "/hook/a%7Eb%2fc?x=1&q=%E4%BD%A0"  # quoted once, by httpx
    assert body == '{"text": "您好"}'.encode()
    names = [name for name, _ in headers]
    # Names keep their case (a receiver reading headers into a plain dict finds them).
    assert "X-RelayDesk-Signature" in names
    assert dict(headers)["User-Agent"] == "RelayDesk-Test/1"
    assert dict(headers)["Content-Type"] == "application/json"
    assert names.count("Content-Type") == 1


def test_a_post_without_a_content_type_gets_none_added() -> None:
    seen: list[str | None] = []

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.rfile.read(int(h.headers["Content-Length"]))
        seen.append(h.headers.get("Content-Type"))
        _answer(h, b"")

    with _http_server(handle) as base:
        assert asyncio.run(_post(f"{base}/raw", content=b"\x00\x01")).status_code == 200
    assert seen == [None]


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(httpx.ConnectError):
            asyncio.run(_post(f"http://127.0.0.1:{port}/hook", content=b"{}"))


def test_a_close_without_an_answer_is_a_protocol_error_not_a_timeout() -> None:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.rfile.read(int(h.headers["Content-Length"]))
        h.close_connection = True  # and no answer at all

    with _http_server(handle) as base, pytest.raises(httpx.RemoteProtocolError) as raised:
        asyncio.run(_post(f"{base}/hook", content=b"{}"))
    assert not isinstance(raised.value, httpx.TimeoutException)


def test_no_answer_within_the_timeout_is_a_read_timeout() -> None:
    release = threading.Event()

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.rfile.read(int(h.headers["Content-Length"]))
        release.wait(10)  # answers only after the client gave up

    try:
        with _http_server(handle) as base, pytest.raises(httpx.ReadTimeout):
            asyncio.run(_post(f"{base}/hook", seconds=0.3, content=b"{}"))
    finally:
        release.set()


def test_a_malformed_answer_is_a_protocol_error_without_the_url() -> None:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.rfile.read(int(h.headers["Content-Length"]))
        h.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")
        h.close_connection = True

    with _http_server(handle) as base, pytest.raises(httpx.RemoteProtocolError) as raised:
        asyncio.run(_post(f"{base}/bot123:secret-token/sendMessage", content=b"{}"))
    assert "secret-token" not in str(raised.value)


def test_the_environment_s_proxy_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    requested: list[str] = []

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.rfile.read(int(h.headers.get("Content-Length") or 0))
        requested.append(h.path)  # a proxy is asked for the absolute URL
        _answer(h, b"{}")

    with _http_server(handle) as proxy:
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy)
        response = asyncio.run(_post("http://crm.example.invalid/hook", content=b"{}"))
    assert response.status_code == 200
    assert requested == ["http://crm.example.invalid/hook"]
