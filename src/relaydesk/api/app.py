"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from relaydesk import __version__
from relaydesk.api import automation_hooks, hooks, ops, problems, web
from relaydesk.api.middleware import RequestContextMiddleware
from relaydesk.api.v1 import router as v1_router
from relaydesk.channels.inbound import InboxWorker, TelegramPoller
from relaydesk.channels.outbound.pipeline import OutboundPipeline
from relaydesk.db import Database
from relaydesk.db.database import create_engine
from relaydesk.domains.automation.engine.service import AutomationEngine
from relaydesk.domains.conversations.actions import InboundGroupCommit
from relaydesk.realtime.asgi import GatewayMiddleware
from relaydesk.realtime.runtime import Realtime
from relaydesk.security.credentials import Sealer
from relaydesk.settings import Settings, load_settings

DESCRIPTION = """
RelayDesk's REST API. Authenticate with `Authorization: Bearer <token>`, where the token is an
access token from `POST /api/v1/auth/login` or a workspace API key (`rdk_…`).

Errors are `application/problem+json` with a stable `code`. Lists are cursor-paginated:
pass `limit` and the previous page's `next_cursor` as `cursor`; `next_cursor` is null on the
last page. Every response carries `X-Request-ID`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database, pool_size=settings.db_pool_size, echo=settings.db_echo
        )
        app.state.db = Database(engine)
        app.state.inbound = InboundGroupCommit(app.state.db)
        app.state.realtime = Realtime(app.state.db, settings)
        app.state.outbound = OutboundPipeline(app.state.db, settings, app.state.sealer)
        app.state.channel_inbox = InboxWorker(app.state.db, app.state.sealer, settings)
        app.state.telegram_poller = TelegramPoller(app.state.db, app.state.sealer, settings)
        app.state.automation = AutomationEngine(app.state.db, settings)
        try:
            await app.state.realtime.start()
            await app.state.outbound.start()
            await app.state.channel_inbox.start()
            await app.state.telegram_poller.start()
            await app.state.automation.start()
            yield
        finally:
            await app.state.automation.stop()
            await app.state.telegram_poller.stop()
            await app.state.channel_inbox.stop()
            await app.state.outbound.stop()
            await app.state.realtime.stop()
            await app.state.db.dispose()

    app = FastAPI(
        title="RelayDesk",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sealer = Sealer.from_settings(settings)
    problems.install(app)
    # Inside the request context, ahead of the router: see realtime/asgi.py.
    app.add_middleware(GatewayMiddleware)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(ops.router)
    app.include_router(hooks.router)
    app.include_router(automation_hooks.router)
    app.include_router(v1_router)
    web.install(app, settings)  # the fallback for paths no router matched
    return app
