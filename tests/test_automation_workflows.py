"""Workflows through the API: drafts, validation problems that block publishing, versions,
export and import, templates and business hours."""

from __future__ import annotations

from typing import Any

import httpx

from tests.automation import create_workflow, graph
from tests.conftest import assert_problem, signup
from tests.harness import Server


def _problems(answer: httpx.Response) -> set[tuple[str | None, str]]:
    return {(p["node_id"], p["code"]) for p in answer.json()["problems"]}


BROKEN = graph(
    {"type": "message_received", "params": {"keywords": {"mode": "regex", "values": ["("]}}},
    [
        {"id": "reply", "type": "send_message", "params": {"text": "Hi {{contact.nickname}}"}},
        {"id": "orphan", "type": "add_tag", "params": {"tags": ["x"]}},
        {"id": "empty", "type": "set_status", "params": {}},
    ],
    [("trigger", "reply"), ("reply", "empty"), ("reply", "empty", "maybe")],
)


def test_problems_block_publishing(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    workflow = create_workflow(owner, BROKEN)
    assert workflow["status"] == "draft"
    checked = owner.request("POST", owner.ws(f"/workflows/{workflow['id']}/validate"))
    assert checked.status_code == 200, checked.text
    assert checked.json()["valid"] is False
    expected = {
        ("trigger", "automation.invalid_regex"),
        ("reply", "automation.unknown_variable"),
        ("orphan", "automation.unreachable"),
        ("empty", "automation.missing_field"),
        ("reply", "automation.bad_handle"),
    }
    assert expected <= _problems(checked)
    refused = owner.request("POST", owner.ws(f"/workflows/{workflow['id']}/publish"))
    body = assert_problem(refused, 422, "automation.graph_invalid")
    assert expected <= {(p["node_id"], p["code"]) for p in body["problems"]}
    assert (
        owner.request("GET", owner.ws(f"/workflows/{workflow['id']}")).json()["published_version"]
        is None
    )


def test_cycles_and_unknown_nodes_are_problems(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    body = graph(
        {"type": "contact_created", "params": {}},
        [
            {"id": "one", "type": "add_tag", "params": {"tags": ["x"]}},
            {"id": "two", "type": "add_tag", "params": {"tags": ["y"]}},
        ],
        [("trigger", "one"), ("one", "two"), ("two", "one"), ("two", "ghost", "failure")],
    )
    workflow = create_workflow(owner, body)
    checked = owner.request("POST", owner.ws(f"/workflows/{workflow['id']}/validate")).json()
    codes = {p["code"] for p in checked["problems"]}
    assert {"automation.cycle", "automation.unknown_node"} <= codes


def test_publish_versions_export_import_unpublish(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    body = graph(
        {"type": "message_received", "params": {"keywords": {"mode": "exact", "values": ["hi"]}}},
        [{"id": "reply", "type": "send_message", "params": {"text": "Hello {{contact.name}}"}}],
        [("trigger", "reply")],
    )
    workflow = create_workflow(owner, body, "Greeter")
    path = f"/workflows/{workflow['id']}"
    first = owner.request("POST", owner.ws(f"{path}/publish"))
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["published_version"]) == ("published", 1)
    body["nodes"][0]["params"]["text"] = "Hey"
    edited = owner.request("PATCH", owner.ws(path), json={"graph": body})
    assert edited.status_code == 200, edited.text
    assert edited.json()["published_version"] == 1
    second = owner.request("POST", owner.ws(f"{path}/publish")).json()
    assert second["published_version"] == 2
    versions = owner.request("GET", owner.ws(f"{path}/versions")).json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["graph"]["nodes"][0]["params"]["text"] == "Hello {{contact.name}}"
    exported = owner.request("GET", owner.ws(f"{path}/export")).json()
    other = signup(client, "other")
    imported = other.request("POST", other.ws("/workflows/import"), json=exported)
    assert imported.status_code == 201, imported.text
    assert imported.json()["status"] == "draft"
    assert imported.json()["graph"]["nodes"][0]["params"]["text"] == "Hey"
    off = owner.request("POST", owner.ws(f"{path}/unpublish")).json()
    assert (off["status"], off["published_version"]) == ("draft", None)
    listed = owner.request("GET", owner.ws("/workflows")).json()["items"]
    assert [w["id"] for w in listed] == [workflow["id"]]
    assert listed[0]["counts"]["total"] == 0
    assert owner.request("DELETE", owner.ws(path)).status_code == 204
    assert_problem(owner.request("GET", owner.ws(path)), 404, "not_found")


def test_templates_and_business_hours(server: Server, client: httpx.Client) -> None:
    owner = signup(client)
    templates = owner.request("GET", owner.ws("/workflow-templates")).json()
    keys = {t["key"] for t in templates}
    assert {"keyword-auto-reply", "welcome-new-contact", "away-message"} <= keys
    assert all(t["params_schema"]["type"] == "object" for t in templates)
    bad = owner.request(
        "POST", owner.ws("/workflow-templates/away-message/install"), json={"params": {}}
    )
    assert_problem(bad, 422, "automation.template_params_invalid")
    unknown = owner.request(
        "POST", owner.ws("/workflow-templates/nope/install"), json={"params": {}}
    )
    assert_problem(unknown, 404, "automation.unknown_template")
    away = owner.request(
        "POST",
        owner.ws("/workflow-templates/away-message/install"),
        json={"params": {"reply": "We are closed"}},
    )
    assert away.status_code == 201, away.text
    assert away.json()["template_key"] == "away-message"
    empty = owner.request("GET", owner.ws("/business-hours")).json()
    assert empty["configured"] is False
    schedule: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "weekly": {"mon": [["09:00", "18:00"]], "tue": [["09:00", "12:00"], ["13:00", "18:00"]]},
        "holidays": ["2026-12-25"],
    }
    saved = owner.request("PUT", owner.ws("/business-hours"), json=schedule)
    assert saved.status_code == 200, saved.text
    read = owner.request("GET", owner.ws("/business-hours")).json()
    assert read["configured"] is True
    assert read["weekly"]["tue"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    wrong = owner.request(
        "PUT", owner.ws("/business-hours"), json={**schedule, "timezone": "Mars/Olympus"}
    )
    assert_problem(wrong, 422, "validation_failed")
