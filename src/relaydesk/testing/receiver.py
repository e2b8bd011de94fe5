"""A local receiver of outbound posts (an API channel's `outbound_url`) for tests and
benchmarks: it answers every POST with 200 and records it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Post:
    idempotency_key: str | None
    body: bytes
    at: datetime


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 resets connections when a sender opens many at once.
    request_queue_size = 1024


@contextmanager
def receiver(
    before_answer: Callable[[], None] | None = None,
) -> Iterator[tuple[str, list[Post]]]:
    """(its URL on 127.0.0.1, the posts received so far, in arrival order). `before_answer`
    runs on the post's thread after it is recorded and before it is answered (a test's
    latency or gate)."""
    posts: list[Post] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as webhook receivers do: a connection per post would cost both sides.
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes: without this, Nagle's algorithm holds the
        # body until the client's delayed ACK (40 ms a post on Linux).
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                posts.append(Post(self.headers.get("Idempotency-Key"), body, datetime.now(UTC)))
            if before_answer is not None:
                before_answer()
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", posts
    finally:
        httpd.shutdown()
        httpd.server_close()
