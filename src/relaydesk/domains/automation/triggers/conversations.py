"""Conversation triggers: created (by channel), status changed (to a status), assigned."""

from __future__ import annotations

from typing import Any

from relaydesk.domains.automation.graph import ChannelFilterParams, StatusChangedParams
from relaydesk.domains.automation.triggers.base import Occurrence, TriggerKind, simple


def _channels(params: ChannelFilterParams) -> frozenset[str] | None:
    return frozenset(str(c) for c in params.channel_ids) if params.channel_ids else None


def _created(channels: frozenset[str] | None, o: Occurrence) -> bool:
    return channels is None or str(o.data.get("channel_id")) in channels


def _status(params: StatusChangedParams) -> str | None:
    return params.to


def _status_matches(to: Any, o: Occurrence) -> bool:
    return to is None or o.data.get("to") == to


CONVERSATION_CREATED = TriggerKind("conversation_created", _channels, _created)
CONVERSATION_STATUS_CHANGED = TriggerKind("conversation_status_changed", _status, _status_matches)
CONVERSATION_ASSIGNED = simple("conversation_assigned")
