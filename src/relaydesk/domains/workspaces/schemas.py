"""Request and response shapes of the workspaces domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from relaydesk.domains.workspaces.roles import Role, Scope

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Password = Annotated[str, Field(min_length=8, max_length=512)]


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai"
        ) from None
    return name


TimeZone = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_known_timezone)
]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SignupIn(BaseModel):
    email: EmailStr
    password: Password
    name: Name
    workspace_name: Name


class LoginIn(BaseModel):
    email: EmailStr
    password: Annotated[str, Field(min_length=1, max_length=512)]


class RefreshIn(BaseModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class LogoutIn(BaseModel):
    refresh_token: Annotated[str | None, Field(max_length=200)] = None


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int = Field(description="Seconds until the access token expires.")


class UserOut(Out):
    id: uuid.UUID
    email: str
    name: str
    locale: str
    created_at: datetime


class WorkspaceOut(Out):
    id: uuid.UUID
    name: str
    timezone: str
    locale: str
    created_at: datetime


class SignupOut(TokenPair):
    user: UserOut
    workspace: WorkspaceOut


class MyWorkspaceOut(WorkspaceOut):
    role: Role


class MeOut(BaseModel):
    user: UserOut
    workspaces: list[MyWorkspaceOut]


class MeUpdateIn(BaseModel):
    name: Name | None = None
    locale: Annotated[str, StringConstraints(min_length=2, max_length=16)] | None = None


class PasswordChangeIn(BaseModel):
    current_password: Annotated[str, Field(min_length=1, max_length=512)]
    new_password: Password


class WorkspaceCreateIn(BaseModel):
    name: Name


class WorkspaceUpdateIn(BaseModel):
    name: Name | None = None
    timezone: TimeZone | None = None
    locale: Annotated[str, StringConstraints(min_length=2, max_length=16)] | None = None


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    joined_at: datetime


class MemberUpdateIn(BaseModel):
    role: Role


class InvitationCreateIn(BaseModel):
    email: EmailStr
    role: Role = Role.agent


class InvitationOut(Out):
    id: uuid.UUID
    email: str
    role: Role
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationCreatedOut(InvitationOut):
    token: str = Field(description="Shown once; give it to the invitee.")
    accept_url: str


class InvitationTokenIn(BaseModel):
    token: Annotated[str, Field(min_length=1, max_length=200)]


class InvitationPreviewOut(BaseModel):
    workspace_name: str
    email: str
    role: Role
    expires_at: datetime
    account_exists: bool


class InvitationAcceptIn(BaseModel):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=512)]
    name: Name | None = Field(default=None, description="Required when no account exists yet.")


class InvitationAcceptOut(TokenPair):
    user: UserOut
    workspace: WorkspaceOut


class ApiKeyCreateIn(BaseModel):
    name: Name
    scopes: Annotated[list[Scope], Field(min_length=1)] = [Scope.read]
    expires_at: datetime | None = None


class ApiKeyOut(Out):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="Shown once; only a hash is stored.")
