"""Imports every model so the metadata is complete (Alembic and the drift check use it)."""

from relaydesk.db.base import Base
from relaydesk.domains.audit import models as audit_models
from relaydesk.domains.workspaces import models as workspaces_models

__all__ = ["Base", "audit_models", "workspaces_models"]
