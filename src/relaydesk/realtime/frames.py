"""The frame protocol: typed, versioned JSON frames (see docs/realtime-protocol.md)."""

from __future__ import annotations

import json
import uuid
from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from relaydesk.errors import AppError, ErrorCode

VERSION = 1
MAX_CONVERSATIONS = 500
FrameId = Annotated[str, Field(max_length=64)] | int
# A seq a client holds: a JSON integer, never a string or a boolean.
Seq = Annotated[int, Field(ge=0, strict=True)]


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    # 4000 + the HTTP status of the matching REST error.
    UNAUTHENTICATED = 4401
    IDLE_TIMEOUT = 4408
    SLOW_CONSUMER = 4429


class _ClientFrame(BaseModel):
    # Unknown fields are ignored, so a newer client can add optional ones within version 1.
    model_config = ConfigDict(extra="ignore")

    v: int = VERSION
    id: FrameId | None = Field(default=None, description="Echoed as `ref` in the reply.")


class Hello(_ClientFrame):
    type: Literal["hello"]
    token: str = Field(min_length=1, max_length=4096)


class Subscribe(_ClientFrame):
    type: Literal["subscribe"]
    workspace_id: uuid.UUID
    conversation_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_CONVERSATIONS)
    after: int | None = Field(default=None, ge=0)
    seqs: dict[uuid.UUID, Seq] | None = Field(
        default=None,
        max_length=MAX_CONVERSATIONS,
        description="Per conversation, the last seq the client has: the messages after it "
        "are replayed.",
    )


class Unsubscribe(_ClientFrame):
    type: Literal["unsubscribe"]
    workspace_id: uuid.UUID


class Typing(_ClientFrame):
    type: Literal["typing"]
    workspace_id: uuid.UUID
    conversation_id: uuid.UUID
    state: Literal["start", "stop"] = "start"


class Ping(_ClientFrame):
    type: Literal["ping"]


class Pong(_ClientFrame):
    type: Literal["pong"]


ClientFrame = Annotated[
    Hello | Subscribe | Unsubscribe | Typing | Ping | Pong, Field(discriminator="type")
]
CLIENT_FRAME: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)


def dump(frame_type: str, **fields: Any) -> str:
    """One server frame as JSON text."""
    return json.dumps({"v": VERSION, "type": frame_type, **fields}, separators=(",", ":"))


def error(code: ErrorCode, detail: str | None = None, ref: Any = None, **fields: Any) -> str:
    return dump(
        "error",
        ref=ref,
        code=code.code,
        status=code.status,
        title=code.title,
        detail=detail or code.title,
        **fields,
    )


def error_of(exc: AppError, ref: Any = None) -> str:
    return error(exc.code, exc.detail, ref)
