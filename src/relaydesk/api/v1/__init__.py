"""REST API v1; modules mirror the domains."""

from fastapi import APIRouter

from relaydesk.api.problems import PROBLEM_RESPONSES
from relaydesk.api.v1 import (
    api_keys,
    audit,
    auth,
    channels,
    contacts,
    conversations,
    dead_letters,
    groups,
    invitations,
    me,
    members,
    realtime,
    search,
    teams,
    workspaces,
)

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
for module in (
    auth,
    me,
    workspaces,
    members,
    invitations,
    api_keys,
    audit,
    channels,
    dead_letters,
    groups,
    contacts,
    conversations,
    search,
    teams,
    realtime,
):
    router.include_router(module.router)
