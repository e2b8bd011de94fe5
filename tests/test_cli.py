"""The `relaydesk` command: serve (with migrations), create-workspace, version."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from relaydesk import __version__
from tests.harness import serve_process, throwaway_database

PASSWORD = "operator password"


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with throwaway_database(tmp_path) as url:
        yield {
            **os.environ,
            "RELAYDESK_DATA_DIR": str(tmp_path / "data"),
            "RELAYDESK_DATABASE_URL": url.render_as_string(hide_password=False),
        }


def _relaydesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relaydesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_version() -> None:
    result = _relaydesk(dict(os.environ), "version")
    assert result.returncode == 0
    assert result.stdout.strip() == __version__


def test_serve_migrates_and_answers(cli_env: dict[str, str], tmp_path: Path) -> None:
    with serve_process(cli_env, tmp_path / "served") as base:
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
        schema = httpx.get(f"{base}/api/v1/openapi.json", timeout=5)
        assert schema.json()["info"]["title"] == "RelayDesk"
        signup = httpx.post(
            f"{base}/api/v1/auth/signup",
            json={
                "email": "first@example.com",
                "password": PASSWORD,
                "name": "F",
                "workspace_name": "W",
            },
            timeout=10,
        )
        assert signup.status_code == 201


def test_create_workspace_from_the_command_line(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "RELAYDESK_OWNER_PASSWORD": PASSWORD}
    created = _relaydesk(
        env, "create-workspace", "--email", "Op@Example.com", "--name", "Op", "--workspace", "Ops"
    )
    assert created.returncode == 0, created.stderr
    assert "Created account op@example.com and workspace 'Ops'" in created.stderr
    again = _relaydesk(env, "create-workspace", "--email", "op@example.com", "--workspace", "More")
    assert again.returncode == 0, again.stderr
    assert "owned by op@example.com" in again.stderr
    nameless = _relaydesk(env, "create-workspace", "--email", "new@example.com", "--workspace", "X")
    assert nameless.returncode == 1
    assert "pass --name" in nameless.stderr
    weak = _relaydesk(
        {**cli_env, "RELAYDESK_OWNER_PASSWORD": "short"},
        "create-workspace",
        "--email",
        "w@example.com",
        "--name",
        "W",
        "--workspace",
        "X",
    )
    assert weak.returncode == 1
    assert "password" in weak.stderr
