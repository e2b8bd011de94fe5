"""Channel accounts, and the API channel's inbound endpoint."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from relaydesk.api.deps import (
    PAGE_SIZE,
    Cursor,
    DbDep,
    Limit,
    ReadAccess,
    SettingsDep,
    workspace_access,
)
from relaydesk.api.v1.pages import PageOut
from relaydesk.channels.api.signing import signing_secret
from relaydesk.db.scoped import get_in_workspace
from relaydesk.domains.channels import actions, queries, templates
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.schemas import (
    ChannelCreatedOut,
    ChannelCreateIn,
    ChannelOut,
    ChannelUpdateIn,
    TemplateIn,
    TemplateOut,
    TemplateSyncOut,
)
from relaydesk.domains.conversations import actions as conversation_actions
from relaydesk.domains.conversations.actions import InboundGroupCommit, Ingested, delivery
from relaydesk.domains.conversations.schemas import (
    InboundBatchIn,
    InboundBatchOut,
    InboundIn,
    InboundOut,
    MessageOut,
    SigningSecretOut,
    StatusReportIn,
)
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.security.credentials import Sealer

router = APIRouter(prefix="/workspaces/{workspace_id}/channels", tags=["channels"])
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.workspace_manage))]
Write = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.conversations_write))]


@router.get("")
async def list_channels(
    access: ReadAccess, db: DbDep, cursor: Cursor = None, limit: Limit = PAGE_SIZE
) -> PageOut[ChannelOut]:
    """The workspace's channel accounts, newest first; deleted ones are left out."""
    page = await queries.list_channels(db, access.workspace_id, cursor, limit)
    return PageOut(items=[ChannelOut.of(c) for c in page.items], next_cursor=page.next_cursor)


def _sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.sealer
    return sealer


SealerDep = Annotated[Sealer, Depends(_sealer)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_channel(
    body: ChannelCreateIn, access: Manage, db: DbDep, sealer: SealerDep, settings: SettingsDep
) -> ChannelCreatedOut:
    """Connect a channel account. `api`: inbound messages are POSTed to `…/inbound`.
    `telegram` and `whatsapp_cloud`: the secrets are sealed at rest and only ever shown
    masked; `config.webhook_url` is the address the provider calls. A Telegram account
    registers its webhook (or removes it, in polling mode) and a WhatsApp account is
    checked; if the provider fails the account is kept, `degraded` or `disconnected`, with
    `last_error`."""
    created = await actions.create_channel(
        db, sealer, access.actor, access.workspace_id, body, base_url=settings.base_url
    )
    return ChannelCreatedOut(
        **ChannelOut.of(created.channel).model_dump(), inbound_secret=created.inbound_secret
    )


@router.get("/{channel_id}")
async def get_channel(channel_id: uuid.UUID, access: ReadAccess, db: DbDep) -> ChannelOut:
    channel = await queries.get_channel(db, access.workspace_id, channel_id)
    return ChannelOut.of(channel)


@router.patch("/{channel_id}")
async def update_channel(
    channel_id: uuid.UUID, body: ChannelUpdateIn, access: Manage, db: DbDep, sealer: SealerDep
) -> ChannelOut:
    """Change the name, enable or disable (a disabled channel refuses inbound webhooks and
    sends nothing), or change settings and secrets (sealed again, shown masked). Telegram: a
    new `bot_token`, `mode` or `api_base_url` registers the webhook again. A field of
    another channel type answers 422 `channels.field_not_applicable`."""
    channel = await actions.update_channel(
        db, sealer, access.actor, access.workspace_id, channel_id, body
    )
    return ChannelOut.of(channel)


@router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_channel(
    channel_id: uuid.UUID, access: Manage, db: DbDep, sealer: SealerDep
) -> None:
    """Delete the account: it leaves the lists and stops receiving and sending; its
    conversations and messages stay. A Telegram webhook is removed (best effort)."""
    await actions.delete_channel(db, sealer, access.actor, access.workspace_id, channel_id)


@router.post("/{channel_id}/test")
async def test_connection(
    channel_id: uuid.UUID, access: Manage, db: DbDep, sealer: SealerDep
) -> ChannelOut:
    """Test the connection with the provider: `status` becomes `connected`, `degraded`
    (the provider failed; see `last_error`) or `disconnected` (the credentials are broken)."""
    channel = await actions.check_connection(
        db, sealer, access.actor, access.workspace_id, channel_id
    )
    return ChannelOut.of(channel)


@router.get("/{channel_id}/templates")
async def list_templates(
    channel_id: uuid.UUID,
    access: ReadAccess,
    db: DbDep,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[TemplateOut]:
    """A WhatsApp account's message templates, newest first."""
    await queries.get_channel(db, access.workspace_id, channel_id)
    page = await templates.list_templates(db, access.workspace_id, channel_id, cursor, limit)
    return PageOut(
        items=[templates.template_out(t) for t in page.items], next_cursor=page.next_cursor
    )


@router.post("/{channel_id}/templates", status_code=status.HTTP_201_CREATED)
async def add_template(
    channel_id: uuid.UUID, body: TemplateIn, access: Manage, db: DbDep
) -> TemplateOut:
    """Enter a template as registered with Meta: components HEADER / BODY / FOOTER /
    BUTTONS with `{{1}}` placeholders. 409 `channels.template_exists` for a known name and
    language."""
    template = await actions.add_template(db, access.actor, access.workspace_id, channel_id, body)
    return templates.template_out(template)


@router.post("/{channel_id}/templates/sync")
async def sync_templates(
    channel_id: uuid.UUID, access: Manage, db: DbDep, sealer: SealerDep
) -> TemplateSyncOut:
    """Fetch the templates of the account's `business_account_id` from the provider."""
    return await actions.sync_templates(db, sealer, access.actor, access.workspace_id, channel_id)


@router.delete("/{channel_id}/templates/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(
    channel_id: uuid.UUID, template_id: uuid.UUID, access: Manage, db: DbDep
) -> None:
    await actions.delete_template(db, access.actor, access.workspace_id, channel_id, template_id)


def _inbound(request: Request) -> InboundGroupCommit:
    inbound: InboundGroupCommit = request.app.state.inbound
    return inbound


@router.post("/{channel_id}/inbound")
async def inbound(
    channel_id: uuid.UUID,
    body: InboundIn,
    access: Write,
    ingest: Annotated[InboundGroupCommit, Depends(_inbound)],
) -> InboundOut:
    """An inbound message on an API channel. Idempotent on `external_id`: a repeat answers
    the first message's ids with `duplicate: true` and stores nothing. Media messages name
    uploaded attachments by `attachment_id` (or give a `url`, stored but never fetched)."""
    result = await ingest.ingest(access.actor, access.workspace_id, channel_id, body)
    return _inbound_out(result)


@router.post("/{channel_id}/inbound/batch")
async def inbound_batch(
    channel_id: uuid.UUID, body: InboundBatchIn, access: Write, db: DbDep
) -> InboundBatchOut:
    """Up to 500 inbound messages in one request and one transaction: all are stored, or
    none (an error names the first bad message by its place, `messages.N`). Each answer is
    as `…/inbound` would give it, in the same order; a conversation's messages take their
    seqs in that order, and an `external_id` repeated within the batch is a duplicate."""
    results = await conversation_actions.ingest_inbound_batch(
        db, access.actor, access.workspace_id, channel_id, body.messages
    )
    return InboundBatchOut(results=[_inbound_out(r) for r in results])


def _inbound_out(result: Ingested) -> InboundOut:
    return InboundOut(
        message_id=result.message_id,
        conversation_id=result.conversation_id,
        seq=result.seq,
        duplicate=result.duplicate,
    )


@router.post("/{channel_id}/statuses")
async def report_status(
    channel_id: uuid.UUID, body: StatusReportIn, access: Write, db: DbDep
) -> MessageOut:
    """An integration reports what became of an outbound message (by our `message_id` or
    its `external_id`). Statuses only move forward; a late or repeated report changes
    nothing and still answers 200 with the message as it is."""
    message = await delivery.report_status(db, access.actor, access.workspace_id, channel_id, body)
    return MessageOut.model_validate(message)


@router.get("/{channel_id}/signing-secret")
async def get_signing_secret(
    channel_id: uuid.UUID, access: Manage, db: DbDep, settings: SettingsDep
) -> SigningSecretOut:
    """The key of the HMAC-SHA256 `X-RelayDesk-Signature` on this channel's outbound posts."""
    channel = await get_in_workspace(db, Channel, access.workspace_id, channel_id, "channel")
    return SigningSecretOut(signing_secret=signing_secret(settings.secret_key, channel.id))
