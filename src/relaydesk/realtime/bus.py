"""The bus between the publisher and the hubs: in-process, or Redis pub/sub between processes.

With Redis, the process that positions events publishes them on one channel and every
process's hub, its own included, receives them from there: each hub sees each event once.
Redis pub/sub may drop messages (a reconnect, a slow subscriber); the hub notices the gap
in positions and reads the missing events from the outbox, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

from relaydesk.events.published import PublishedEvent
from relaydesk.realtime.hub import Hub

log = logging.getLogger(__name__)

_CONNECT_TIMEOUT = 5.0
_SOCKET_TIMEOUT = 10.0
_POLL_TIMEOUT = 1.0
_RECONNECT_SECONDS = 1.0


class Bus(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, events: list[PublishedEvent]) -> None: ...
    async def publish_ephemeral(self, message: dict[str, Any]) -> None: ...


class LocalBus:
    """One process: hand events straight to the hub."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, events: list[PublishedEvent]) -> None:
        self._hub.receive(events)

    async def publish_ephemeral(self, message: dict[str, Any]) -> None:
        self._hub.receive_ephemeral(message)


class RedisBus:
    def __init__(self, hub: Hub, url: str, prefix: str) -> None:
        self._hub = hub
        self._channel = f"{prefix}:realtime"
        self._client: redis.Redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=_CONNECT_TIMEOUT,
            socket_timeout=_SOCKET_TIMEOUT,
            health_check_interval=30,
        )
        self._pubsub: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Subscribed before the publisher starts, so this process hears its own first events.
        await self._subscribe()
        self._task = asyncio.create_task(self._listen(), name="relaydesk-redis-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._close_pubsub()
        await self._client.aclose()

    async def publish(self, events: list[PublishedEvent]) -> None:
        body = {"kind": "events", "events": [e.to_wire() for e in events]}
        await self._client.publish(self._channel, json.dumps(body, separators=(",", ":")))

    async def publish_ephemeral(self, message: dict[str, Any]) -> None:
        body = {"kind": "ephemeral", "message": message}
        try:
            await self._client.publish(self._channel, json.dumps(body, separators=(",", ":")))
        except RedisError:
            log.warning("could not publish an ephemeral frame to Redis", exc_info=True)

    async def _subscribe(self) -> None:
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(self._channel)

    async def _close_pubsub(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()
            self._pubsub = None

    async def _listen(self) -> None:
        while True:
            try:
                if self._pubsub is None:
                    await self._subscribe()
                    self._hub.request_check()  # whatever was said meanwhile is in the outbox
                message = await self._pubsub.get_message(timeout=_POLL_TIMEOUT)
            except (RedisError, OSError):
                log.warning("Redis subscription lost; reconnecting", exc_info=True)
                await self._close_pubsub()
                await asyncio.sleep(_RECONNECT_SECONDS)
                continue
            if message is not None and message.get("type") == "message":
                self._dispatch(message["data"])

    def _dispatch(self, data: bytes | str) -> None:
        try:
            body = json.loads(data)
            if body["kind"] == "events":
                self._hub.receive([PublishedEvent.from_wire(e) for e in body["events"]])
            elif body["kind"] == "ephemeral":
                self._hub.receive_ephemeral(body["message"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed message on %s", self._channel)
