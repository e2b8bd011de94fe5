"""Response shapes of the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    workspace_id: uuid.UUID | None
    action: str
    actor_type: str
    actor_id: str | None
    target_type: str | None
    target_id: str | None
    ip: str | None
    request_id: str | None
    data: dict[str, Any]
    created_at: datetime
