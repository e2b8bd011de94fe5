"""The single writer of audit records; called inside the transaction of the change it records."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.models import AuditEvent


def record_txn(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    workspace_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            workspace_id=workspace_id,
            action=action,
            actor_type=actor.type.value,
            actor_id=str(actor.id) if actor.id else None,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            ip=actor.ip,
            request_id=actor.request_id,
            data=data or {},
        )
    )
