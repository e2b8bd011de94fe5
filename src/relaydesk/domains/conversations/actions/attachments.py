"""Attachments: stored by the router through `storage`, recorded here, bound to a message."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.domains.actor import Actor
from relaydesk.domains.conversations.error_codes import AttachmentError
from relaydesk.domains.conversations.models import Attachment
from relaydesk.domains.conversations.schemas import InboundAttachment, MessageType
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, not_found

# What a media message's attachments must be; `file` takes any allowed type.
_MEDIA_PREFIX = {
    MessageType.image: "image/",
    MessageType.audio: "audio/",
    MessageType.video: "video/",
}


async def create_attachment(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    *,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
) -> Attachment:
    """Record an upload whose bytes are already in storage under `sha256`."""
    async with db.write("create_attachment") as s:
        await require_txn(s, actor, workspace_id, Permission.conversations_write)
        attachment = Attachment(
            workspace_id=workspace_id,
            filename=filename,
            content_type=content_type,
            size=size,
            sha256=sha256,
            storage_key=sha256,
            created_at=utcnow(),
        )
        s.add(attachment)
        await s.flush()
    return attachment


def _summary(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": str(attachment.id),
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
    }


def _check_fits(kind: MessageType, content_type: str) -> None:
    prefix = _MEDIA_PREFIX.get(kind)
    if prefix is not None and not content_type.startswith(prefix):
        raise AppError(
            AttachmentError.TYPE_MISMATCH,
            f"A {kind.value} message takes {prefix}* attachments, not {content_type}",
        )


async def check_attachments_txn(
    s: AsyncSession, workspace_id: uuid.UUID, kind: MessageType, ids: Sequence[uuid.UUID]
) -> list[Attachment]:
    """The uploads named by `ids`, locked, in order: in this workspace, fitting the type, and
    not yet part of a message."""
    if not ids:
        return []
    rows = (
        await s.scalars(
            select(Attachment)
            .where(Attachment.workspace_id == workspace_id, Attachment.id.in_(ids))
            .with_for_update()
        )
    ).all()
    by_id = {a.id: a for a in rows}
    found: list[Attachment] = []
    for attachment_id in ids:
        attachment = by_id.get(attachment_id)
        if attachment is None:
            raise not_found("attachment")
        if attachment.message_id is not None:
            raise AppError(AttachmentError.IN_USE, f"Attachment {attachment_id} is in use")
        _check_fits(kind, attachment.content_type)
        found.append(attachment)
    return found


def do_bind_attachments_txn(attachments: Sequence[Attachment], message_id: uuid.UUID) -> None:
    for attachment in attachments:
        attachment.message_id = message_id


async def inbound_attachments_txn(
    s: AsyncSession, workspace_id: uuid.UUID, kind: MessageType, refs: Sequence[InboundAttachment]
) -> tuple[list[Attachment], list[dict[str, Any]]]:
    """Uploads to bind and the payload entries of an inbound message. Links are recorded as
    given and never fetched."""
    ids = [r.attachment_id for r in refs if r.attachment_id is not None]
    uploads = {a.id: a for a in await check_attachments_txn(s, workspace_id, kind, ids)}
    entries: list[dict[str, Any]] = []
    for ref in refs:
        if ref.attachment_id is not None:
            entries.append(_summary(uploads[ref.attachment_id]))
            continue
        assert ref.content_type is not None
        content_type = ref.content_type.lower()
        _check_fits(kind, content_type)
        entries.append(
            {
                "id": None,
                "url": str(ref.url),
                "filename": ref.filename,
                "content_type": content_type,
                "size": ref.size,
            }
        )
    return list(uploads.values()), entries


def payload_of_attachments(attachments: Sequence[Attachment]) -> list[dict[str, Any]]:
    return [_summary(a) for a in attachments]
