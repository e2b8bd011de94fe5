"""Roles, the permissions each grants, and the API-key scopes that map onto them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    agent = "agent"
    viewer = "viewer"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.viewer: 0, Role.agent: 1, Role.admin: 2, Role.owner: 3}


class Permission(StrEnum):
    workspace_read = "workspace.read"
    workspace_manage = "workspace.manage"
    members_read = "members.read"
    members_manage = "members.manage"
    owners_manage = "owners.manage"
    invitations_manage = "invitations.manage"
    api_keys_manage = "api_keys.manage"
    audit_read = "audit.read"
    conversations_write = "conversations.write"


_VIEWER = frozenset({Permission.workspace_read, Permission.members_read})
_AGENT = _VIEWER | {Permission.conversations_write}
_ADMIN = _AGENT | {
    Permission.workspace_manage,
    Permission.members_manage,
    Permission.invitations_manage,
    Permission.api_keys_manage,
    Permission.audit_read,
}
_OWNER = _ADMIN | {Permission.owners_manage}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.viewer: _VIEWER,
    Role.agent: _AGENT,
    Role.admin: _ADMIN,
    Role.owner: _OWNER,
}


class Scope(StrEnum):
    """What an API key may do: read (as a viewer), write (as an agent), admin (as an admin)."""

    read = "read"
    write = "write"
    admin = "admin"


SCOPE_ROLE: dict[Scope, Role] = {
    Scope.read: Role.viewer,
    Scope.write: Role.agent,
    Scope.admin: Role.admin,
}


def permissions_for_scopes(scopes: list[Scope]) -> frozenset[Permission]:
    granted: frozenset[Permission] = frozenset()
    for scope in scopes:
        granted |= ROLE_PERMISSIONS[SCOPE_ROLE[scope]]
    return granted


def highest_role(scopes: list[Scope]) -> Role:
    return max((SCOPE_ROLE[s] for s in scopes), key=lambda r: r.rank, default=Role.viewer)
