"""Applying Alembic migrations from code (the CLI, start-up and tests)."""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: URL) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def upgrade(url: URL, revision: str = "head") -> None:
    """Bring the schema up to `revision`. Safe to call from several processes at once:
    PostgreSQL takes an advisory lock in env.py; SQLite a lock file beside the database."""
    if url.get_backend_name() != "sqlite" or not url.database:
        command.upgrade(alembic_config(url), revision)
        return
    lock_path = Path(url.database).with_name(Path(url.database).name + ".migrate.lock")
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        command.upgrade(alembic_config(url), revision)


def current_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(URL.create("sqlite"))).get_current_head()
