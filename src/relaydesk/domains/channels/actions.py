"""The only writers of channel accounts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from relaydesk.db import Database
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.schemas import ChannelCreateIn
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.security import secrets

CHANNEL_SECRET_KIND = "rdc"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class CreatedChannel:
    channel: Channel
    inbound_secret: str


async def create_channel(
    db: Database, actor: Actor, workspace_id: uuid.UUID, body: ChannelCreateIn
) -> CreatedChannel:
    secret = secrets.issue(CHANNEL_SECRET_KIND)
    async with db.write("create_channel") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        channel = Channel(
            workspace_id=workspace_id,
            type=body.type,
            name=body.name,
            outbound_url=str(body.outbound_url) if body.outbound_url else None,
            inbound_secret_digest=secret.digest,
        )
        s.add(channel)
        await s.flush()
        record_txn(
            s,
            actor,
            "channel.created",
            workspace_id=workspace_id,
            target_type="channel",
            target_id=channel.id,
            data={"type": body.type, "name": body.name},
        )
    return CreatedChannel(channel=channel, inbound_secret=secret.plaintext)
