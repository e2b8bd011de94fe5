"""The trigger interface: what happened (`Occurrence`) and how a trigger kind matches it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Something a trigger may start a run for, derived from one outbox event."""

    kind: str  # a trigger type: message_received, tag_added, …
    workspace_id: uuid.UUID
    position: int
    actor_type: str
    actor_id: str | None
    contact_id: uuid.UUID | None = None
    conversation_id: uuid.UUID | None = None
    # What the trigger saw: text, channel_id, first, tag, key, to, …
    data: dict[str, Any] = field(default_factory=dict)


class Candidates(Protocol):
    """Which of a workspace's compiled triggers of one type may match an occurrence (by
    their position in the list it was built from): a superset of those `matches` accepts,
    found without calling `matches` for each."""

    def __call__(self, occurrence: Occurrence) -> Iterable[int]: ...


@dataclass(frozen=True, slots=True)
class TriggerKind:
    """`compile(params)` turns validated params into whatever `matches` needs (done once
    per published version, when the index loads); `matches(compiled, occurrence)`.
    `candidates(compiled_list)`, when given, is built with the index and narrows which
    triggers `matches` is asked about (a workspace can have hundreds of one type)."""

    type: str
    compile: Callable[[Any], Any]
    matches: Callable[[Any, Occurrence], bool]
    candidates: Callable[[Sequence[Any]], Candidates] | None = None


def _accept_all(_compiled: Any, _occurrence: Occurrence) -> bool:
    return True


def _identity(params: Any) -> Any:
    return params


def simple(kind: str) -> TriggerKind:
    """A trigger that fires on every occurrence of its kind."""
    return TriggerKind(kind, _identity, _accept_all)
