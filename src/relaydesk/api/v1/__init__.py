"""REST API v1; modules mirror the domains."""

from fastapi import APIRouter

from relaydesk.api.problems import PROBLEM_RESPONSES
from relaydesk.api.v1 import (
    api_keys,
    audit,
    auth,
    business_hours,
    canned_responses,
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
    workflow_templates,
    workflows,
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
    canned_responses,
    search,
    teams,
    realtime,
    workflows,
    workflow_templates,
    business_hours,
):
    router.include_router(module.router)
