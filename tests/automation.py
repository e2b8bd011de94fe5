"""Helpers for automation tests: workflows through the API, and waiting on their runs."""

from __future__ import annotations

from typing import Any

from tests.conftest import Account
from tests.harness import wait_until

WAIT = 15.0


def graph(trigger: dict[str, Any], nodes: list[dict[str, Any]], edges: list[Any]) -> dict[str, Any]:
    """`edges` as (from, to) or (from, to, handle) tuples."""
    return {
        "version": 1,
        "trigger": trigger,
        "nodes": nodes,
        "edges": [
            {"from": e[0], "to": e[1], **({"handle": e[2]} if len(e) > 2 else {})} for e in edges
        ],
        "settings": {"rate_limit_per_minute": None},
    }


def create_workflow(owner: Account, body: dict[str, Any], name: str = "Flow") -> dict[str, Any]:
    created = owner.request("POST", owner.ws("/workflows"), json={"name": name, "graph": body})
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def publish(owner: Account, body: dict[str, Any], name: str = "Flow") -> dict[str, Any]:
    workflow = create_workflow(owner, body, name)
    published = owner.request("POST", owner.ws(f"/workflows/{workflow['id']}/publish"))
    assert published.status_code == 200, published.text
    result: dict[str, Any] = published.json()
    return result


def runs(owner: Account, workflow_id: str, **params: Any) -> list[dict[str, Any]]:
    answer = owner.request("GET", owner.ws(f"/workflows/{workflow_id}/runs"), params=params)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def run_detail(owner: Account, run_id: str) -> dict[str, Any]:
    answer = owner.request("GET", owner.ws(f"/workflow-runs/{run_id}"))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def wait_for_runs(
    owner: Account, workflow_id: str, count: int, states: set[str], timeout: float = WAIT
) -> list[dict[str, Any]]:
    """The workflow's runs once `count` of them are in one of `states`."""
    found: list[dict[str, Any]] = []

    def done() -> bool:
        found[:] = [r for r in runs(owner, workflow_id) if r["state"] in states]
        return len(found) >= count

    wait_until(done, timeout, f"{count} run(s) of {workflow_id} in {states}")
    return found


def messages(owner: Account, conversation_id: str) -> list[dict[str, Any]]:
    answer = owner.request("GET", owner.ws(f"/conversations/{conversation_id}/messages"))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def define(owner: Account, key: str, kind: str = "text") -> None:
    """A contact attribute definition (`set_attribute` refuses undefined keys)."""
    made = owner.request(
        "POST",
        owner.ws("/attribute-definitions"),
        json={"key": key, "label": key, "type": kind},
    )
    assert made.status_code == 201, made.text
