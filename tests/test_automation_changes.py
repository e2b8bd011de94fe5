"""Contact change triggers: `contact.updated` names the tags and attributes it changed, so
tag and attribute triggers fire for contacts older than the workflow, on their first change."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from relaydesk.events.models import OutboxEvent
from tests.automation import define, graph, publish, wait_for_runs
from tests.conftest import signup
from tests.harness import Server
from tests.messaging import api_channel, inbound


def _tagging(trigger: dict[str, Any], tag: str) -> dict[str, Any]:
    return graph(
        trigger, [{"id": "tag", "type": "add_tag", "params": {"tags": [tag]}}], [("trigger", "tag")]
    )


def _updates(server: Server, contact_id: str) -> list[dict[str, Any]]:
    """The contact's `contact.updated` payloads, in order."""

    async def read() -> list[dict[str, Any]]:
        async with server.db.read("test") as s:
            payloads = await s.scalars(
                select(OutboxEvent.payload)
                .where(OutboxEvent.type == "contact.updated")
                .order_by(OutboxEvent.position)
            )
            return [p for p in payloads if p["contact"]["id"] == contact_id]

    result: list[dict[str, Any]] = server.run(read())
    return result


def _changes(server: Server, contact_id: str) -> list[dict[str, Any]]:
    return [p["changes"] for p in _updates(server, contact_id)]


def test_tag_and_attribute_triggers_fire_on_the_first_change_of_an_older_contact(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    define(owner, "plan")
    # Created, tagged and given a plan before any workflow exists.
    created = owner.request(
        "POST", owner.ws("/contacts"), json={"name": "Old", "tags": ["old"], "attributes": {}}
    )
    assert created.status_code == 201, created.text
    contact = created.json()["id"]
    first = owner.request(
        "PATCH", owner.ws(f"/contacts/{contact}"), json={"attributes": {"plan": "free"}}
    )
    assert first.status_code == 200, first.text

    vip = publish(owner, _tagging({"type": "tag_added", "params": {"tag": "vip"}}, "seen-vip"))
    plan = publish(
        owner, _tagging({"type": "attribute_changed", "params": {"key": "plan"}}, "seen-plan")
    )
    tagged = owner.request("POST", owner.ws(f"/contacts/{contact}/tags"), json={"tags": ["vip"]})
    assert tagged.status_code in (200, 204), tagged.text
    changed = owner.request(
        "PATCH", owner.ws(f"/contacts/{contact}"), json={"attributes": {"plan": "pro"}}
    )
    assert changed.status_code == 200, changed.text

    [vip_run] = wait_for_runs(owner, vip["id"], 1, {"completed"})
    [plan_run] = wait_for_runs(owner, plan["id"], 1, {"completed"})
    assert vip_run["contact_id"] == plan_run["contact_id"] == contact
    # The events name what changed; the runs' own tags too.
    changes = _changes(server, contact)
    assert changes[0] == {
        "tags_added": [],
        "tags_removed": [],
        "attributes": {"plan": {"old": None, "new": "free"}},
    }
    assert {"tags_added": ["vip"], "tags_removed": [], "attributes": {}} in changes
    assert {
        "tags_added": [],
        "tags_removed": [],
        "attributes": {"plan": {"old": "free", "new": "pro"}},
    } in changes
    assert {"tags_added": ["seen-vip"], "tags_removed": [], "attributes": {}} in changes
    tags = owner.request("GET", owner.ws(f"/contacts/{contact}")).json()["tags"]
    assert {"old", "vip", "seen-vip", "seen-plan"} <= set(tags)


def test_a_runs_later_nodes_and_events_see_the_attribute_an_earlier_node_set(
    server: Server, client: httpx.Client
) -> None:
    owner = signup(client)
    define(owner, "plan")
    channel = api_channel(owner)
    is_pro = {
        "match": "all",
        "rules": [{"field": "contact.attributes.plan", "op": "eq", "value": "pro"}],
    }
    flow = publish(
        owner,
        graph(
            {
                "type": "message_received",
                "params": {"keywords": {"mode": "contains", "values": ["upgrade"]}},
            },
            [
                {"id": "set", "type": "set_attribute", "params": {"key": "plan", "value": "pro"}},
                {"id": "vip", "type": "add_tag", "params": {"tags": ["vip"]}},
                {"id": "check", "type": "condition", "params": is_pro},
                {"id": "seen", "type": "add_tag", "params": {"tags": ["pro-seen"]}},
            ],
            [("trigger", "set"), ("set", "vip"), ("vip", "check"), ("check", "seen", "true")],
        ),
    )
    # Several contacts at once, so that their runs advance in one batch.
    for n in range(5):
        inbound(owner, channel, text="please upgrade", contact=f"upgrader-{n}")
    done = wait_for_runs(owner, flow["id"], 5, {"completed"})
    for run in done:
        contact = run["contact_id"]
        tags = owner.request("GET", owner.ws(f"/contacts/{contact}")).json()["tags"]
        assert {"vip", "pro-seen"} <= set(tags), tags
        # The tag's event carries the contact as the earlier node left it.
        [vip_event] = [
            u for u in _updates(server, contact) if u["changes"]["tags_added"] == ["vip"]
        ]
        assert vip_event["contact"]["attributes"] == {"plan": "pro"}
