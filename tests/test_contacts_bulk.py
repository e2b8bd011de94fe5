"""Bulk contact actions: tag, untag or delete many contacts in one transaction, with the same
events as one by one, one audit record, and never a contact of another workspace."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Account, assert_problem, signup
from tests.harness import Server
from tests.messaging import outbox_payloads


def _contacts(owner: Account, count: int, tags: list[str] | None = None) -> list[str]:
    ids = []
    for n in range(count):
        response = owner.request(
            "POST", owner.ws("/contacts"), json={"name": f"C{n}", "tags": tags or []}
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _bulk(owner: Account, **body: Any) -> httpx.Response:
    return owner.request("POST", owner.ws("/contacts/bulk"), json=body)


def _tags(owner: Account, contact_id: str) -> list[str]:
    tags: list[str] = owner.request("GET", owner.ws(f"/contacts/{contact_id}")).json()["tags"]
    return tags


def _updated_events(server: Server, owner: Account, ids: list[str]) -> list[str]:
    return [
        p["contact"]["id"]
        for p in outbox_payloads(server, owner, "contact.updated")
        if p["contact"]["id"] in ids
    ]


def test_tag_and_untag_count_only_the_contacts_that_changed(server: Server, owner: Account) -> None:
    first, second, third = _contacts(owner, 3)
    owner.request("POST", owner.ws(f"/contacts/{first}/tags"), json={"tags": ["vip"]})
    before = len(_updated_events(server, owner, [first, second, third]))

    tagged = _bulk(owner, action="tag", contact_ids=[first, second, third], tags=["vip", "b2b"])
    assert tagged.status_code == 200, tagged.text
    assert tagged.json() == {"affected": 3}  # first lacked b2b
    assert all(_tags(owner, c) == ["b2b", "vip"] for c in (first, second, third))
    again = _bulk(owner, action="tag", contact_ids=[first, second], tags=["vip"])
    assert again.json() == {"affected": 0}

    untagged = _bulk(owner, action="untag", contact_ids=[first, second], tags=["vip", "nope"])
    assert untagged.json() == {"affected": 2}
    assert _tags(owner, first) == _tags(owner, second) == ["b2b"]
    assert _tags(owner, third) == ["b2b", "vip"]

    # One contact.updated per contact that changed, as the single-contact writes emit.
    events = _updated_events(server, owner, [first, second, third])[before:]
    assert sorted(events) == sorted([first, second, third, first, second])

    audit = owner.request("GET", owner.ws("/audit-events"), params={"action": "contacts.bulk_tag"})
    [record] = audit.json()["items"]
    assert record["data"] == {"count": 3, "tags": ["vip", "b2b"]}


def test_delete_removes_the_contacts_with_one_audit_record(server: Server, owner: Account) -> None:
    doomed = _contacts(owner, 3)
    [kept] = _contacts(owner, 1)
    unknown = str(uuid.uuid4())
    deleted = _bulk(owner, action="delete", contact_ids=[*doomed, unknown])
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"affected": 3}
    for contact_id in doomed:
        gone = owner.request("GET", owner.ws(f"/contacts/{contact_id}"))
        assert_problem(gone, 404, "not_found")
    assert owner.request("GET", owner.ws(f"/contacts/{kept}")).status_code == 200
    events = outbox_payloads(server, owner, "contact.deleted")
    assert {e["contact_id"] for e in events} >= set(doomed)
    audit = owner.request(
        "GET", owner.ws("/audit-events"), params={"action": "contacts.bulk_delete"}
    )
    [record] = audit.json()["items"]
    assert record["data"] == {"count": 3}


def test_other_workspaces_contacts_are_never_touched(client: httpx.Client) -> None:
    a, b = signup(client, "bulk-a"), signup(client, "bulk-b")
    [theirs] = _contacts(b, 1, tags=["keep"])
    [mine] = _contacts(a, 1)
    for body in (
        {"action": "tag", "tags": ["x"]},
        {"action": "untag", "tags": ["keep"]},
        {"action": "delete"},
    ):
        response = _bulk(a, contact_ids=[theirs], **body)
        assert response.status_code == 200, response.text
        assert response.json() == {"affected": 0}
    assert _tags(b, theirs) == ["keep"]
    # Mixed ids: only A's own contact changes.
    assert _bulk(a, action="tag", contact_ids=[theirs, mine], tags=["x"]).json() == {"affected": 1}
    assert _tags(a, mine) == ["x"]
    assert _tags(b, theirs) == ["keep"]


@pytest.mark.parametrize(
    "body",
    [
        {"action": "tag", "contact_ids": []},
        {"action": "tag", "contact_ids": ["00000000-0000-0000-0000-000000000001"]},
        {"action": "untag", "contact_ids": ["00000000-0000-0000-0000-000000000001"], "tags": []},
        {
            "action": "delete",
            "contact_ids": ["00000000-0000-0000-0000-000000000001"],
            "tags": ["a"],
        },
        {"action": "merge", "contact_ids": ["00000000-0000-0000-0000-000000000001"]},
        {"action": "tag", "contact_ids": ["not-a-uuid"], "tags": ["a"]},
        {"action": "tag", "contact_ids": ["00000000-0000-0000-0000-000000000001"], "tags": ["a;b"]},
        {
            "action": "tag",
            "contact_ids": ["00000000-0000-0000-0000-000000000001"],
            "tags": [f"t{n}" for n in range(21)],
        },
        {"action": "delete", "contact_ids": [str(uuid.uuid4()) for _ in range(1001)]},
    ],
)
def test_invalid_requests_are_refused(owner: Account, body: dict[str, Any]) -> None:
    assert_problem(_bulk(owner, **body), 422, "validation_failed")


def test_a_thousand_ids_in_one_request(owner: Account) -> None:
    ids = _contacts(owner, 2) + [str(uuid.uuid4()) for _ in range(998)]
    response = _bulk(owner, action="tag", contact_ids=ids, tags=["many"])
    assert response.json() == {"affected": 2}


def test_viewers_cannot_bulk_change(owner: Account) -> None:
    from tests.conftest import join

    viewer = join(owner, "viewer", "bulk-viewer")
    ids = _contacts(owner, 1)
    refused = _bulk(viewer, action="delete", contact_ids=ids)
    assert_problem(refused, 403, "workspaces.permission_denied")
    assert owner.request("GET", owner.ws(f"/contacts/{ids[0]}")).status_code == 200
