"""Request and response shapes of the channels domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from relaydesk.domains.workspaces.schemas import Name

Url = Annotated[AnyHttpUrl, Field(description="An http(s) URL.")]


class ChannelCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["api"]
    name: Name
    outbound_url: Url | None = Field(
        default=None, description="API channel: outbound messages are POSTed here."
    )


class ChannelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type: str
    name: str
    enabled: bool
    outbound_url: str | None
    created_at: datetime


class ChannelCreatedOut(ChannelOut):
    inbound_secret: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="Shown once: authenticates inbound posts in `X-RelayDesk-Channel-Secret`."
    )
