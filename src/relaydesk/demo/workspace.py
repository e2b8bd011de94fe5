"""The demo's workspace, owner and channel accounts: created on the first start, found again
(by the owner's email, the workspace's and the channels' names) and pointed at the new fakes
on every later one, so the conversations of earlier runs stay."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from relaydesk.db import Database
from relaydesk.db.database import create_engine
from relaydesk.domains.actor import Actor
from relaydesk.domains.channels import actions as channel_actions
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.queries import list_channels
from relaydesk.domains.channels.schemas import (
    ChannelUpdateIn,
    TelegramChannelCreateIn,
    WhatsAppChannelCreateIn,
)
from relaydesk.domains.workspaces import queries
from relaydesk.domains.workspaces.actions import auth, workspaces
from relaydesk.security.credentials import Sealer
from relaydesk.settings import Settings

# A fixed, clearly-demo login: the demo serves on 127.0.0.1 by default, holds only simulated
# data, and a newcomer must be able to log in without reading any file.
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "relaydesk-demo"  # noqa: S105 - the demo's published password
DEMO_OWNER_NAME = "Demo owner"
DEMO_WORKSPACE = "RelayDesk demo"
TELEGRAM_CHANNEL = "Demo Telegram bot"
WHATSAPP_CHANNEL = "Demo WhatsApp number"

# Accepted by the Telegram fake (any well-formed token); never valid at Telegram.
BOT_TOKEN = "7000000001:DEMO-relaydesk-fake-bot-token"  # noqa: S105
BOT_ID = 7000000001
BOT_USERNAME = "relaydesk_demo_bot"
PHONE_NUMBER_ID = "100000000000001"
DISPLAY_NUMBER = "15550100000"
ACCESS_TOKEN = "demo-access-token"  # noqa: S105 - only the local fake knows it
APP_SECRET = "demo-app-secret"  # noqa: S105
VERIFY_TOKEN = "demo-verify-token"  # noqa: S105


@dataclass(frozen=True)
class DemoWorkspace:
    workspace_id: uuid.UUID
    telegram_channel_id: uuid.UUID
    whatsapp_channel_id: uuid.UUID
    created: bool
    telegram_status: str
    whatsapp_status: str


async def ensure_demo_workspace(
    settings: Settings, *, telegram_api: str, whatsapp_api: str
) -> DemoWorkspace:
    """Create or find the demo's workspace and point its channels at the fakes
    (`telegram_api`: the Telegram fake's base URL; `whatsapp_api`: the Graph URL with its
    version). Channels are connected as they would be through the API: Telegram's webhook is
    registered at `settings.base_url`."""
    db = Database(create_engine(settings.database, pool_size=1))
    sealer = Sealer.from_settings(settings)
    try:
        owner, workspace_id, created = await _owner_and_workspace(db)
        existing = {c.name: c for c in (await list_channels(db, workspace_id, None, 100)).items}
        telegram = await _telegram(
            db, sealer, settings, owner, workspace_id, existing.get(TELEGRAM_CHANNEL), telegram_api
        )
        whatsapp = await _whatsapp(
            db, sealer, settings, owner, workspace_id, existing.get(WHATSAPP_CHANNEL), whatsapp_api
        )
    finally:
        await db.dispose()
    return DemoWorkspace(
        workspace_id=workspace_id,
        telegram_channel_id=telegram.id,
        whatsapp_channel_id=whatsapp.id,
        created=created,
        telegram_status=str(telegram.status),
        whatsapp_status=str(whatsapp.status),
    )


async def _owner_and_workspace(db: Database) -> tuple[Actor, uuid.UUID, bool]:
    async with db.read("demo_owner") as s:
        user = await queries.user_by_email_txn(s, DEMO_EMAIL)
    if user is None:
        user, workspace = await auth.create_user_with_workspace(
            db,
            Actor.system(),
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            name=DEMO_OWNER_NAME,
            workspace_name=DEMO_WORKSPACE,
        )
        return Actor.system().as_user(user.id), workspace.id, True
    owner = Actor.system().as_user(user.id)
    for mine in await queries.my_workspaces(db, user.id):
        if mine.name == DEMO_WORKSPACE:
            return owner, mine.id, False
    workspace = await workspaces.create_workspace(db, owner, DEMO_WORKSPACE)
    return owner, workspace.id, True


async def _telegram(
    db: Database,
    sealer: Sealer,
    settings: Settings,
    owner: Actor,
    workspace_id: uuid.UUID,
    channel: Channel | None,
    api: str,
) -> Channel:
    if channel is None:
        body = TelegramChannelCreateIn.model_validate(
            {
                "type": "telegram",
                "name": TELEGRAM_CHANNEL,
                "bot_token": BOT_TOKEN,
                "api_base_url": api,
            }
        )
        made = await channel_actions.create_channel(
            db, sealer, owner, workspace_id, body, base_url=settings.base_url
        )
        return made.channel
    # The fake starts empty on another port: registering the webhook again tells it our URL.
    update = ChannelUpdateIn.model_validate(
        {"api_base_url": api, "bot_token": BOT_TOKEN, "mode": "webhook", "enabled": True}
    )
    return await channel_actions.update_channel(
        db, sealer, owner, workspace_id, channel.id, update, base_url=settings.base_url
    )


async def _whatsapp(
    db: Database,
    sealer: Sealer,
    settings: Settings,
    owner: Actor,
    workspace_id: uuid.UUID,
    channel: Channel | None,
    api: str,
) -> Channel:
    secrets = {
        "phone_number_id": PHONE_NUMBER_ID,
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "api_base_url": api,
    }
    if channel is None:
        body = WhatsAppChannelCreateIn.model_validate(
            {"type": "whatsapp_cloud", "name": WHATSAPP_CHANNEL, **secrets}
        )
        made = await channel_actions.create_channel(
            db, sealer, owner, workspace_id, body, base_url=settings.base_url
        )
        return made.channel
    update = ChannelUpdateIn.model_validate({**secrets, "enabled": True})
    return await channel_actions.update_channel(
        db, sealer, owner, workspace_id, channel.id, update, base_url=settings.base_url
    )
