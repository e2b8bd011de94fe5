"""The `relaydesk` command: serve (with migrations), create-workspace, version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from relaydesk import __version__
from tests.harness import free_port, run_cli, serve_process, wait_until

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


def _answer_of_fake(env: dict[str, str], kind: str, path: str) -> str:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "relaydesk", "fake", kind, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    answers: list[str] = []

    def answered() -> bool:
        assert process.poll() is None, f"relaydesk fake {kind} exited"
        try:
            answers.append(httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).text)
        except httpx.TransportError:
            return False
        return True

    try:
        wait_until(answered, 30, f"relaydesk fake {kind} to answer")
        return answers[-1].replace(" ", "")
    finally:
        process.terminate()
        process.wait(30)


def test_fake_providers_run_from_the_command_line(cli_env: dict[str, str]) -> None:
    assert '"ok":true' in _answer_of_fake(cli_env, "telegram", "/bot123:abc/getMe")
    phone = "100000000000001"
    assert phone in _answer_of_fake(cli_env, "whatsapp", f"/_control/phone_numbers/{phone}")
