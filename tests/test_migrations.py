"""Migrations build the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from relaydesk.db.migrate import alembic_config, current_head, upgrade
from relaydesk.db.models import Base
from relaydesk.domains.search.objects import SQLITE_TABLES, include_name
from tests.harness import throwaway_database


async def _on(url: URL, fn: Any) -> Any:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _drift(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "include_name": include_name}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) - {"alembic_version"}


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def test_models_and_migrations_do_not_drift(tmp_path: Path) -> None:
    with throwaway_database(tmp_path) as url:
        upgrade(url)
        diff = asyncio.run(_on(url, _drift))
    assert diff == [], f"models and migrations differ; run `make migration m=...`: {diff}"


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    with throwaway_database(tmp_path) as url:
        upgrade(url)
        assert asyncio.run(_on(url, _revision)) == current_head()
        # Search's FTS tables (migration 0003) are raw SQL, outside the models.
        search = SQLITE_TABLES if url.get_backend_name() == "sqlite" else set()
        assert asyncio.run(_on(url, _tables)) == set(Base.metadata.tables) | search
        command.downgrade(alembic_config(url), "base")
        assert asyncio.run(_on(url, _tables)) == set()
        upgrade(url)
        upgrade(url)  # a second run is a no-op
        assert asyncio.run(_on(url, _revision)) == current_head()
