"""Imports every model so the metadata is complete (Alembic and the drift check use it)."""

from relaydesk.db.base import Base
from relaydesk.domains.audit import models as audit_models
from relaydesk.domains.automation import models as automation_models
from relaydesk.domains.canned_responses import models as canned_responses_models
from relaydesk.domains.channels import models as channels_models
from relaydesk.domains.contacts import models as contacts_models
from relaydesk.domains.conversations import models as conversations_models
from relaydesk.domains.groups import models as groups_models
from relaydesk.domains.workspaces import models as workspaces_models
from relaydesk.events import models as events_models

__all__ = [
    "Base",
    "audit_models",
    "automation_models",
    "canned_responses_models",
    "channels_models",
    "contacts_models",
    "conversations_models",
    "events_models",
    "groups_models",
    "workspaces_models",
]
