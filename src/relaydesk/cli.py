"""The `relaydesk` command."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from relaydesk import __version__
from relaydesk.settings import ConfigError, Settings, load_settings

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

    settings = _settings(host=host, port=port)
    configure_logging(settings.log_level, settings.log_format.value)
    if migrate_first:
        _migrate(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        server_header=False,
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


def main() -> None:
    app(prog_name="relaydesk")


if __name__ == "__main__":
    main()
