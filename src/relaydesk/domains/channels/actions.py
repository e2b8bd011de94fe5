"""The only writers of channel accounts and their message templates.

Provider calls (register a webhook, test the connection, list templates) happen outside the
write transactions; what they find is recorded in a short transaction of its own.
"""

from __future__ import annotations

import secrets as std_secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.errors import ChannelError as ProviderError
from relaydesk.channels.errors import ErrorKind, redact
from relaydesk.channels.whatsapp import WhatsAppAdapter
from relaydesk.db import Database
from relaydesk.db.base import new_id, utcnow
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.channels import accounts
from relaydesk.domains.channels.error_codes import ChannelError
from relaydesk.domains.channels.health import record_status_txn
from relaydesk.domains.channels.models import Channel, MessageTemplate
from relaydesk.domains.channels.queries import get_channel, get_channel_txn
from relaydesk.domains.channels.schemas import (
    ApiChannelCreateIn,
    ChannelCreateIn,
    ChannelStatus,
    ChannelType,
    ChannelUpdateIn,
    TelegramChannelCreateIn,
    TemplateIn,
    TemplateSyncOut,
    WhatsAppChannelCreateIn,
)
from relaydesk.domains.channels.templates import fetch_templates
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, not_found
from relaydesk.security import secrets
from relaydesk.security.credentials import CredentialsError, Sealer, mask

CHANNEL_SECRET_KIND = "rdc"  # noqa: S105 - a prefix, not a secret
# What a PATCH may change, per channel type (name and enabled apply to every type).
_TYPE_FIELDS = {
    ChannelType.api: {"outbound_url"},
    ChannelType.telegram: {"bot_token", "mode", "api_base_url", "rate_limits"},
    ChannelType.whatsapp_cloud: {
        "rate_limits",
        "phone_number_id",
        "business_account_id",
        "access_token",
        "app_secret",
        "verify_token",
        "api_base_url",
    },
}
_SEALED = {"bot_token", "access_token", "app_secret", "verify_token"}
_CONFIG = {"api_base_url", "phone_number_id", "business_account_id"}
# Changes after which the provider is asked again (webhook registered, health checked).
_RECONNECT = {
    ChannelType.telegram: {"bot_token", "mode", "api_base_url"},
    ChannelType.whatsapp_cloud: {"phone_number_id", "access_token", "api_base_url"},
}
_RESEAL_BATCH = 100


@dataclass(frozen=True)
class CreatedChannel:
    channel: Channel
    inbound_secret: str | None = None


def webhook_url(channel_type: ChannelType, channel_id: uuid.UUID, base_url: str) -> str:
    """Where the provider posts this account's webhooks (api/hooks.py)."""
    path = "telegram" if channel_type == ChannelType.telegram else "whatsapp"
    return f"{base_url}/hooks/{path}/{channel_id}"


def _provider_fields(
    channel_id: uuid.UUID, body: ChannelCreateIn, base_url: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(public config, secrets) of a provider account."""
    if isinstance(body, TelegramChannelCreateIn):
        config: dict[str, Any] = {
            "api_base_url": str(body.api_base_url) if body.api_base_url else None,
            "webhook_url": webhook_url(ChannelType.telegram, channel_id, base_url),
        }
        # Telegram echoes this in X-Telegram-Bot-Api-Secret-Token on every webhook call.
        sealed = {"bot_token": body.bot_token, "secret_token": std_secrets.token_urlsafe(32)}
    elif isinstance(body, WhatsAppChannelCreateIn):
        config = {
            "api_base_url": str(body.api_base_url) if body.api_base_url else None,
            "phone_number_id": body.phone_number_id,
            "business_account_id": body.business_account_id,
            "webhook_url": webhook_url(ChannelType.whatsapp_cloud, channel_id, base_url),
        }
        sealed = {
            "access_token": body.access_token,
            "app_secret": body.app_secret,
            "verify_token": body.verify_token,
        }
    else:
        raise TypeError(f"no provider fields for {type(body).__name__}")
    if body.rate_limits is not None:
        config["rate_limits"] = body.rate_limits.stored()
    config["masked"] = _masked(sealed)
    return config, sealed


def _masked(sealed: dict[str, Any]) -> dict[str, str]:
    # The secret token is ours, not the member's: it is never shown, even masked.
    return {k: mask(str(v)) for k, v in sealed.items() if k in _SEALED}


async def _reload_txn(s: AsyncSession, channel_id: uuid.UUID) -> Channel:
    channel = await s.scalar(
        select(Channel).where(Channel.id == channel_id).execution_options(populate_existing=True)
    )
    assert channel is not None
    return channel


async def _record_probe(db: Database, channel_id: uuid.UUID, probe: accounts.Probe) -> Channel:
    async with db.write("record_channel_probe") as s:
        await record_status_txn(s, channel_id, probe.status, utcnow(), probe.error)
        return await _reload_txn(s, channel_id)


async def create_channel(
    db: Database,
    sealer: Sealer,
    actor: Actor,
    workspace_id: uuid.UUID,
    body: ChannelCreateIn,
    *,
    base_url: str,
) -> CreatedChannel:
    """Store the account, then (outside the transaction) tell the provider about it; a
    provider failure keeps the account, `degraded` or `disconnected` with the error."""
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
    if channel.type != ChannelType.api:
        channel = await _record_probe(db, channel.id, await accounts.connect(sealer, channel))
    return CreatedChannel(channel=channel, inbound_secret=inbound_secret)


def _check_fields(channel: Channel, given: set[str]) -> None:
    foreign = given - {"name", "enabled"} - _TYPE_FIELDS.get(ChannelType(channel.type), set())
    if foreign:
        raise AppError(
            ChannelError.FIELD_NOT_APPLICABLE,
            f"{', '.join(sorted(foreign))}: not a setting of a {channel.type} channel",
        )


def _apply_provider_fields(
    sealer: Sealer, channel: Channel, body: ChannelUpdateIn, given: set[str]
) -> dict[str, Any]:
    """Apply config and secret changes; returns the credentials as they were (opened)."""
    try:
        before = sealer.open(channel.id, channel.credentials) if channel.credentials else {}
    except CredentialsError:
        raise AppError(ChannelError.CREDENTIALS_UNREADABLE) from None
    config = dict(channel.config or {})
    for name in given & _CONFIG:
        value = getattr(body, name)
        if value is None and name == "phone_number_id":
            continue
        config[name] = str(value) if value is not None else None
    sealed = dict(before)
    for name in given & _SEALED:
        if getattr(body, name) is not None:
            sealed[name] = getattr(body, name)
    if sealed != before:
        channel.credentials = sealer.seal(channel.id, sealed)
        config["masked"] = _masked(sealed)
    if "rate_limits" in given:
        if body.rate_limits is None:
            config.pop("rate_limits", None)
        else:
            config["rate_limits"] = body.rate_limits.stored()
    channel.config = config
    if "mode" in given and body.mode is not None:
        channel.mode = body.mode.value
    return before


async def update_channel(
    db: Database,
    sealer: Sealer,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    body: ChannelUpdateIn,
    *,
    base_url: str | None = None,
) -> Channel:
    """Rename, enable or disable, or change settings and secrets (sealed again). A Telegram
    account whose token, mode or API address changed registers its webhook again (and the
    old token's webhook is removed); a WhatsApp account whose token changed is checked.
    With `base_url`, a provider account's webhook URL follows the server's address (and a
    Telegram account whose URL moved registers it again)."""
    given = set(body.model_fields_set)
    moved = False
    async with db.write("update_channel") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        channel = await get_channel_txn(s, workspace_id, channel_id, lock=True)
        _check_fields(channel, given)
        was_mode = channel.mode
        if body.name is not None:
            channel.name = body.name
        if body.enabled is not None:
            channel.enabled = body.enabled
        if "outbound_url" in given:
            channel.outbound_url = str(body.outbound_url) if body.outbound_url else None
        before: dict[str, Any] = {}
        if given & (_SEALED | _CONFIG | {"mode", "rate_limits"}):
            before = _apply_provider_fields(sealer, channel, body, given)
        if base_url is not None and channel.type != ChannelType.api:
            url = webhook_url(ChannelType(channel.type), channel.id, base_url)
            moved = url != (channel.config or {}).get("webhook_url")
            channel.config = {**(channel.config or {}), "webhook_url": url}
        record_txn(
            s,
            actor,
            "channel.updated",
            workspace_id=workspace_id,
            target_type="channel",
            target_id=channel.id,
            # Names of what changed only: never a secret's value.
            data={"fields": sorted(given)},
        )
    if moved or given & _RECONNECT.get(ChannelType(channel.type), set()):
        old_token = before.get("bot_token")
        token_changed = body.bot_token is not None and old_token not in (None, body.bot_token)
        if channel.type == ChannelType.telegram and token_changed and was_mode != "polling":
            # The old bot would otherwise keep posting to our URL, refused for its secret.
            await accounts.remove_webhook(channel, {**channel.config, **before})
        channel = await _record_probe(db, channel.id, await accounts.connect(sealer, channel))
    return channel


async def delete_channel(
    db: Database, sealer: Sealer, actor: Actor, workspace_id: uuid.UUID, channel_id: uuid.UUID
) -> None:
    """Soft delete: the row (and so its conversations and messages) stays, disabled and
    marked deleted; a Telegram webhook is removed, best effort."""
    async with db.write("delete_channel") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        channel = await get_channel_txn(s, workspace_id, channel_id, lock=True)
        channel.deleted_at = utcnow()
        # Disabled too, so every reader that checks `enabled` stops at once.
        channel.enabled = False
        record_txn(
            s,
            actor,
            "channel.deleted",
            workspace_id=workspace_id,
            target_type="channel",
            target_id=channel.id,
            data={"type": channel.type, "name": channel.name},
        )
    await accounts.disconnect(sealer, channel)


async def check_connection(
    db: Database, sealer: Sealer, actor: Actor, workspace_id: uuid.UUID, channel_id: uuid.UUID
) -> Channel:
    """Test the connection and record what was found (status, last error)."""
    channel = await get_channel(db, workspace_id, channel_id)
    if channel.type == ChannelType.api:
        raise AppError(ChannelError.WRONG_TYPE, "An API channel has no provider to test")
    probe = await accounts.check(sealer, channel)
    async with db.write("test_channel") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        await record_status_txn(s, channel.id, probe.status, utcnow(), probe.error)
        return await _reload_txn(s, channel.id)


# -- key rotation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResealFailure:
    channel_id: uuid.UUID
    workspace_id: uuid.UUID
    name: str
    reason: str


@dataclass
class ResealReport:
    resealed: int = 0
    current: int = 0
    failed: list[ResealFailure] = field(default_factory=list)


async def reseal_credentials(
    db: Database, sealer: Sealer, on_progress: Callable[[int, int], None] | None = None
) -> ResealReport:
    """Seal every channel's credentials (deleted channels' too) with the sealer's first key.
    Idempotent: credentials already under that key are left alone. A channel whose
    credentials no configured key opens is reported and left as it is."""
    async with db.read("reseal_channel_ids") as s:
        ids: Sequence[uuid.UUID] = (
            await s.scalars(
                select(Channel.id).where(Channel.credentials.is_not(None)).order_by(Channel.id)
            )
        ).all()
    report = ResealReport()
    done = 0
    if on_progress:
        on_progress(0, len(ids))
    for start in range(0, len(ids), _RESEAL_BATCH):
        chunk = ids[start : start + _RESEAL_BATCH]
        async with db.write("reseal_credentials") as s:
            rows = await s.scalars(
                select(Channel).where(Channel.id.in_(chunk)).order_by(Channel.id).with_for_update()
            )
            for channel in rows:
                report.resealed += _reseal(sealer, channel, report)
        done += len(chunk)
        if on_progress:
            on_progress(done, len(ids))
    return report


def _reseal(sealer: Sealer, channel: Channel, report: ResealReport) -> int:
    if not channel.credentials or not sealer.needs_reseal(channel.credentials):
        report.current += 1
        return 0
    try:
        values = sealer.open(channel.id, channel.credentials)
    except CredentialsError as exc:
        report.failed.append(
            ResealFailure(channel.id, channel.workspace_id, channel.name, str(exc))
        )
        return 0
    channel.credentials = sealer.seal(channel.id, values)
    return 1


# -- message templates (WhatsApp) ---------------------------------------------------------------


async def _whatsapp_channel_txn(
    s: AsyncSession, actor: Actor, workspace_id: uuid.UUID, channel_id: uuid.UUID
) -> Channel:
    """The check of every template write: may manage, an undeleted WhatsApp account (locked,
    so template writes of one account are serialised)."""
    await require_txn(s, actor, workspace_id, Permission.workspace_manage)
    channel = await get_channel_txn(s, workspace_id, channel_id, lock=True)
    if channel.type != ChannelType.whatsapp_cloud:
        raise AppError(ChannelError.WRONG_TYPE, "Only WhatsApp channels have message templates")
    return channel


async def add_template(
    db: Database, actor: Actor, workspace_id: uuid.UUID, channel_id: uuid.UUID, body: TemplateIn
) -> MessageTemplate:
    """Enter a template as registered with Meta (status APPROVED, source `entered`)."""
    async with db.write("add_template") as s:
        await _whatsapp_channel_txn(s, actor, workspace_id, channel_id)
        existing = await s.scalar(
            select(MessageTemplate.id).where(
                MessageTemplate.channel_id == channel_id,
                MessageTemplate.name == body.name,
                MessageTemplate.language == body.language,
            )
        )
        if existing is not None:
            raise AppError(ChannelError.TEMPLATE_EXISTS, f"{body.name} / {body.language}")
        template = MessageTemplate(
            workspace_id=workspace_id,
            channel_id=channel_id,
            name=body.name,
            language=body.language,
            category=body.category.value if body.category else None,
            components=[c.model_dump(exclude_none=True, mode="json") for c in body.components],
            source="entered",
        )
        s.add(template)
        await s.flush()
        record_txn(
            s,
            actor,
            "channel.template_added",
            workspace_id=workspace_id,
            target_type="channel",
            target_id=channel_id,
            data={"name": body.name, "language": body.language},
        )
    return template


async def delete_template(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    template_id: uuid.UUID,
) -> None:
    async with db.write("delete_template") as s:
        await _whatsapp_channel_txn(s, actor, workspace_id, channel_id)
        template = await s.scalar(
            select(MessageTemplate).where(
                MessageTemplate.id == template_id, MessageTemplate.channel_id == channel_id
            )
        )
        if template is None:
            raise not_found("template")
        await s.delete(template)
        record_txn(
            s,
            actor,
            "channel.template_deleted",
            workspace_id=workspace_id,
            target_type="channel",
            target_id=channel_id,
            data={"name": template.name, "language": template.language},
        )


def _listed(item: dict[str, Any]) -> dict[str, Any] | None:
    """A provider's template as we store it; None for an entry without name or language."""
    name, language = item.get("name"), item.get("language")
    if not isinstance(name, str) or not isinstance(language, str) or not name or not language:
        return None
    components = item.get("components")
    category = item.get("category")
    return {
        "name": name[:512],
        "language": language[:16],
        "status": str(item.get("status") or "APPROVED")[:32],
        "category": str(category)[:32] if category else None,
        "components": components if isinstance(components, list) else [],
    }


async def sync_templates(
    db: Database, sealer: Sealer, actor: Actor, workspace_id: uuid.UUID, channel_id: uuid.UUID
) -> TemplateSyncOut:
    """Fetch the business account's templates and store them (source `synced`): new ones are
    added, known ones updated (an entered one of the same name and language becomes synced),
    synced ones the provider no longer lists removed; entered ones are left alone."""
    channel = await get_channel(db, workspace_id, channel_id)
    if channel.type != ChannelType.whatsapp_cloud:
        raise AppError(ChannelError.WRONG_TYPE, "Only WhatsApp channels have message templates")
    business_account_id = (channel.config or {}).get("business_account_id")
    if not business_account_id:
        raise AppError(ChannelError.NO_BUSINESS_ACCOUNT)
    try:
        values = accounts.open_credentials(sealer, channel)
    except CredentialsError:
        raise AppError(ChannelError.CREDENTIALS_UNREADABLE) from None
    try:
        async with WhatsAppAdapter.from_credentials(values) as whatsapp:
            listed = await fetch_templates(whatsapp, str(business_account_id))
    except ProviderError as exc:
        error = redact(str(exc), [values.get(k) for k in accounts.SECRET_FIELDS])
        if exc.kind is ErrorKind.credentials_broken:
            probe = accounts.Probe(ChannelStatus.disconnected, error)
            await _record_probe(db, channel.id, probe)
        raise AppError(ChannelError.PROVIDER_FAILED, f"Template sync failed: {error}") from None
    wanted = {(t["name"], t["language"]): t for t in filter(None, map(_listed, listed))}
    async with db.write("sync_templates") as s:
        await _whatsapp_channel_txn(s, actor, workspace_id, channel_id)
        stored = {
            (t.name, t.language): t
            for t in await s.scalars(
                select(MessageTemplate).where(MessageTemplate.channel_id == channel_id)
            )
        }
        result = TemplateSyncOut(added=0, updated=0, removed=0, total=len(wanted))
        now = utcnow()
        for key, item in wanted.items():
            template = stored.get(key)
            if template is None:
                s.add(
                    MessageTemplate(
                        workspace_id=workspace_id, channel_id=channel_id, source="synced", **item
                    )
                )
                result.added += 1
                continue
            for name, value in item.items():
                setattr(template, name, value)
            template.source, template.updated_at = "synced", now
            result.updated += 1
        for key, template in stored.items():
            if key not in wanted and template.source == "synced":
                await s.delete(template)
                result.removed += 1
        record_txn(
            s,
            actor,
            "channel.templates_synced",
            workspace_id=workspace_id,
            target_type="channel",
            target_id=channel_id,
            data=result.model_dump(),
        )
    return result
