"""Subscribing with resume: replay what the client missed, then switch to live, exactly once.

The subscription is registered with the hub first, in catch-up mode, so live events that
arrive during the replay are parked rather than lost. The replay reads the outbox after the
client's position; then, with no await in between, the parked events past the replay are
sent and the subscription goes live. Events are dropped by position, so none is sent twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from relaydesk.db.database import shielded
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.events import queries
from relaydesk.realtime import frames
from relaydesk.realtime.connection import Connection, Subscription
from relaydesk.realtime.delivery import Delivery, OutFrame
from relaydesk.realtime.runtime import Realtime

_PAGE = 200
_SEND_TIMEOUT = 10.0


async def subscribe(
    realtime: Realtime,
    connection: Connection,
    access: WorkspaceAccess,
    conversation_ids: Iterable[uuid.UUID] | None,
    after: int | None,
    ref: Any = None,
) -> None:
    hub = realtime.hub
    unsubscribe(realtime, connection, access.workspace_id)
    subscription = Subscription(
        connection, access, conversation_ids, realtime.settings.realtime_send_queue
    )
    connection.subscriptions[access.workspace_id] = subscription
    workspace = str(access.workspace_id)
    connection.send_nowait(
        OutFrame(
            "subscribed",
            frames.dump(
                "subscribed",
                ref=ref,
                workspace_id=workspace,
                conversation_ids=None
                if subscription.conversation_ids is None
                else sorted(str(c) for c in subscription.conversation_ids),
                after=after,
            ),
        )
    )
    if after is None:
        subscription.last_position = hub.position
        hub.add(subscription)
        _caught_up(connection, workspace, hub.position)
        return
    subscription.buffer = []
    hub.add(subscription)
    if await _too_old(realtime, after):
        _resync(realtime, subscription)
        return
    replayed, upto = 0, after
    while True:
        page = await shielded(queries.events_after(realtime.db, access.workspace_id, upto, _PAGE))
        for event in page:
            replayed += 1
            if replayed > realtime.settings.realtime_replay_limit:
                _resync(realtime, subscription)
                return
            delivery = Delivery.of(event)
            if subscription.wants(delivery):
                await connection.send(delivery.frame, _SEND_TIMEOUT)
            upto = event.position
        if len(page) == _PAGE:
            continue
        if subscription.overflowed:
            # Too much arrived meanwhile to park: it is all in the outbox, read on.
            subscription.buffer, subscription.overflowed = [], False
            continue
        break
    position = subscription.go_live(upto, hub.position)
    _caught_up(connection, workspace, position)


def unsubscribe(realtime: Realtime, connection: Connection, workspace_id: uuid.UUID) -> bool:
    subscription = connection.subscriptions.pop(workspace_id, None)
    if subscription is None:
        return False
    realtime.hub.remove(subscription)
    return True


async def _too_old(realtime: Realtime, after: int) -> bool:
    """A position from before the oldest kept event, or one this server never gave out."""
    if after > max(realtime.hub.position, await shielded(queries.max_position(realtime.db))):
        return True
    oldest = await shielded(queries.min_position(realtime.db))
    return oldest is not None and after < oldest - 1


def _resync(realtime: Realtime, subscription: Subscription) -> None:
    # Live from now on: the client refetches its state, then applies the events that follow.
    position = realtime.hub.position
    subscription.buffer, subscription.overflowed = None, False
    subscription.last_position = position
    frame = frames.dump(
        "resync_required", workspace_id=str(subscription.workspace_id), position=position
    )
    subscription.connection.send_nowait(OutFrame("resync_required", frame, position))


def _caught_up(connection: Connection, workspace: str, position: int) -> None:
    frame = frames.dump("caught_up", workspace_id=workspace, position=position)
    connection.send_nowait(OutFrame("caught_up", frame, position))
