"""Who caused a change: carried into every action, audit record and (later) event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from enum import StrEnum

from relaydesk.domains.workspaces.roles import Permission


class ActorType(StrEnum):
    user = "user"
    api_key = "api_key"
    system = "system"
    # A workflow run (the id is the run's): events it causes never start its own workflow.
    automation = "automation"
    # An unauthenticated request (sign-up, sign-in); it becomes a user once known.
    anonymous = "anonymous"


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: uuid.UUID | None = None
    # For API keys, the one workspace the key belongs to; None for users (many workspaces).
    workspace_id: uuid.UUID | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    # Permissions granted by API-key scopes; users get theirs from their membership role.
    scope_permissions: frozenset[Permission] = field(default_factory=frozenset)

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.id if self.type is ActorType.user else None

    @classmethod
    def system(cls) -> Actor:
        return cls(type=ActorType.system)

    @classmethod
    def automation(cls, run_id: uuid.UUID, workspace_id: uuid.UUID) -> Actor:
        return cls(type=ActorType.automation, id=run_id, workspace_id=workspace_id)

    def as_user(self, user_id: uuid.UUID) -> Actor:
        """The same request, now known to act as `user_id` (after sign-in or sign-up)."""
        return replace(self, type=ActorType.user, id=user_id)
