"""A WebSocket client for realtime tests: real frames over a real socket, read with timeouts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import Account

Frame = dict[str, Any]
TIMEOUT = 10.0


class RealtimeClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    def send(self, frame_type: str, **fields: Any) -> None:
        self.ws.send(json.dumps({"v": 1, "type": frame_type, **fields}))

    def recv(self, timeout: float = TIMEOUT) -> Frame:
        frame: Frame = json.loads(self.ws.recv(timeout=timeout))
        return frame

    def next(self, frame_type: str, timeout: float = TIMEOUT, skip_pings: bool = True) -> Frame:
        """The next frame, which must be of `frame_type` (server pings are skipped)."""
        while True:
            frame = self.recv(timeout)
            if skip_pings and frame["type"] == "ping" and frame_type != "ping":
                continue
            assert frame["type"] == frame_type, frame
            return frame

    def until(self, done: Callable[[list[Frame]], bool], timeout: float = TIMEOUT) -> list[Frame]:
        """Collect frames (pings left out) until `done(frames)` holds."""
        deadline = time.monotonic() + timeout
        frames: list[Frame] = []
        while not done(frames):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"gave up after {timeout}s; got {frames}")
            frame = self.recv(remaining)
            if frame["type"] != "ping":
                frames.append(frame)
        return frames

    def subscribe(self, workspace_id: str, **fields: Any) -> Frame:
        """Subscribe; returns the `caught_up` frame (events before it are dropped)."""
        self.send("subscribe", id="sub", workspace_id=workspace_id, **fields)
        assert self.next("subscribed")["ref"] == "sub"
        frames = self.until(lambda fs: bool(fs) and fs[-1]["type"] in {"caught_up", "error"})
        return frames[-1]

    def closed_with(self, timeout: float = TIMEOUT) -> tuple[int, str]:
        """Read until the server closes; returns the close code and reason."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        except ConnectionClosed as closed:
            received = closed.rcvd
        else:
            raise TimeoutError("the server did not close the connection")
        if received is None:
            raise AssertionError("the connection dropped without a close frame")
        return received.code, received.reason


def ws_url(base_url: str, token: str | None = None) -> str:
    url = base_url.replace("http://", "ws://") + "/api/v1/ws"
    return f"{url}?token={token}" if token else url


@contextmanager
def realtime(base_url: str, token: str | None = None) -> Iterator[RealtimeClient]:
    with connect(ws_url(base_url, token), open_timeout=TIMEOUT, close_timeout=2) as ws:
        yield RealtimeClient(ws)


@contextmanager
def connected(base_url: str, account: Account) -> Iterator[RealtimeClient]:
    """Connected and welcomed as `account`."""
    with realtime(base_url, account.access_token) as client:
        client.next("welcome")
        yield client


def events(frames: list[Frame], event_type: str | None = None) -> list[Frame]:
    return [
        f
        for f in frames
        if f["type"] == "event" and (event_type is None or f["event_type"] == event_type)
    ]


def texts(frames: list[Frame]) -> list[str]:
    return [f["event"]["message"]["text"] for f in events(frames, "message.created")]


def sse_frames(lines: Iterator[str], done: Callable[[list[Frame]], bool]) -> list[Frame]:
    """Parse `text/event-stream` lines into frames (with their `id`) until `done(frames)`."""
    frames: list[Frame] = []
    current: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "data" in current:
                frame: Frame = json.loads(current["data"])
                frame["sse_event"] = current.get("event")
                frame["sse_id"] = current.get("id")
                frames.append(frame)
                if done(frames):
                    return frames
            current = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            current[name] = value.removeprefix(" ")
    raise AssertionError(f"the stream ended early; got {frames}")
