"""`relaydesk demo`: RelayDesk with a demo workspace, a fake Telegram bot and a fake WhatsApp
number, and simulated customers, all in one process on 127.0.0.1 (docs/demo.md)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table

from relaydesk.demo import workspace as demo
from relaydesk.demo.script import CUSTOMERS, Customer
from relaydesk.demo.simulator import Simulator
from relaydesk.domains.channels.actions import webhook_url
from relaydesk.domains.channels.schemas import ChannelType
from relaydesk.settings import Settings, load_settings
from relaydesk.testing.fakes import TelegramControl, WhatsAppControl
from relaydesk.testing.fakes.server import ThreadServer, make_fake, start_in_thread

LOOPBACK = "127.0.0.1"
GRAPH_VERSION = "v23.0"


class DemoError(Exception):
    """The demo cannot start; the message says what to change."""


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path
    host: str = LOOPBACK
    port: int = 8000
    telegram_port: int = 0  # 0: a free port
    whatsapp_port: int = 0
    duration: float | None = None  # None: until interrupted
    pace: float | None = None  # None: 3-8 s between simulated messages, jittered


def demo_settings(options: DemoOptions) -> Settings:
    """The demo's own settings: its data directory, SQLite in it, no Redis, a secret key and
    credentials key kept beside the data. Whatever the shell's RELAYDESK_* variables say,
    the demo never touches another database."""
    data_dir = options.data_dir.resolve()
    # The fakes call our webhooks on the loopback address, whatever address is bound.
    reach = LOOPBACK if options.host in ("0.0.0.0", "::", "localhost") else options.host  # noqa: S104
    return load_settings(
        env="development",
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'relaydesk.db'}",
        secret_key="",
        credentials_keys="",
        redis_url="",
        host=options.host,
        port=options.port,
        public_url=f"http://{reach}:{options.port}",
        log_level="WARNING",
        log_format="console",
        executor_id="demo",
        # Customers see an agent's reply within a second, as people expect.
        outbound_poll_seconds=1.0,
    )


def _bind(host: str, port: int, what: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise DemoError(f"cannot listen on {host}:{port} for {what}: {exc.strerror}") from None
    return sock


def _start_fake(kind: str, port: int) -> ThreadServer:
    options = {"accept_any_token": True} if kind == "telegram" else {}
    try:
        return start_in_thread(make_fake(kind, **options).app(), LOOPBACK, port)
    except OSError as exc:
        raise DemoError(
            f"cannot start the {kind} fake on {LOOPBACK}:{port}: {exc.strerror}"
        ) from None


def run_demo(options: DemoOptions, out: Console) -> None:
    """Set everything up, serve until interrupted or `options.duration` passes, then stop
    the simulator and the fakes. Raises `DemoError` when a port or the data dir is unusable."""
    from relaydesk.api.app import create_app
    from relaydesk.db.migrate import upgrade
    from relaydesk.observability.logging import configure_logging

    settings = demo_settings(options)
    configure_logging(settings.log_level, settings.log_format.value)
    listener = _bind(options.host, options.port, "RelayDesk")
    fakes: list[ThreadServer] = []
    simulator: Simulator | None = None
    try:
        upgrade(settings.database)
        fakes.append(telegram := _start_fake("telegram", options.telegram_port))
        fakes.append(whatsapp := _start_fake("whatsapp", options.whatsapp_port))
        with TelegramControl(telegram.base_url) as tg, WhatsAppControl(whatsapp.base_url) as wa:
            tg.add_bot(demo.BOT_TOKEN, demo.BOT_USERNAME)
            wa.add_phone_number(
                demo.PHONE_NUMBER_ID,
                access_token=demo.ACCESS_TOKEN,
                app_secret=demo.APP_SECRET,
                verify_token=demo.VERIFY_TOKEN,
                display_phone_number=demo.DISPLAY_NUMBER,
            )
            found = asyncio.run(
                demo.ensure_demo_workspace(
                    settings,
                    telegram_api=telegram.base_url,
                    whatsapp_api=f"{whatsapp.base_url}/{GRAPH_VERSION}",
                )
            )
            # As an operator does in Meta's dashboard: the callback URL for the number.
            callback = webhook_url(
                ChannelType.whatsapp_cloud, found.whatsapp_channel_id, settings.base_url
            )
            wa.add_phone_number(
                demo.PHONE_NUMBER_ID,
                access_token=demo.ACCESS_TOKEN,
                app_secret=demo.APP_SECRET,
                callback_url=callback,
            )
            simulator = Simulator(
                telegram=tg,
                whatsapp=wa,
                bot_id=demo.BOT_ID,
                phone_number_id=demo.PHONE_NUMBER_ID,
                pace=options.pace,
                report=_reporter(out),
            )

            def started() -> None:
                _summary(out, settings, options, found, telegram, whatsapp, callback)
                assert simulator is not None
                simulator.start()

            asyncio.run(_serve(create_app(settings), listener, options.duration, started))
            simulator.stop()
    finally:
        if simulator is not None:
            simulator.stop()
        for fake in fakes:
            fake.stop()
        listener.close()


async def _serve(
    app: FastAPI, listener: socket.socket, duration: float | None, started: Callable[[], None]
) -> None:
    from relaydesk.realtime.transport import RealtimeWebSocketProtocol

    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",
        ws=RealtimeWebSocketProtocol,
        ws_ping_interval=None,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:
        if serving.done():
            await serving  # raises what stopped it
            raise DemoError("the server stopped while starting")
        await asyncio.sleep(0.05)
    started()
    done, _ = await asyncio.wait({serving}, timeout=duration)
    if not done:
        server.should_exit = True
    await serving


def _reporter(out: Console) -> Callable[[Customer, str], None]:
    def report(customer: Customer, text: str) -> None:
        where = "Telegram" if customer.channel == "telegram" else "WhatsApp"
        out.print(
            f"[dim]{time.strftime('%H:%M:%S')}[/]  [cyan]{where:<8}[/]  "
            f"[bold]{customer.display_name}[/]: {text}",
            highlight=False,
        )

    return report


def _summary(
    out: Console,
    settings: Settings,
    options: DemoOptions,
    found: demo.DemoWorkspace,
    telegram: ThreadServer,
    whatsapp: ThreadServer,
    callback: str,
) -> None:
    base = settings.base_url
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    grid.add_row("RelayDesk", base)
    grid.add_row("API docs", f"{base}/api/v1/docs")
    grid.add_row("Log in", f"{demo.DEMO_EMAIL}  password: {demo.DEMO_PASSWORD}")
    state = "created" if found.created else "reused"
    grid.add_row(
        "Workspace",
        f"{demo.DEMO_WORKSPACE} ({found.workspace_id}), {state}, data in {settings.data_dir}",
    )
    hook = webhook_url(ChannelType.telegram, found.telegram_channel_id, base)
    grid.add_row(
        "Telegram",
        f"{demo.TELEGRAM_CHANNEL} @{demo.BOT_USERNAME} ({found.telegram_status}): fake Bot API "
        f"{telegram.base_url}, webhook {hook}",
    )
    grid.add_row(
        "WhatsApp",
        f"{demo.WHATSAPP_CHANNEL} +{demo.DISPLAY_NUMBER} ({found.whatsapp_status}): fake Cloud "
        f"API {whatsapp.base_url}/{GRAPH_VERSION}, callback {callback}, verify token "
        f"{demo.VERIFY_TOKEN}",
    )
    pace = f"every {options.pace:g} s" if options.pace is not None else "every 3-8 s"
    stop = (
        f"Stops by itself after {options.duration:g} s."
        if options.duration is not None
        else "Press Ctrl+C to stop; run it again to pick up where you left off."
    )
    out.print()
    out.print("[bold green]RelayDesk demo is running[/] — everything stays on this machine.")
    out.print(grid)
    out.print()
    out.print(
        f"{len(CUSTOMERS)} simulated customers, whose names end in “(demo)”, write in Chinese "
        f"and English {pace} through the fake Telegram bot and WhatsApp number; each message "
        "takes the real webhook path into conversations (GET "
        f"{base}/api/v1/workspaces/{found.workspace_id}/conversations, or the WebSocket "
        "at /api/v1/ws). Reply to one (POST …/conversations/{id}/messages) and the "
        "customer writes back; WhatsApp replies turn sent → delivered → read.",
        highlight=False,
    )
    out.print(stop, highlight=False)
    out.print()
