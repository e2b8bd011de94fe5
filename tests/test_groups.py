"""Telegram groups: the records kept from group updates (note_group_txn,
apply_group_event_txn) and the admin API against the Telegram Bot API fake.

Updates are built here and parsed with the real parser, never injected into the fake: the
channel's webhook points at the test server, whose inbound processing must not race these
tests' own writes.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from relaydesk.channels.base import SystemEvent, SystemKind
from relaydesk.channels.telegram.parse import parse_body
from relaydesk.db.base import utcnow
from relaydesk.domains.actor import Actor
from relaydesk.domains.contacts.actions import do_resolve_identities_txn
from relaydesk.domains.contacts.schemas import ContactRef
from relaydesk.domains.groups.actions import apply_group_event_txn, note_group_txn
from relaydesk.testing.fakes import TelegramControl, running_fake
from relaydesk.testing.fakes import telegram_updates as tu
from tests.conftest import Account, assert_problem, signup
from tests.harness import Server
from tests.messaging import api_channel, new_bot_token, telegram_channel

_chats = itertools.count(1)
_update_ids = itertools.count(1)
ADMIN = tu.user(9001, "Ann")


@pytest.fixture(scope="module")
def control() -> Iterator[TelegramControl]:
    with running_fake("telegram") as fake, TelegramControl(fake.base_url) as ctl:
        yield ctl


@dataclass
class Setup:
    server: Server
    owner: Account
    control: TelegramControl
    bot_id: int
    channel_id: str

    @property
    def workspace(self) -> uuid.UUID:
        return uuid.UUID(self.owner.workspace_id)

    @property
    def channel(self) -> uuid.UUID:
        return uuid.UUID(self.channel_id)

    def url(self, suffix: str = "") -> str:
        return self.owner.ws(f"/channels/{self.channel_id}/groups{suffix}")

    def bot_user(self) -> dict[str, Any]:
        return tu.user(self.bot_id, "Relay", is_bot=True)

    def actions(self, action: str) -> list[dict[str, Any]]:
        return [a for a in self.control.actions(self.bot_id) if a["action"] == action]

    def contacts(self, *users: dict[str, Any]) -> dict[str, uuid.UUID]:
        """Contacts for Telegram users, as the inbound worker resolves senders."""
        refs = [ContactRef(external_id=str(u["id"]), name=u["first_name"]) for u in users]

        async def resolve() -> dict[str, uuid.UUID]:
            async with self.server.db.write("test_contacts") as s:
                found = await do_resolve_identities_txn(
                    s, Actor.system(), self.workspace, self.channel, refs, utcnow()
                )
                return {k: c.id for k, c in found.items()}

        return self.server.run(resolve())

    def group(self, chat: dict[str, Any], **fake_chat: Any) -> str:
        """A group known to the fake and noted as the inbound worker notes it."""
        self.control.add_chat(self.bot_id, chat, **fake_chat)

        async def note() -> uuid.UUID:
            async with self.server.db.write("test_note_group") as s:
                return await note_group_txn(
                    s,
                    workspace_id=self.workspace,
                    channel_id=self.channel,
                    chat_key=str(chat["id"]),
                    title=chat.get("title"),
                    kind=chat["type"],
                    conversation_id=None,
                )

        return str(self.server.run(note()))

    def apply(self, update: dict[str, Any], contacts: dict[str, uuid.UUID]) -> SystemEvent:
        """Parse an update as a webhook body and apply the system event it holds."""
        body = {"update_id": next(_update_ids), **update}
        kind = next(k for k in update if k != "update_id")
        body[kind].setdefault("date", int(time.time()))
        if kind == "message":
            body[kind].setdefault("message_id", next(_update_ids))
        (event,) = parse_body(json.dumps(body).encode())
        assert isinstance(event, SystemEvent), event

        async def go() -> None:
            async with self.server.db.write("test_group_event") as s:
                await apply_group_event_txn(
                    s,
                    workspace_id=self.workspace,
                    channel_id=self.channel,
                    event=event,
                    member_contact_ids=contacts,
                    conversation_id=None,
                )

        self.server.run(go())
        return event

    def banned(self, chat: dict[str, Any]) -> list[int]:
        chats = self.control.bot(self.bot_id)["chats"]
        found: list[int] = next(c["banned"] for c in chats if c["id"] == chat["id"])
        return found

    def get(self, suffix: str = "", **params: Any) -> Any:
        response = self.owner.request("GET", self.url(suffix), params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, suffix: str, body: dict[str, Any] | None = None) -> Any:
        return self.owner.request("POST", self.url(suffix), json=body)


@pytest.fixture
def tg(server: Server, owner: Account, control: TelegramControl) -> Setup:
    bot_id, token = new_bot_token(control)
    created = telegram_channel(owner, control.base_url, token)
    return Setup(server, owner, control, bot_id, created["id"])


def _supergroup(title: str = "Crew") -> dict[str, Any]:
    return tu.group_chat(-1007000000 - next(_chats), title, supergroup=True)


def _audit(owner: Account, action: str) -> list[dict[str, Any]]:
    response = owner.request("GET", owner.ws("/audit-events"), params={"action": action})
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# -- the parser ------------------------------------------------------------------------------


def test_chat_member_updates_parse_to_joins_leaves_and_changes() -> None:
    chat = _supergroup()
    bob = tu.user(11, "Bob")
    link = {"invite_link": "https://t.me/+abc", "name": "spring", "creates_join_request": False}

    def parsed(update: dict[str, Any]) -> SystemEvent:
        next(iter(update.values()))["date"] = 1700000000
        (event,) = parse_body(json.dumps({"update_id": 1, **update}).encode())
        assert isinstance(event, SystemEvent), event
        return event

    joined = parsed(tu.chat_member(chat, bob, bob, "member", invite_link=link))
    assert joined.kind is SystemKind.members_joined
    assert [m.external_id for m in joined.members] == ["11"]
    assert joined.extra["invite_link"] == "https://t.me/+abc"
    assert joined.extra["chat_type"] == "supergroup"
    assert joined.extra["chat_title"] == "Crew"

    kicked = parsed(tu.chat_member(chat, ADMIN, bob, "kicked", "member", until_date=0))
    assert (kicked.kind, kicked.extra["status"]) == (SystemKind.member_left, "kicked")
    restricted = parsed(tu.chat_member(chat, ADMIN, bob, "restricted", "member", is_member=True))
    assert (restricted.kind, restricted.extra["status"]) == (
        SystemKind.member_updated,
        "restricted",
    )
    gone = parsed(tu.chat_member(chat, ADMIN, bob, "restricted", "member", is_member=False))
    assert gone.kind is SystemKind.member_left
    promoted = parsed(
        tu.my_chat_member(chat, ADMIN, tu.user(5, "Bot", is_bot=True), "administrator")
    )
    assert (promoted.kind, promoted.extra["status"]) == (SystemKind.bot_added, "administrator")


# -- records from group updates -----------------------------------------------------------------


def test_groups_are_listed_with_refreshed_member_counts(tg: Setup) -> None:
    chat = _supergroup("Crew")
    group_id = tg.group(chat, member_count=42)
    again = tg.group({**chat, "title": "Crew 2"})
    assert again == group_id  # one row per chat, kept current

    (listed,) = tg.get()["items"]
    assert listed["id"] == group_id
    assert (listed["title"], listed["kind"], listed["chat_key"]) == (
        "Crew 2",
        "supergroup",
        str(chat["id"]),
    )
    assert listed["member_count"] is None
    assert listed["bot_status"] == "member"

    before = len(tg.control.calls("getChatMemberCount"))
    (refreshed,) = tg.get(refresh="true")["items"]
    assert refreshed["member_count"] == 42
    assert len(tg.control.calls("getChatMemberCount")) == before + 1
    assert tg.get(f"/{group_id}")["member_count"] == 42

    # The bot leaves: the group stays listed, and is no longer asked about.
    tg.apply(tu.my_chat_member(chat, ADMIN, tg.bot_user(), "left"), {})
    assert tg.get(f"/{group_id}")["bot_status"] == "left"
    tg.get(refresh="true")
    assert len(tg.control.calls("getChatMemberCount")) == before + 1


def test_joins_are_attributed_to_our_invite_links(tg: Setup) -> None:
    chat = _supergroup()
    group_id = tg.group(chat)
    bob, cy = tu.user(11, "Bob"), tu.user(12, "Cy")
    contacts = tg.contacts(bob, cy)

    expire = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    created = tg.post(
        f"/{group_id}/invite-links",
        {"name": "spring", "expire_at": expire.isoformat(), "member_limit": 10},
    )
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["url"].startswith("https://t.me/+")
    assert (link["name"], link["member_limit"], link["joined_count"]) == ("spring", 10, 0)
    assert datetime.fromisoformat(link["expire_at"]) == expire
    (asked,) = tg.actions("invite_link")
    assert asked["chat_id"] == chat["id"]
    assert (asked["name"], asked["member_limit"]) == ("spring", 10)
    assert asked["expire_date"] == int(expire.timestamp())
    assert asked["invite_link"] == link["url"]

    # Bob joins through the link: the chat_member update names it, the service message does
    # not; both arrive, in either order, and count once.
    tg.apply(tu.new_members(chat, bob, [bob]), contacts)
    invite = {"invite_link": link["url"], "name": "spring", "creator": tg.bot_user()}
    tg.apply(tu.chat_member(chat, bob, bob, "member", invite_link=invite), contacts)
    tg.apply(tu.chat_member(chat, bob, bob, "member", invite_link=invite), contacts)
    # Cy joins through a link that is not ours (the group's primary one).
    other = {"invite_link": "https://t.me/+not-ours", "creator": ADMIN}
    tg.apply(tu.chat_member(chat, cy, cy, "member", invite_link=other), contacts)
    # Someone without a contact is skipped.
    tg.apply(tu.new_members(chat, ADMIN, [tu.user(99, "Nobody")]), contacts)

    members = {m["contact_id"]: m for m in tg.get(f"/{group_id}/members")["items"]}
    assert set(members) == {str(contacts["11"]), str(contacts["12"])}
    bob_row = members[str(contacts["11"])]
    assert (bob_row["status"], bob_row["invite_link_id"]) == ("member", link["id"])
    assert (bob_row["invite_link_name"], bob_row["telegram_user_id"]) == ("spring", "11")
    assert bob_row["joined_at"] is not None
    assert members[str(contacts["12"])]["invite_link_id"] is None
    (listed,) = tg.get(f"/{group_id}/invite-links")["items"]
    assert listed["joined_count"] == 1

    # Bob leaves and comes back through the link: a second join.
    tg.apply(tu.left_member(chat, bob, bob), contacts)
    left = tg.get(f"/{group_id}/members", status="left")["items"]
    assert [m["contact_id"] for m in left] == [str(contacts["11"])]
    assert left[0]["left_at"] is not None
    tg.apply(tu.chat_member(chat, bob, bob, "member", invite_link=invite), contacts)
    assert tg.get(f"/{group_id}/invite-links")["items"][0]["joined_count"] == 2
    assert tg.get(f"/{group_id}/members", status="left")["items"] == []

    # An admin restricts Cy in Telegram itself.
    restricted = tu.chat_member(chat, ADMIN, cy, "restricted", "member", is_member=True)
    tg.apply(restricted, contacts)
    (cy_row,) = tg.get(f"/{group_id}/members", status="restricted")["items"]
    assert cy_row["contact_id"] == str(contacts["12"])


def test_migration_to_a_supergroup_moves_the_group(tg: Setup) -> None:
    group = tu.group_chat(-4700 - next(_chats), "Small")
    group_id = tg.group(group)
    contacts = tg.contacts(tu.user(21, "Dee"))
    tg.apply(tu.new_members(group, ADMIN, [tu.user(21, "Dee")]), contacts)
    new_id = -1004700000 - next(_chats)
    for update in tu.migrate(group, ADMIN, new_id):
        tg.apply(update, contacts)
    moved = tg.get(f"/{group_id}")
    assert (moved["chat_key"], moved["kind"]) == (str(new_id), "supergroup")
    assert [m["status"] for m in tg.get(f"/{group_id}/members")["items"]] == ["member"]
    assert len(tg.get()["items"]) == 1


# -- admin actions ---------------------------------------------------------------------------


def test_remove_and_restrict_members(tg: Setup) -> None:
    chat = _supergroup()
    bob, cy = tu.user(31, "Bob"), tu.user(32, "Cy")
    group_id = tg.group(chat, members=[31, 32])
    contacts = tg.contacts(bob, cy)
    tg.apply(tu.new_members(chat, ADMIN, [bob, cy]), contacts)
    bob_id, cy_id = contacts["31"], contacts["32"]

    removed = tg.post(f"/{group_id}/members/{bob_id}/remove")
    assert removed.status_code == 200, removed.text
    assert removed.json()["status"] == "kicked"
    assert removed.json()["left_at"] is not None
    (ban,) = tg.actions("ban")
    assert (ban["chat_id"], ban["user_id"], ban["until_date"]) == (chat["id"], 31, None)
    (unban,) = tg.actions("unban")
    assert (unban["user_id"], unban["only_if_banned"]) == (31, True)
    assert 31 not in tg.banned(chat)
    # Telegram's own notice of the removal later changes nothing.
    tg.apply(tu.chat_member(chat, tg.bot_user(), bob, "left", "member"), contacts)
    (bob_row,) = tg.get(f"/{group_id}/members", status="kicked")["items"]
    assert bob_row["contact_id"] == str(bob_id)

    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    restricted = tg.post(
        f"/{group_id}/members/{cy_id}/restrict",
        {"until": until.isoformat(), "can_send_messages": False, "can_send_photos": True},
    )
    assert restricted.status_code == 200, restricted.text
    assert restricted.json()["status"] == "restricted"
    (restrict,) = tg.actions("restrict")
    assert restrict["user_id"] == 32
    assert restrict["until_date"] == int(until.timestamp())
    assert restrict["permissions"]["can_send_messages"] is False
    assert restrict["permissions"]["can_send_photos"] is True
    lifted = tg.post(
        f"/{group_id}/members/{cy_id}/restrict",
        dict.fromkeys(_PERMISSIONS, True),
    )
    assert lifted.json()["status"] == "member"

    banned = tg.post(f"/{group_id}/members/{cy_id}/remove", {"ban": True})
    assert banned.json()["status"] == "kicked"
    assert len(tg.actions("unban")) == 1  # a ban stays
    assert 32 in tg.banned(chat)

    actions = [e["data"] for e in _audit(tg.owner, "group.member_removed")]
    assert {(a["contact_id"], a["banned"]) for a in actions} == {
        (str(bob_id), False),
        (str(cy_id), True),
    }
    assert len(_audit(tg.owner, "group.member_restricted")) == 2


_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
)


def test_pin_an_announcement(tg: Setup) -> None:
    chat = _supergroup()
    group_id = tg.group(chat)
    response = tg.post(f"/{group_id}/pin", {"text": "Meeting at 5", "disable_notification": True})
    assert response.status_code == 200, response.text
    (sent,) = tg.control.sent(tg.bot_id, chat["id"])
    assert (sent["method"], sent["params"]["text"]) == ("sendMessage", "Meeting at 5")
    message_id = sent["message"]["message_id"]
    assert response.json() == {
        "group_id": group_id,
        "external_id": f"{chat['id']}:{message_id}",
        "pinned": True,
    }
    (pin,) = tg.actions("pin")
    assert (pin["chat_id"], pin["message_id"], pin["disable_notification"]) == (
        chat["id"],
        message_id,
        True,
    )
    (audited,) = _audit(tg.owner, "group.announcement_pinned")
    assert audited["target_id"] == group_id


def test_telegram_refusals_map_to_clear_codes_and_store_nothing(tg: Setup) -> None:
    chat = _supergroup()
    group_id = tg.group(chat, bot_admin=False)
    contacts = tg.contacts(tu.user(41, "Eve"))
    tg.apply(tu.new_members(chat, ADMIN, [tu.user(41, "Eve")]), contacts)
    eve = contacts["41"]

    assert_problem(tg.post(f"/{group_id}/invite-links", {"name": "x"}), 409, "groups.not_admin")
    assert tg.get(f"/{group_id}/invite-links")["items"] == []
    assert_problem(tg.post(f"/{group_id}/members/{eve}/remove"), 409, "groups.not_admin")
    assert tg.get(f"/{group_id}/members")["items"][0]["status"] == "member"
    # The announcement goes out but cannot be pinned: the problem names it.
    refused = assert_problem(tg.post(f"/{group_id}/pin", {"text": "hi"}), 409, "groups.not_admin")
    assert refused["external_id"].startswith(f"{chat['id']}:")
    assert _audit(tg.owner, "group.announcement_pinned") == []
    assert len(_audit(tg.owner, "group.announcement_sent")) == 1

    small = tu.group_chat(-4800 - next(_chats), "Basic")
    small_id = tg.group(small)
    tg.apply(tu.new_members(small, ADMIN, [tu.user(41, "Eve")]), contacts)
    assert_problem(
        tg.post(f"/{small_id}/members/{eve}/restrict", {"can_send_messages": False}),
        409,
        "groups.not_supergroup",
    )

    tg.control.fault("rate_limit", method="createChatInviteLink", retry_after=7)
    limited = tg.post(f"/{small_id}/invite-links", {})
    assert_problem(limited, 429, "groups.rate_limited")
    assert limited.headers["retry-after"] == "7"
    assert tg.get(f"/{small_id}/invite-links")["items"] == []
    assert _audit(tg.owner, "group.invite_link_created") == []


def test_bad_input_and_foreign_ids(tg: Setup, client: httpx.Client) -> None:
    chat = _supergroup()
    group_id = tg.group(chat)
    calls = len(tg.control.calls())
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    soon = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    for body in ({"name": "x" * 33}, {"expire_at": past}, {"member_limit": 0}, {"x": 1}):
        assert_problem(tg.post(f"/{group_id}/invite-links", body), 422, "validation_failed")
    contacts = tg.contacts(tu.user(51, "Fay"))
    fay = contacts["51"]
    tg.apply(tu.new_members(chat, ADMIN, [tu.user(51, "Fay")]), contacts)
    assert_problem(
        tg.post(f"/{group_id}/members/{fay}/restrict", {"until": soon}), 422, "validation_failed"
    )
    assert_problem(tg.post(f"/{group_id}/pin", {"text": "  "}), 422, "validation_failed")
    assert len(tg.control.calls()) == calls  # nothing reached Telegram

    assert_problem(tg.post(f"/{group_id}/members/{uuid.uuid4()}/remove"), 404, "not_found")
    assert_problem(tg.post(f"/{uuid.uuid4()}/pin", {"text": "hi"}), 404, "not_found")

    # Another workspace sees none of it.
    stranger = signup(client, "stranger")
    for path in ("", f"/{group_id}", f"/{group_id}/members", f"/{group_id}/invite-links"):
        response = stranger.request("GET", stranger.ws(f"/channels/{tg.channel_id}/groups{path}"))
        assert_problem(response, 404, "not_found")
    own = stranger.request(
        "POST",
        stranger.ws(f"/channels/{tg.channel_id}/groups/{group_id}/pin"),
        json={"text": "hi"},
    )
    assert_problem(own, 404, "not_found")
    # API channels have no groups.
    other = api_channel(tg.owner)
    assert_problem(
        tg.owner.request("GET", tg.owner.ws(f"/channels/{other}/groups")),
        409,
        "groups.wrong_channel_type",
    )
    assert_problem(
        tg.owner.request("GET", tg.owner.ws(f"/channels/{other}/groups/{group_id}")),
        409,
        "groups.wrong_channel_type",
    )
    assert len(tg.control.calls()) == calls
