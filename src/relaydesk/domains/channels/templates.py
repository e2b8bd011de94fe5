"""Message templates of WhatsApp accounts: reads, their API shape, and the provider's list.
The writers (enter, delete, sync) are in actions.py."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.base import TemplateDefinition
from relaydesk.channels.whatsapp import WhatsAppAdapter
from relaydesk.channels.whatsapp.adapter import expected_params
from relaydesk.db import Database
from relaydesk.db.pagination import Page
from relaydesk.db.scoped import list_in_workspace
from relaydesk.domains.channels.models import MessageTemplate
from relaydesk.domains.channels.schemas import TemplateOut

# Meta pages the list; this bounds one sync (100 pages of 100 is far beyond any account).
_PAGE_SIZE = 100
_MAX_PAGES = 100
_FIELDS = "id,name,language,status,category,components"


def definition_of(template: MessageTemplate) -> TemplateDefinition:
    return TemplateDefinition(
        name=template.name,
        language=template.language,
        components=tuple(template.components or ()),
    )


def template_out(template: MessageTemplate) -> TemplateOut:
    return TemplateOut(
        id=template.id,
        channel_id=template.channel_id,
        name=template.name,
        language=template.language,
        category=template.category,
        status=template.status,
        source=template.source,
        components=list(template.components or []),
        header_params=expected_params(template.components, "header"),
        body_params=expected_params(template.components, "body"),
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


async def _definition_txn(
    s: AsyncSession, channel_id: uuid.UUID, name: str, language: str
) -> TemplateDefinition | None:
    template = await s.scalar(
        select(MessageTemplate).where(
            MessageTemplate.channel_id == channel_id,
            MessageTemplate.name == name,
            MessageTemplate.language == language,
        )
    )
    return definition_of(template) if template is not None else None


async def template_definition(
    s_or_db: AsyncSession | Database, channel_id: uuid.UUID, name: str, language: str
) -> TemplateDefinition | None:
    """The stored template `name` / `language` of a channel (any status: the provider refuses
    a template it has not approved), for `check_template` before a send; None if unknown."""
    if isinstance(s_or_db, AsyncSession):
        return await _definition_txn(s_or_db, channel_id, name, language)
    async with s_or_db.read("template_definition") as s:
        return await _definition_txn(s, channel_id, name, language)


async def list_templates(
    db: Database, workspace_id: uuid.UUID, channel_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[MessageTemplate]:
    return await list_in_workspace(
        db, MessageTemplate, workspace_id, cursor, limit, MessageTemplate.channel_id == channel_id
    )


async def fetch_templates(
    adapter: WhatsAppAdapter, business_account_id: str
) -> list[dict[str, Any]]:
    """Every template the business account lists (`GET /{waba}/message_templates`, paged);
    raises the adapter's `ChannelError` on failure."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"fields": _FIELDS, "limit": _PAGE_SIZE}
    for _ in range(_MAX_PAGES):
        answer = await adapter.call(
            "GET", f"{business_account_id}/message_templates", "templates", params=params
        )
        found.extend(t for t in answer.get("data") or [] if isinstance(t, dict))
        paging = answer.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            break
        params = {**params, "after": after}
    return found
