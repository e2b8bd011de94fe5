"""The only writers of channel accounts."""

from __future__ import annotations

import secrets as std_secrets
import uuid
from dataclasses import dataclass
from typing import Any

from relaydesk.db import Database
from relaydesk.db.base import new_id
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.schemas import (
    ApiChannelCreateIn,
    ChannelCreateIn,
    TelegramChannelCreateIn,
    WhatsAppChannelCreateIn,
)
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.security import secrets
from relaydesk.security.credentials import Sealer, mask

CHANNEL_SECRET_KIND = "rdc"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class CreatedChannel:
    channel: Channel
    inbound_secret: str | None = None


def _provider_fields(
    channel_id: uuid.UUID, body: ChannelCreateIn, base_url: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(public config, secrets) of a provider account."""
    if isinstance(body, TelegramChannelCreateIn):
        config: dict[str, Any] = {
            "api_base_url": str(body.api_base_url) if body.api_base_url else None,
            "webhook_url": f"{base_url}/hooks/telegram/{channel_id}",
        }
        # Telegram echoes this in X-Telegram-Bot-Api-Secret-Token on every webhook call.
        sealed = {"bot_token": body.bot_token, "secret_token": std_secrets.token_urlsafe(32)}
        shown = {"bot_token": mask(body.bot_token)}
    elif isinstance(body, WhatsAppChannelCreateIn):
        config = {
            "api_base_url": str(body.api_base_url) if body.api_base_url else None,
            "phone_number_id": body.phone_number_id,
            "business_account_id": body.business_account_id,
            "webhook_url": f"{base_url}/hooks/whatsapp/{channel_id}",
        }
        sealed = {
            "access_token": body.access_token,
            "app_secret": body.app_secret,
            "verify_token": body.verify_token,
        }
        shown = {k: mask(v) for k, v in sealed.items()}
    else:
        raise TypeError(f"no provider fields for {type(body).__name__}")
    config["masked"] = shown
    return config, sealed


async def create_channel(
    db: Database,
    sealer: Sealer,
    actor: Actor,
    workspace_id: uuid.UUID,
    body: ChannelCreateIn,
    *,
    base_url: str,
) -> CreatedChannel:
    channel_id = new_id()
    inbound_secret = None
    if isinstance(body, ApiChannelCreateIn):
        issued = secrets.issue(CHANNEL_SECRET_KIND)
        inbound_secret = issued.plaintext
        channel = Channel(
            id=channel_id,
            workspace_id=workspace_id,
            type=body.type,
            name=body.name,
            outbound_url=str(body.outbound_url) if body.outbound_url else None,
            inbound_secret_digest=issued.digest,
            config={},
        )
    else:
        config, sealed = _provider_fields(channel_id, body, base_url)
        channel = Channel(
            id=channel_id,
            workspace_id=workspace_id,
            type=body.type,
            name=body.name,
            mode=body.mode.value if isinstance(body, TelegramChannelCreateIn) else None,
            config=config,
            credentials=sealer.seal(channel_id, sealed),
        )
    async with db.write("create_channel") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
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
    return CreatedChannel(channel=channel, inbound_secret=inbound_secret)
