"""Operator tasks run from the command line, through the same actions as the API."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import TypeAdapter, ValidationError

from relaydesk.db import Database
from relaydesk.db.database import create_engine
from relaydesk.domains.actor import Actor
from relaydesk.domains.workspaces import queries
from relaydesk.domains.workspaces.actions import auth, workspaces
from relaydesk.domains.workspaces.schemas import Name, Password
from relaydesk.errors import AppError
from relaydesk.settings import Settings

_password = TypeAdapter(Password)
_name = TypeAdapter(Name)


def _valid(adapter: TypeAdapter[str], value: str, what: str) -> str:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        raise ValueError(f"{what}: {exc.errors()[0]['msg']}") from None


async def create_workspace_with_owner(
    settings: Settings,
    *,
    email: str,
    name: str | None,
    workspace_name: str,
    ask_password: Callable[[], str],
) -> str:
    """Create a workspace owned by `email`; a new account is created when none exists."""
    workspace_name = _valid(_name, workspace_name, "workspace name")
    db = Database(create_engine(settings.database, pool_size=1))
    try:
        async with db.read("find_owner") as s:
            user = await queries.user_by_email_txn(s, email)
        if user is not None:
            owner = Actor.system().as_user(user.id)
            workspace = await workspaces.create_workspace(db, owner, workspace_name)
            return f"Created workspace {workspace.name!r} ({workspace.id}) owned by {user.email}."
        if not name:
            raise ValueError(f"no account for {email} yet: pass --name to create it")
        password = _valid(_password, ask_password(), "password")
        user, workspace = await auth.create_user_with_workspace(
            db,
            Actor.system(),
            email=email,
            password=password,
            name=_valid(_name, name, "name"),
            workspace_name=workspace_name,
        )
        return f"Created account {user.email} and workspace {workspace.name!r} ({workspace.id})."
    except AppError as exc:
        raise ValueError(exc.detail) from None
    finally:
        await db.dispose()
