"""Request and response shapes of the canned-responses domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Shortcut = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
SHORTCUT_HELP = "1 to 32 lower-case letters, digits, `-` and `_`; unique in the workspace."


class CannedResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shortcut: Shortcut = Field(description=SHORTCUT_HELP)
    title: Title
    body: Body


class CannedResponseUpdateIn(BaseModel):
    """Only the fields sent change; none of them can be null."""

    model_config = ConfigDict(extra="forbid")

    shortcut: Shortcut | None = Field(default=None, description=SHORTCUT_HELP)
    title: Title | None = None
    body: Body | None = None

    @model_validator(mode="after")
    def _not_nulls(self) -> CannedResponseUpdateIn:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class CannedResponseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    shortcut: str
    title: str
    body: str
    created_at: datetime
    updated_at: datetime
