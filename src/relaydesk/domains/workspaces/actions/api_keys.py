"""API keys: shown once at creation, stored as a digest, scoped, revocable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.actions.members import check_may_grant
from relaydesk.domains.workspaces.error_codes import WorkspaceError
from relaydesk.domains.workspaces.models import ApiKey
from relaydesk.domains.workspaces.roles import Permission, Scope, highest_role
from relaydesk.errors import AppError
from relaydesk.security import secrets

API_KEY_KIND = "rdk"
# Recording every use would turn each API read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKey
    key: str


async def create_api_key(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    name: str,
    scopes: list[Scope],
    expires_at: datetime | None,
) -> CreatedApiKey:
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise AppError(WorkspaceError.API_KEY_EXPIRY_PAST)
    issued = secrets.issue(API_KEY_KIND)
    unique_scopes = sorted(set(scopes), key=list(Scope).index)
    async with db.write("create_api_key") as s:
        access = await require_txn(s, actor, workspace_id, Permission.api_keys_manage)
        check_may_grant(access, highest_role(unique_scopes))
        api_key = ApiKey(
            workspace_id=workspace_id,
            name=name,
            prefix=issued.prefix,
            key_digest=issued.digest,
            scopes=[scope.value for scope in unique_scopes],
            created_by_user_id=actor.user_id,
            expires_at=expires_at,
        )
        s.add(api_key)
        await s.flush()
        record_txn(
            s,
            actor,
            "api_key.created",
            workspace_id=workspace_id,
            target_type="api_key",
            target_id=api_key.id,
            data={"name": name, "prefix": issued.prefix, "scopes": api_key.scopes},
        )
    return CreatedApiKey(api_key=api_key, key=issued.plaintext)


async def revoke_api_key(
    db: Database, actor: Actor, workspace_id: uuid.UUID, key_id: uuid.UUID
) -> None:
    now = utcnow()
    async with db.write("revoke_api_key") as s:
        await require_txn(s, actor, workspace_id, Permission.api_keys_manage)
        api_key = await get_in_workspace_txn(s, ApiKey, workspace_id, key_id, "API key", lock=True)
        if api_key.revoked_at is not None:
            return
        api_key.revoked_at = now
        record_txn(
            s,
            actor,
            "api_key.revoked",
            workspace_id=workspace_id,
            target_type="api_key",
            target_id=api_key.id,
            data={"name": api_key.name, "prefix": api_key.prefix},
        )


async def touch_api_key(db: Database, api_key: ApiKey, now: datetime) -> None:
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    async with db.write("touch_api_key") as s:
        await s.execute(update(ApiKey).where(ApiKey.id == api_key.id).values(last_used_at=now))
