"""`relaydesk serve`'s WebSocket transport: the gateway served ahead of the router, with
per-message compression that keeps no zlib state between messages."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import httpx

from relaydesk.realtime.transport import _Flag, _Inbox
from tests.conftest import signup
from tests.harness import TEST_SECRET, serve_process, throwaway_database
from tests.messaging import api_channel, inbound
from tests.realtime_client import connected, events, texts


def test_relaydesk_serve_compresses_frames_without_context_takeover(tmp_path: Path) -> None:
    with throwaway_database(tmp_path) as url:
        env = {
            **os.environ,
            "RELAYDESK_DATABASE_URL": url.render_as_string(hide_password=False),
            "RELAYDESK_SECRET_KEY": TEST_SECRET,
            "RELAYDESK_LOG_FORMAT": "console",
        }
        with (
            serve_process(env, tmp_path / "data") as base,
            httpx.Client(base_url=base, timeout=30) as http,
        ):
            owner = signup(http)
            channel = api_channel(owner)
            with connected(base, owner) as rt:
                [extension] = rt.ws.protocol.extensions
                assert extension.name == "permessage-deflate"
                # Neither side keeps its compression context from one message to the next.
                assert extension.local_no_context_takeover  # type: ignore[attr-defined]
                assert extension.remote_no_context_takeover  # type: ignore[attr-defined]
                rt.subscribe(owner.workspace_id)
                long_text = "a long message, compressed on its own " * 40
                for _ in range(2):
                    inbound(owner, channel, long_text)
                frames = rt.until(lambda fs: texts(fs) == [long_text, long_text])
                rt.send("ping", id="p")
                pong = rt.until(lambda fs: bool(fs) and fs[-1]["type"] == "pong")[-1]
                assert pong["ref"] == "p"
    positions = [f["position"] for f in events(frames)]
    assert positions == sorted(set(positions))


def test_the_light_receive_queue_and_writable_flag_behave_as_asyncio_ones() -> None:
    async def scenario() -> None:
        inbox = _Inbox()
        assert inbox.empty()
        getter = asyncio.create_task(inbox.get())
        await asyncio.sleep(0)  # let it wait
        inbox.put_nowait("one")
        inbox.put_nowait("two")
        assert await getter == "one"
        assert not inbox.empty()
        assert await inbox.get() == "two"
        assert inbox.empty()

        writable = _Flag()
        assert await writable.wait()  # set: no wait
        writable.clear()
        waiting = [asyncio.create_task(writable.wait()) for _ in range(3)]
        await asyncio.sleep(0)
        assert not any(w.done() for w in waiting)
        waiting[0].cancel()  # a sender that gave up leaves nothing behind
        with contextlib.suppress(asyncio.CancelledError):
            await waiting[0]
        writable.set()
        assert await asyncio.gather(*waiting[1:]) == [True, True]
        assert writable.is_set()

    asyncio.run(scenario())
