"""Invalid configuration stops start-up with one actionable line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from relaydesk.settings import ConfigError, load_settings
from tests.harness import run_cli

GOOD_SECRET = "x" * 40


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"database_url": "mysql://root@localhost/db"}, "RelayDesk supports sqlite and postgresql"),
        ({"database_url": "::not a url::"}, "is not a database URL"),
        ({"database_url": "postgresql+asyncpg://u@h:5432"}, "names no database"),
        ({"database_url": "sqlite+aiosqlite://"}, "must name a SQLite file"),
        ({"env": "production"}, "RELAYDESK_SECRET_KEY is required when RELAYDESK_ENV=production"),
        ({"secret_key": "short"}, "shorter than 32 characters"),
        ({"port": 70000}, "RELAYDESK_PORT"),
        ({"log_level": "LOUD"}, "RELAYDESK_LOG_LEVEL"),
        ({"env": "staging"}, "RELAYDESK_ENV"),
    ],
)
def test_invalid_settings(tmp_data_dir: Path, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(data_dir=tmp_data_dir, **overrides)
    assert "\n" not in str(caught.value)


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="is not writable"):
        load_settings(data_dir=blocker / "data")


def test_postgres_urls_get_the_async_driver(tmp_data_dir: Path) -> None:
    settings = load_settings(data_dir=tmp_data_dir, database_url="postgres://u@h/relay")
    assert settings.database.drivername == "postgresql+asyncpg"


def test_secret_key_is_generated_once_in_embedded_mode(tmp_data_dir: Path) -> None:
    first = load_settings(data_dir=tmp_data_dir).secret_key
    second = load_settings(data_dir=tmp_data_dir).secret_key
    assert first == second
    assert len(first) >= 32
    key_file = tmp_data_dir / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_production_accepts_an_explicit_secret(tmp_data_dir: Path) -> None:
    settings = load_settings(data_dir=tmp_data_dir, env="production", secret_key=GOOD_SECRET)
    assert settings.secret_key == GOOD_SECRET
    assert not (tmp_data_dir / "secret_key").exists()


def test_cli_prints_one_line_and_exits_2(tmp_data_dir: Path) -> None:
    env = {
        **os.environ,
        "RELAYDESK_DATA_DIR": str(tmp_data_dir),
        "RELAYDESK_DATABASE_URL": "mysql://root@localhost/db",
    }
    result = run_cli(env, "migrate")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "relaydesk: configuration error: RELAYDESK_DATABASE_URL uses 'mysql'; "
        "RelayDesk supports sqlite and postgresql"
    ]
