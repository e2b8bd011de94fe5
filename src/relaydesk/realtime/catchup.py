"""Subscribing with resume: replay what the client missed, then switch to live, exactly once.

The subscription is registered with the hub first, in catch-up mode, so live events that
arrive during the replay are parked rather than lost. The replay sends, first, the
messages after the seqs the client holds (read from the messages themselves, so it never
depends on how long the outbox keeps events), then the events after the client's
position; then, with no await in between, the parked events past the replay are sent and
the subscription goes live. Events are dropped by position, and `message.created` events
also by seq, so none is sent twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import select

from relaydesk.db.database import shielded
from relaydesk.domains.conversations.models import Conversation
from relaydesk.domains.conversations.queries import messages_by_seq
from relaydesk.domains.conversations.schemas import MessageOut
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.errors import AppError, CommonError, not_found
from relaydesk.events import queries
from relaydesk.realtime import frames
from relaydesk.realtime.connection import Connection, Subscription
from relaydesk.realtime.delivery import Delivery, OutFrame
from relaydesk.realtime.runtime import Realtime

_PAGE = 200
# Messages replayed by seq are read 1,000 at a time and sent up to 100 in a frame (fewer
# frames to write, compress and parse), each frame well under 1 MiB, the smallest
# message limit common clients keep by default.
_MESSAGE_PAGE = 1000
_BATCH_MESSAGES = 100
_BATCH_CHARS = 256 * 1024
_SEND_TIMEOUT = 10.0


async def subscribe(
    realtime: Realtime,
    connection: Connection,
    access: WorkspaceAccess,
    conversation_ids: Iterable[uuid.UUID] | None,
    after: int | None,
    ref: Any = None,
    seqs: Mapping[uuid.UUID, int] | None = None,
) -> None:
    hub = realtime.hub
    if conversation_ids is not None:
        conversation_ids = frozenset(conversation_ids)
    # Checked before anything changes: a refused subscribe leaves the old one in place.
    last_seqs = await _last_seqs(realtime, access.workspace_id, conversation_ids, seqs or {})
    unsubscribe(realtime, connection, access.workspace_id)
    # Parked events must fit in the send queue with `caught_up` when the replay ends.
    subscription = Subscription(
        connection, access, conversation_ids, realtime.settings.realtime_send_queue - 1
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
                **({} if seqs is None else {"seqs": {str(c): s for c, s in seqs.items()}}),
            ),
        )
    )
    if after is None and not seqs:
        subscription.last_position = hub.position
        hub.add(subscription)
        _caught_up(connection, workspace, hub.position)
        return
    subscription.buffer = []
    registered_at = hub.position
    hub.add(subscription)
    try:
        await _catch_up(realtime, subscription, after, registered_at, seqs, last_seqs)
    except BaseException:
        # A replay that failed (or was cut short) leaves no subscription parking events.
        if connection.subscriptions.get(access.workspace_id) is subscription:
            unsubscribe(realtime, connection, access.workspace_id)
        raise


async def _catch_up(
    realtime: Realtime,
    subscription: Subscription,
    after: int | None,
    registered_at: int,
    seqs: Mapping[uuid.UUID, int] | None,
    last_seqs: Mapping[uuid.UUID, int],
) -> None:
    connection = subscription.connection
    if after is not None and await _too_old(realtime, after):
        await connection.wait_for_room(1, _SEND_TIMEOUT)
        _resync(realtime, subscription)
        return
    resync: list[uuid.UUID] = []
    if seqs:
        resync = await _replay_messages(realtime, subscription, seqs, last_seqs)
    # Events after the client's position; with seqs alone, only what overflowed the buffer.
    upto = registered_at if after is None else after
    read_outbox = after is not None
    replayed = 0
    while True:
        if read_outbox:
            page = await shielded(
                queries.events_after(realtime.db, subscription.workspace_id, upto, _PAGE)
            )
            for event in page:
                replayed += 1
                if replayed > realtime.settings.realtime_replay_limit:
                    await connection.wait_for_room(1, _SEND_TIMEOUT)
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
            read_outbox = True
            continue
        # Going live sends what was parked, then `caught_up`, with no await in between:
        # first wait until they fit in the send queue (more may be parked meanwhile).
        parked = len(subscription.buffer or ()) + 1
        if not connection.has_room(parked):
            await connection.wait_for_room(parked, _SEND_TIMEOUT)
            read_outbox = False
            continue
        break
    if connection.subscriptions.get(subscription.workspace_id) is not subscription:
        return  # ended while catching up (the caller left the workspace)
    position = subscription.go_live(upto, realtime.hub.position)
    workspace = str(subscription.workspace_id)
    _caught_up(connection, workspace, position, None if seqs is None else resync)


def unsubscribe(realtime: Realtime, connection: Connection, workspace_id: uuid.UUID) -> bool:
    subscription = connection.subscriptions.pop(workspace_id, None)
    if subscription is None:
        return False
    realtime.hub.remove(subscription)
    return True


async def _last_seqs(
    realtime: Realtime,
    workspace_id: uuid.UUID,
    conversation_ids: frozenset[uuid.UUID] | None,
    seqs: Mapping[uuid.UUID, int],
) -> dict[uuid.UUID, int]:
    """Each named conversation's last seq; 404 for one that is not the workspace's."""
    if not seqs:
        return {}
    if conversation_ids is not None:
        outside = [c for c in seqs if c not in conversation_ids]
        if outside:
            raise AppError(
                CommonError.VALIDATION_FAILED,
                f"seqs: conversation {outside[0]} is not among conversation_ids",
            )
    stmt = select(Conversation.id, Conversation.last_seq).where(
        Conversation.workspace_id == workspace_id, Conversation.id.in_(list(seqs))
    )

    async def read() -> dict[uuid.UUID, int]:
        async with realtime.db.read("realtime_conversation_seqs") as s:
            return {row.id: row.last_seq for row in await s.execute(stmt)}

    found = await shielded(read())
    missing = [c for c in seqs if c not in found]
    if missing:
        raise not_found(f"conversation {missing[0]}")
    return found


async def _replay_messages(
    realtime: Realtime,
    subscription: Subscription,
    seqs: Mapping[uuid.UUID, int],
    last_seqs: Mapping[uuid.UUID, int],
) -> list[uuid.UUID]:
    """Send each conversation's messages after the client's seq, in seq order, in `messages`
    frames; returns the conversations left to the client to refetch (too many messages, or
    a seq this server never gave)."""
    budget = realtime.settings.realtime_replay_limit
    held: dict[uuid.UUID, int] = {}
    resync: list[uuid.UUID] = []
    # Live messages of these conversations at or below `held` are dropped from now on.
    subscription.seqs = held
    for conversation_id, have in seqs.items():
        last = last_seqs[conversation_id]
        if have > last or last - have > budget:
            resync.append(conversation_id)
            continue
        budget -= last - have
        held[conversation_id] = have
        prefix = (
            f'{{"v":{frames.VERSION},"type":"messages",'
            f'"workspace_id":"{subscription.workspace_id}",'
            f'"conversation_id":"{conversation_id}","messages":['
        )
        while True:
            page = await shielded(
                messages_by_seq(
                    realtime.db,
                    subscription.workspace_id,
                    conversation_id,
                    after_seq=held[conversation_id],
                    before_seq=None,
                    limit=_MESSAGE_PAGE,
                )
            )
            for batch, last_seq in _batches(page.items):
                text = prefix + ",".join(batch) + "]}"
                await subscription.connection.send(OutFrame("messages", text), _SEND_TIMEOUT)
                held[conversation_id] = last_seq
            if not page.has_more:
                break
    return resync


def _batches(messages: list[MessageOut]) -> Iterator[tuple[list[str], int]]:
    """The messages as JSON, in runs of at most `_BATCH_MESSAGES` and about `_BATCH_CHARS`
    each (a longer message goes alone), with the last seq of each run."""
    batch: list[str] = []
    size, last_seq = 0, 0
    for message in messages:
        text = message.model_dump_json()
        if batch and (len(batch) == _BATCH_MESSAGES or size + len(text) > _BATCH_CHARS):
            yield batch, last_seq
            batch, size = [], 0
        batch.append(text)
        size += len(text)
        last_seq = message.seq
    if batch:
        yield batch, last_seq


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


def _caught_up(
    connection: Connection,
    workspace: str,
    position: int,
    resync_conversation_ids: list[uuid.UUID] | None = None,
) -> None:
    fields: dict[str, Any] = {"workspace_id": workspace, "position": position}
    if resync_conversation_ids is not None:
        fields["resync_conversation_ids"] = [str(c) for c in resync_conversation_ids]
    connection.send_nowait(OutFrame("caught_up", frames.dump("caught_up", **fields), position))
