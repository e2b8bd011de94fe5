"""The realtime parts of one process, started and stopped with the application."""

from __future__ import annotations

from relaydesk.db import Database
from relaydesk.events.publisher import Publisher
from relaydesk.realtime.bus import Bus, LocalBus, RedisBus
from relaydesk.realtime.hub import Hub
from relaydesk.settings import Settings


class Realtime:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.hub = Hub(db, check_seconds=settings.outbox_poll_seconds)
        self.bus: Bus = (
            RedisBus(self.hub, settings.redis_url, settings.redis_prefix)
            if settings.redis_url
            else LocalBus(self.hub)
        )
        self.publisher = Publisher(
            db,
            self.bus.publish,
            poll_seconds=settings.outbox_poll_seconds,
            batch_size=settings.outbox_batch_size,
        )

    async def start(self) -> None:
        # Hub first (it learns the last position), then the bus, then the publisher, whose
        # first round publishes whatever a crash left behind.
        await self.hub.start()
        await self.bus.start()
        self.publisher.start()

    async def stop(self) -> None:
        await self.publisher.stop()
        await self.bus.stop()
        await self.hub.stop()
