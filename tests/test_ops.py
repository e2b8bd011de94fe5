"""Health, readiness, metrics, request ids, the OpenAPI document, structured logs."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from relaydesk.observability.logging import JsonFormatter, redact
from tests.conftest import PASSWORD, Account, assert_problem


def test_health_and_readiness(client: httpx.Client) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok"}


def test_metrics_are_prometheus_text(client: httpx.Client) -> None:
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'relaydesk_http_requests_total{method="GET",route="/healthz",status="200"}' in (
        response.text
    )


def test_request_ids(client: httpx.Client) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    hostile = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"


def test_unknown_route_and_method_are_problems(client: httpx.Client) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_problem(client.delete("/api/v1/auth/login"), 405, "method_not_allowed")


def test_openapi_and_docs(client: httpx.Client) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/signup" in paths
    assert "/api/v1/workspaces/{workspace_id}/api-keys" in paths
    assert client.get("/api/v1/docs").status_code == 200


def test_passwords_and_tokens_never_reach_the_logs(
    client: httpx.Client, owner: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    login = client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    tokens = login.json()
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    client.post("/api/v1/auth/login", json={"email": owner.email, "password": "wrong-secret"})
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert any('"route": "/api/v1/auth/login"' in line for line in lines)
    for line in lines:
        json.loads(line)
        for secret in (PASSWORD, "wrong-secret", tokens["access_token"], tokens["refresh_token"]):
            assert secret not in line


def test_redaction() -> None:
    assert redact({"password": "x", "nested": {"api_key": "y"}, "ok": 1}) == {
        "password": "[redacted]",
        "nested": {"api_key": "[redacted]"},
        "ok": 1,
    }
    assert "rdk_secretsecret" not in redact("used rdk_secretsecret123 here")
    assert redact("Authorization: Bearer abc.def.ghi") == "Authorization: Bearer [redacted]"
