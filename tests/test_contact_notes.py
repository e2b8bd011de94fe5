"""Notes on contacts: members who write contacts add them; authors and admins delete them;
they go with the contact, and follow it when two contacts merge."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from relaydesk.domains.contacts.models import ContactNote
from tests.conftest import Account, assert_problem, join
from tests.harness import Server


def _contact(owner: Account, name: str = "Ann") -> str:
    response = owner.request("POST", owner.ws("/contacts"), json={"name": name})
    assert response.status_code == 201, response.text
    contact_id: str = response.json()["id"]
    return contact_id


def _add(account: Account, contact_id: str, body: str) -> Any:
    return account.request("POST", account.ws(f"/contacts/{contact_id}/notes"), json={"body": body})


def _notes(account: Account, contact_id: str, **params: Any) -> dict[str, Any]:
    response = account.request("GET", account.ws(f"/contacts/{contact_id}/notes"), params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_notes_are_listed_newest_first_with_their_author(owner: Account) -> None:
    contact = _contact(owner)
    agent = join(owner, "agent", "notes-agent")
    first = _add(owner, contact, "Prefers email")
    assert first.status_code == 201, first.text
    note = first.json()
    assert set(note) == {"id", "contact_id", "body", "author_user_id", "author_name", "created_at"}
    assert note["contact_id"] == contact
    assert note["author_user_id"] == owner.user_id
    assert note["author_name"]
    assert _add(agent, contact, "Called on Monday").status_code == 201
    assert _add(owner, contact, "长期客户").status_code == 201

    listed = _notes(owner, contact)
    assert [n["body"] for n in listed["items"]] == ["长期客户", "Called on Monday", "Prefers email"]
    assert listed["items"][1]["author_user_id"] == agent.user_id
    assert listed["next_cursor"] is None

    page = _notes(owner, contact, limit=2)
    rest = _notes(owner, contact, limit=2, cursor=page["next_cursor"])
    assert [n["id"] for n in page["items"] + rest["items"]] == [n["id"] for n in listed["items"]]
    assert rest["next_cursor"] is None
    # Another contact's notes are its own.
    assert _notes(owner, _contact(owner, "Bob"))["items"] == []


def test_viewers_read_but_do_not_write(owner: Account) -> None:
    contact = _contact(owner)
    viewer = join(owner, "viewer", "notes-viewer")
    assert _add(owner, contact, "seen by all").status_code == 201
    assert [n["body"] for n in _notes(viewer, contact)["items"]] == ["seen by all"]
    assert_problem(_add(viewer, contact, "mine"), 403, "workspaces.permission_denied")


def test_the_author_or_an_admin_deletes_a_note(owner: Account) -> None:
    contact = _contact(owner)
    agent = join(owner, "agent", "author")
    other_agent = join(owner, "agent", "colleague")
    admin = join(owner, "admin", "moderator")
    own = _add(agent, contact, "mine").json()["id"]
    theirs = _add(agent, contact, "also mine").json()["id"]

    refused = other_agent.request("DELETE", other_agent.ws(f"/contacts/{contact}/notes/{own}"))
    assert_problem(refused, 403, "contacts.note_not_author")
    assert agent.request("DELETE", agent.ws(f"/contacts/{contact}/notes/{own}")).status_code == 204
    moderated = admin.request("DELETE", admin.ws(f"/contacts/{contact}/notes/{theirs}"))
    assert moderated.status_code == 204
    assert _notes(owner, contact)["items"] == []
    again = agent.request("DELETE", agent.ws(f"/contacts/{contact}/notes/{own}"))
    assert_problem(again, 404, "not_found")
    # A note named under another contact of the workspace is not found there.
    kept = _add(agent, contact, "kept").json()["id"]
    elsewhere = _contact(owner, "Bob")
    misplaced = agent.request("DELETE", agent.ws(f"/contacts/{elsewhere}/notes/{kept}"))
    assert_problem(misplaced, 404, "not_found")


def test_bad_bodies_and_unknown_contacts(owner: Account) -> None:
    contact = _contact(owner)
    for body in ("", "x" * 10001):
        assert_problem(_add(owner, contact, body), 422, "validation_failed")
    assert _add(owner, contact, "x" * 10000).status_code == 201
    missing = "00000000-0000-0000-0000-000000000000"
    assert_problem(_add(owner, missing, "hi"), 404, "not_found")
    listed = owner.request("GET", owner.ws(f"/contacts/{missing}/notes"))
    assert_problem(listed, 404, "not_found")


def test_notes_go_with_a_deleted_contact_and_follow_a_merge(server: Server, owner: Account) -> None:
    kept, merged, deleted = _contact(owner, "Kept"), _contact(owner, "Merged"), _contact(owner)
    _add(owner, kept, "on kept")
    _add(owner, merged, "on merged")
    gone = uuid.UUID(_add(owner, deleted, "on deleted").json()["id"])

    assert owner.request("DELETE", owner.ws(f"/contacts/{deleted}")).status_code == 204
    assert_problem(owner.request("GET", owner.ws(f"/contacts/{deleted}/notes")), 404, "not_found")

    async def note_rows() -> int:
        async with server.db.read("test_notes") as s:
            found = await s.scalar(
                select(func.count()).select_from(ContactNote).where(ContactNote.id == gone)
            )
            return int(found or 0)

    # The row itself is gone, not merely hidden.
    assert server.run(note_rows()) == 0

    merge = owner.request(
        "POST", owner.ws(f"/contacts/{kept}/merge"), json={"other_contact_id": merged}
    )
    assert merge.status_code == 200, merge.text
    notes = _notes(owner, kept)["items"]
    assert sorted(n["body"] for n in notes) == ["on kept", "on merged"]
    assert {n["contact_id"] for n in notes} == {kept}
