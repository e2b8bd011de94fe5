"""`message_received`: an inbound message, filtered by channel, keywords and first-message."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from relaydesk.domains.automation.graph import MessageReceivedParams
from relaydesk.domains.automation.triggers.base import Occurrence, TriggerKind
from relaydesk.domains.automation.variables import normalise


@dataclass(frozen=True, slots=True)
class _Compiled:
    channel_ids: frozenset[str] | None
    mode: str | None
    values: tuple[str, ...]
    exact: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    first_only: bool


def _compile(params: MessageReceivedParams) -> _Compiled:
    keywords = params.keywords
    values = tuple(normalise(v) for v in keywords.values) if keywords else ()
    mode = keywords.mode if keywords else None
    return _Compiled(
        channel_ids=frozenset(str(c) for c in params.channel_ids) if params.channel_ids else None,
        mode=mode,
        values=values,
        exact=frozenset(values),
        # Regexes run on the normalised text, as written (not normalised themselves).
        patterns=tuple(re.compile(v) for v in keywords.values) if mode == "regex" else (),  # type: ignore[union-attr]
        first_only=params.first_message_only,
    )


def _matches(c: _Compiled, o: Occurrence) -> bool:
    data: dict[str, Any] = o.data
    if c.first_only and not data.get("first"):
        return False
    if c.channel_ids is not None and str(data.get("channel_id")) not in c.channel_ids:
        return False
    if c.mode is None:
        return True
    text: str = data.get("normalised_text", "")
    if c.mode == "exact":
        return text in c.exact
    if c.mode == "contains":
        return any(v in text for v in c.values)
    return any(p.search(text) for p in c.patterns)


MESSAGE_RECEIVED = TriggerKind("message_received", _compile, _matches)


def message_data(
    text: str | None, channel_id: uuid.UUID, first: bool, message_id: str
) -> dict[str, Any]:
    return {
        "text": text or "",
        "normalised_text": normalise(text or ""),
        "channel_id": str(channel_id),
        "first": first,
        "message_id": message_id,
    }
