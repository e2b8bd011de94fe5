"""Fixtures: one server per test session (and more for tests that need other settings)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from relaydesk.testing.receiver import Post, receiver
from tests.harness import BACKEND, Server, make_settings, running_server, throwaway_database


def pytest_report_header() -> str:
    return f"relaydesk database backend: {BACKEND}"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("server")
    with throwaway_database(tmp) as url, running_server(make_settings(tmp, url)) as srv:
        yield srv


@pytest.fixture(scope="module")
def make_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """Start another server with settings overridden (each on its own database). They stop
    with their test module: kept for the whole run, their connection pools together would
    exceed PostgreSQL's connection limit."""
    with ExitStack() as stack:

        def start(**overrides: Any) -> Server:
            tmp = tmp_path_factory.mktemp("server")
            url = stack.enter_context(throwaway_database(tmp))
            return stack.enter_context(running_server(make_settings(tmp, url, **overrides)))

        yield start


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


PASSWORD = "correct horse battery"


@dataclass
class Account:
    """A signed-up user, with helpers to call the API as them."""

    client: httpx.Client
    email: str
    password: str
    user_id: str
    workspace_id: str
    access_token: str
    refresh_token: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self.client.request(
            method, path, headers={**self.headers, **(headers or {})}, **kwargs
        )

    def ws(self, suffix: str = "") -> str:
        return f"/api/v1/workspaces/{self.workspace_id}{suffix}"


def signup(client: httpx.Client, tag: str = "owner", **body: Any) -> Account:
    email = body.pop("email", unique_email(tag))
    payload = {
        "email": email,
        "password": PASSWORD,
        "name": tag.title(),
        "workspace_name": f"{tag} workspace",
        **body,
    }
    response = client.post("/api/v1/auth/signup", json=payload)
    assert response.status_code == 201, response.text
    data = response.json()
    return Account(
        client=client,
        email=email,
        password=payload["password"],
        user_id=data["user"]["id"],
        workspace_id=data["workspace"]["id"],
        access_token=data["access_token"],
        refresh_token=data["refresh_token"],
    )


def join(owner: Account, role: str, tag: str | None = None) -> Account:
    """Invite a new person into `owner`'s workspace with `role` and accept as them."""
    email = unique_email(tag or role)
    invited = owner.request("POST", owner.ws("/invitations"), json={"email": email, "role": role})
    assert invited.status_code == 201, invited.text
    accepted = owner.client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": invited.json()["token"], "password": PASSWORD, "name": role.title()},
    )
    assert accepted.status_code == 200, accepted.text
    data = accepted.json()
    return Account(
        client=owner.client,
        email=email,
        password=PASSWORD,
        user_id=data["user"]["id"],
        workspace_id=owner.workspace_id,
        access_token=data["access_token"],
        refresh_token=data["refresh_token"],
    )


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    return body


@pytest.fixture
def owner(client: httpx.Client) -> Account:
    return signup(client)


@pytest.fixture
def tmp_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a `relaydesk` subprocess on a throwaway database of its own."""
    with throwaway_database(tmp_path) as url:
        yield {
            **os.environ,
            "RELAYDESK_DATA_DIR": str(tmp_path / "data"),
            "RELAYDESK_DATABASE_URL": url.render_as_string(hide_password=False),
            # Wide enough that rich never wraps a report line.
            "COLUMNS": "200",
        }


@pytest.fixture
def sink() -> Iterator[tuple[str, list[Post]]]:
    """An API channel's receiver on 127.0.0.1: records each outbound post."""
    with receiver() as found:
        yield found
