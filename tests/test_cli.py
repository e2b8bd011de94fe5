"""The `relaydesk` command: serve (with migrations), create-workspace, version."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from relaydesk import __version__
from tests.harness import run_cli, serve_process

PASSWORD = "operator password"


def test_version() -> None:
    result = run_cli(dict(os.environ), "version")
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
    created = run_cli(
        env, "create-workspace", "--email", "Op@Example.com", "--name", "Op", "--workspace", "Ops"
    )
    assert created.returncode == 0, created.stderr
    assert "Created account op@example.com and workspace 'Ops'" in created.stderr
    again = run_cli(env, "create-workspace", "--email", "op@example.com", "--workspace", "More")
    assert again.returncode == 0, again.stderr
    assert "owned by op@example.com" in again.stderr
    nameless = run_cli(env, "create-workspace", "--email", "new@example.com", "--workspace", "X")
    assert nameless.returncode == 1
    assert "pass --name" in nameless.stderr
    weak = run_cli(
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
