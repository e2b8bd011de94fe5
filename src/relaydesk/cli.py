"""The `relaydesk` command."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from relaydesk import __version__
from relaydesk.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from relaydesk.domains.channels.actions import ResealReport
    from relaydesk.domains.contacts.schemas import ImportReport
    from relaydesk.security.credentials import Sealer

app = typer.Typer(
    name="relaydesk",
    help="RelayDesk: a self-hostable conversation CRM.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True, soft_wrap=True)


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        # One actionable line, no traceback: the operator fixes the environment and retries.
        console.print(f"[bold red]relaydesk: configuration error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None


def _migrate(settings: Settings) -> None:
    from relaydesk.db.migrate import upgrade

    try:
        upgrade(settings.database)
    except Exception as exc:
        target = settings.database.render_as_string(hide_password=True)
        console.print(
            f"[bold red]relaydesk: cannot migrate {target}:[/] {type(exc).__name__}: {exc}",
            highlight=False,
        )
        raise typer.Exit(1) from None


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def migrate() -> None:
    """Apply database migrations (safe to run more than once)."""
    settings = _settings()
    _migrate(settings)
    console.print(f"Database is up to date ({settings.database.get_backend_name()}).")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [RELAYDESK_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind [RELAYDESK_PORT].")] = None,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations before serving.")
    ] = True,
) -> None:
    """Serve the API (and, later, the gateway and workers) in this process."""
    import uvicorn

    from relaydesk.api.app import create_app
    from relaydesk.observability.logging import configure_logging
    from relaydesk.realtime.transport import RealtimeWebSocketProtocol
    from relaydesk.runtime.memory import freeze_startup_objects

    settings = _settings(host=host, port=port)
    configure_logging(settings.log_level, settings.log_format.value)
    if migrate_first:
        _migrate(settings)
    application = create_app(settings)
    freeze_startup_objects()
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        server_header=False,
        # Compression without per-connection zlib state (see realtime/transport.py); the
        # gateway's own ping/pong heartbeat and idle timeout replace protocol-level pings.
        ws=RealtimeWebSocketProtocol,
        ws_ping_interval=None,
    )


@app.command("create-workspace")
def create_workspace(
    email: Annotated[str, typer.Option(help="The owner's email.")],
    workspace_name: Annotated[str, typer.Option("--workspace", help="The workspace's name.")],
    name: Annotated[str | None, typer.Option(help="The owner's name (new accounts).")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="The owner's password; prompted for when not given.",
            envvar="RELAYDESK_OWNER_PASSWORD",
        ),
    ] = None,
) -> None:
    """Create a workspace and its owner from the command line."""
    from relaydesk.admin import create_workspace_with_owner

    settings = _settings()
    _migrate(settings)

    def ask_password() -> str:
        if password is not None:
            return password
        entered: str = typer.prompt("Owner password", hide_input=True, confirmation_prompt=True)
        return entered

    try:
        result = asyncio.run(
            create_workspace_with_owner(
                settings,
                email=email,
                name=name,
                workspace_name=workspace_name,
                ask_password=ask_password,
            )
        )
    except ValueError as exc:
        console.print(f"[bold red]relaydesk:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    console.print(result, highlight=False)


class FakeKind(StrEnum):
    telegram = "telegram"
    whatsapp = "whatsapp"


@app.command()
def fake(
    kind: Annotated[FakeKind, typer.Argument(help="Which provider to stand in for.")],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8081,
) -> None:
    """Run a fake Telegram Bot API or WhatsApp Cloud API for local development (docs/fakes.md).
    Point a channel's `api_base_url` at it."""
    from relaydesk.testing.fakes import serve_fake

    serve_fake(kind.value, host, port)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.", min=1, max=65535)] = 8000,
    data_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps its SQLite database and keys.")
    ] = Path(".relaydesk-demo"),
    duration: Annotated[
        float | None, typer.Option(help="Stop by itself after this many seconds.", min=1)
    ] = None,
    pace: Annotated[
        float | None,
        typer.Option(help="Seconds between simulated messages (default: 3-8, jittered).", min=0.1),
    ] = None,
    telegram_port: Annotated[
        int, typer.Option(help="Port of the fake Telegram Bot API (0: a free one).", min=0)
    ] = 0,
    whatsapp_port: Annotated[
        int, typer.Option(help="Port of the fake WhatsApp Cloud API (0: a free one).", min=0)
    ] = 0,
) -> None:
    """Run RelayDesk with a demo workspace, a fake Telegram bot, a fake WhatsApp number and
    simulated customers writing in Chinese and English; no account anywhere is needed. A
    second run reuses the workspace in --data-dir (docs/demo.md)."""
    from relaydesk.demo.runner import DemoError, DemoOptions, run_demo

    options = DemoOptions(
        data_dir=data_dir,
        host=host,
        port=port,
        telegram_port=telegram_port,
        whatsapp_port=whatsapp_port,
        duration=duration,
        pace=pace,
    )
    try:
        run_demo(options, Console(soft_wrap=True))
    except (DemoError, ConfigError) as exc:
        console.print(f"[bold red]relaydesk demo:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass
    console.print("Demo stopped.")


contacts_app = typer.Typer(
    name="contacts", help="Contacts: CSV import and export.", no_args_is_help=True
)
app.add_typer(contacts_app)
# The report lists this many failed rows; the full list goes to FILE.errors.csv.
_SHOWN_ERRORS = 100


@contacts_app.command("import")
def import_contacts(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A CSV file.")
    ],
    workspace: Annotated[uuid.UUID, typer.Option(help="The workspace's id.")],
) -> None:
    """Import contacts from a CSV file (the format of the API's import), as the system.

    Exits 0 when every row was imported, 1 otherwise; failed rows are listed and written to
    FILE.errors.csv, and the other rows are stored.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from relaydesk.domains.contacts.csv_io import errors_csv
    from relaydesk.errors import AppError

    settings = _settings()
    _migrate(settings)
    data = file.read_bytes()
    columns = (TextColumn("Importing {task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task(file.name, total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = asyncio.run(_import_contacts(settings, workspace, data, on_progress))
    except AppError as exc:
        console.print(f"[bold red]relaydesk:[/] {file}: {exc.detail}", highlight=False)
        raise typer.Exit(1) from None
    console.print(
        f"{file}: {report.created} created, {report.updated} updated, {report.failed} failed.",
        highlight=False,
    )
    if not report.errors:
        return
    for error in report.errors[:_SHOWN_ERRORS]:
        where = f"row {error.row}" + (f", {error.column}" if error.column else "")
        console.print(f"  {where}: {error.message}", highlight=False, markup=False)
    if len(report.errors) > _SHOWN_ERRORS:
        console.print(f"  … and {len(report.errors) - _SHOWN_ERRORS} more", highlight=False)
    errors_file = file.with_name(f"{file.name}.errors.csv")
    errors_file.write_text(errors_csv(report.errors), encoding="utf-8", newline="")
    console.print(f"Error report written to {errors_file}", highlight=False)
    raise typer.Exit(1)


@contacts_app.command("export")
def export_contacts(
    workspace: Annotated[uuid.UUID, typer.Option(help="The workspace's id.")],
    output: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write here instead of to stdout.")
    ] = None,
) -> None:
    """Export a workspace's contacts as CSV (UTF-8, with a header)."""
    from relaydesk.errors import AppError

    settings = _settings()
    _migrate(settings)
    try:
        asyncio.run(_export_contacts(settings, workspace, output))
    except AppError as exc:
        console.print(f"[bold red]relaydesk:[/] {exc.detail}", highlight=False)
        raise typer.Exit(1) from None
    if output is not None:
        console.print(f"Contacts written to {output}", highlight=False)


async def _import_contacts(
    settings: Settings,
    workspace_id: uuid.UUID,
    data: bytes,
    on_progress: Callable[[int, int], None],
) -> ImportReport:
    from relaydesk.db import Database
    from relaydesk.db.database import create_engine
    from relaydesk.domains.actor import Actor
    from relaydesk.domains.contacts.actions.imports import import_contacts as run_import

    db = Database(create_engine(settings.database, pool_size=1))
    try:
        return await run_import(db, Actor.system(), workspace_id, data, on_progress)
    finally:
        await db.dispose()


async def _export_contacts(
    settings: Settings, workspace_id: uuid.UUID, output: Path | None
) -> None:
    from relaydesk.db import Database
    from relaydesk.db.database import create_engine
    from relaydesk.domains.contacts.csv_io import export_csv
    from relaydesk.domains.contacts.filters import ContactFilters
    from relaydesk.domains.workspaces.models import Workspace
    from relaydesk.errors import not_found

    db = Database(create_engine(settings.database, pool_size=1))
    try:
        async with db.read("export_contacts_workspace") as s:
            if await s.get(Workspace, workspace_id) is None:
                raise not_found("workspace")
        # Bytes, so the file is UTF-8 whatever the terminal's locale says.
        with output.open("wb") if output else nullcontext(sys.stdout.buffer) as sink:
            async for chunk in export_csv(db, workspace_id, ContactFilters()):
                sink.write(chunk.encode("utf-8"))
            sink.flush()
    finally:
        await db.dispose()


channels_app = typer.Typer(
    name="channels", help="Channel accounts: credential keys.", no_args_is_help=True
)
app.add_typer(channels_app)


@channels_app.command("new-key")
def channels_new_key(
    kid: Annotated[
        str | None, typer.Option(help="The key's id (letters and digits); default kYYYYMMDD.")
    ] = None,
) -> None:
    """Print a fresh credentials key as `kid:key`, to put first in RELAYDESK_CREDENTIALS_KEYS."""
    from datetime import UTC, datetime

    from relaydesk.security.credentials import new_key

    kid = kid or datetime.now(UTC).strftime("k%Y%m%d")
    if not kid.isalnum() or len(kid) > 16:
        console.print("[bold red]relaydesk:[/] --kid takes up to 16 letters and digits")
        raise typer.Exit(2)
    typer.echo(f"{kid}:{new_key()}")
    console.print(
        "Put it first in RELAYDESK_CREDENTIALS_KEYS (keep the old keys after it), restart, "
        "then run: relaydesk channels reseal",
        highlight=False,
    )


@channels_app.command("reseal")
def channels_reseal() -> None:
    """Seal every channel's credentials again with the first key of
    RELAYDESK_CREDENTIALS_KEYS. Safe to run more than once. Exits 1, naming each channel,
    when some credentials open with none of the configured keys."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from relaydesk.security.credentials import Sealer

    settings = _settings()
    try:
        sealer = Sealer.from_settings(settings)
    except ConfigError as exc:
        console.print(f"[bold red]relaydesk: configuration error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    _migrate(settings)
    columns = (TextColumn("Resealing channel credentials"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("reseal", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = asyncio.run(_reseal(settings, sealer, on_progress))
    console.print(
        f"{report.resealed} resealed with key {sealer.current_kid!r}, "
        f"{report.current} already current, {len(report.failed)} failed.",
        highlight=False,
    )
    for failure in report.failed:
        console.print(
            f"  channel {failure.channel_id} ({failure.name!r}, workspace "
            f"{failure.workspace_id}): {failure.reason}; add the key it was sealed with to "
            "RELAYDESK_CREDENTIALS_KEYS",
            highlight=False,
            markup=False,
        )
    if report.failed:
        raise typer.Exit(1)


async def _reseal(
    settings: Settings, sealer: Sealer, on_progress: Callable[[int, int], None]
) -> ResealReport:
    from relaydesk.db import Database
    from relaydesk.db.database import create_engine
    from relaydesk.domains.channels.actions import reseal_credentials

    db = Database(create_engine(settings.database, pool_size=1))
    try:
        return await reseal_credentials(db, sealer, on_progress)
    finally:
        await db.dispose()


def main() -> None:
    app(prog_name="relaydesk")


if __name__ == "__main__":
    main()
