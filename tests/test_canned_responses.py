"""Canned responses: a workspace's saved replies, listed by shortcut, searched, audited."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Account, assert_problem


def _create(owner: Account, shortcut: str, title: str = "Title", body: str = "Body") -> Any:
    return owner.request(
        "POST",
        owner.ws("/canned-responses"),
        json={"shortcut": shortcut, "title": title, "body": body},
    )


def _audit(owner: Account, action: str) -> list[dict[str, Any]]:
    response = owner.request("GET", owner.ws("/audit-events"), params={"action": action})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_create_list_update_delete(owner: Account) -> None:
    created = _create(owner, "refund", "Refund policy", "Refunds take 5 days.")
    assert created.status_code == 201, created.text
    item = created.json()
    assert set(item) == {"id", "shortcut", "title", "body", "created_at", "updated_at"}
    assert item["shortcut"] == "refund"
    path = owner.ws(f"/canned-responses/{item['id']}")

    changed = owner.request("PATCH", path, json={"body": "Refunds take 3 days."})
    assert changed.status_code == 200, changed.text
    assert changed.json()["body"] == "Refunds take 3 days."
    assert changed.json()["title"] == "Refund policy"
    assert changed.json()["updated_at"] > item["updated_at"]

    listed = owner.request("GET", owner.ws("/canned-responses")).json()
    assert listed["next_cursor"] is None
    assert [i["id"] for i in listed["items"]] == [item["id"]]

    assert owner.request("DELETE", path).status_code == 204
    assert_problem(owner.request("GET", path), 404, "not_found")
    assert_problem(owner.request("DELETE", path), 404, "not_found")
    assert owner.request("GET", owner.ws("/canned-responses")).json()["items"] == []

    actions = ["canned_response.created", "canned_response.updated", "canned_response.deleted"]
    for action in actions:
        [event] = _audit(owner, action)
        assert event["target_id"] == item["id"]
        assert event["actor_id"] == owner.user_id
    assert _audit(owner, "canned_response.updated")[0]["data"]["fields"] == ["body"]


def test_listed_by_shortcut_in_pages_and_searched(owner: Account) -> None:
    for shortcut, title, body in [
        ("zh-hello", "你好", "您好，有什么可以帮您？"),
        ("bye", "Goodbye", "Have a nice day"),
        ("address", "Shop address", "We are at 1 Main St"),
        ("hours", "Opening HOURS", "9 to 5"),
        ("50_off", "Discount", "Use code HALF for 50% off"),
    ]:
        assert _create(owner, shortcut, title, body).status_code == 201

    shortcuts: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = owner.request("GET", owner.ws("/canned-responses"), params=params).json()
        assert len(page["items"]) <= 2
        shortcuts += [i["shortcut"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert shortcuts == sorted(shortcuts)
    assert set(shortcuts) == {"zh-hello", "bye", "address", "hours", "50_off"}

    def search(q: str) -> list[str]:
        response = owner.request("GET", owner.ws("/canned-responses"), params={"q": q})
        assert response.status_code == 200, response.text
        return [i["shortcut"] for i in response.json()["items"]]

    assert search("hours") == ["hours"]  # title, case-insensitive
    assert search("NICE") == ["bye"]  # body
    assert search("addr") == ["address"]  # shortcut
    assert search("有什么") == ["zh-hello"]
    assert search("50%") == ["50_off"]  # `%` is a character, not a wildcard
    assert search("_") == ["50_off"]
    assert search("nothing like it") == []


def test_shortcut_is_unique_per_workspace(owner: Account, client: Any) -> None:
    from tests.conftest import signup

    assert _create(owner, "greet").status_code == 201
    taken = _create(owner, "greet")
    assert_problem(taken, 409, "canned_responses.shortcut_taken")
    other = _create(owner, "greet-2").json()
    renamed = owner.request(
        "PATCH", owner.ws(f"/canned-responses/{other['id']}"), json={"shortcut": "greet"}
    )
    assert_problem(renamed, 409, "canned_responses.shortcut_taken")
    # Its own shortcut again is no conflict.
    same = owner.request(
        "PATCH", owner.ws(f"/canned-responses/{other['id']}"), json={"shortcut": "greet-2"}
    )
    assert same.status_code == 200, same.text
    # Another workspace has its own shortcuts.
    assert _create(signup(client, "elsewhere"), "greet").status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"shortcut": "", "title": "t", "body": "b"},
        {"shortcut": "Upper", "title": "t", "body": "b"},
        {"shortcut": "with space", "title": "t", "body": "b"},
        {"shortcut": "a" * 33, "title": "t", "body": "b"},
        {"shortcut": "ok", "title": "", "body": "b"},
        {"shortcut": "ok", "title": "t" * 101, "body": "b"},
        {"shortcut": "ok", "title": "t", "body": ""},
        {"shortcut": "ok", "title": "t", "body": "b" * 4001},
        {"shortcut": "ok", "title": "t"},
        {"shortcut": "ok", "title": "t", "body": "b", "extra": 1},
    ],
)
def test_invalid_input_is_refused(owner: Account, body: dict[str, Any]) -> None:
    assert_problem(
        owner.request("POST", owner.ws("/canned-responses"), json=body), 422, "validation_failed"
    )
    assert owner.request("GET", owner.ws("/canned-responses")).json()["items"] == []


def test_limits_are_inclusive_and_nulls_are_refused(owner: Account) -> None:
    created = _create(owner, "a" * 32, "t" * 100, "b" * 4000)
    assert created.status_code == 201, created.text
    path = owner.ws(f"/canned-responses/{created.json()['id']}")
    for field in ("shortcut", "title", "body"):
        assert_problem(owner.request("PATCH", path, json={field: None}), 422, "validation_failed")
    assert owner.request("GET", path).json()["shortcut"] == "a" * 32
