"""Contact triggers: created, updated, a tag added or removed, an attribute changed."""

from __future__ import annotations

from typing import Any

from relaydesk.domains.automation.graph import AttributeChangedParams, TagParams
from relaydesk.domains.automation.triggers.base import Occurrence, TriggerKind, simple
from relaydesk.domains.automation.variables import normalise


def _tag(params: TagParams) -> str | None:
    return normalise(params.tag) if params.tag else None


def _tag_matches(tag: Any, o: Occurrence) -> bool:
    return tag is None or normalise(str(o.data.get("tag", ""))) == tag


def _key(params: AttributeChangedParams) -> str:
    return params.key


def _key_matches(key: Any, o: Occurrence) -> bool:
    return bool(o.data.get("key") == key)


CONTACT_CREATED = simple("contact_created")
CONTACT_UPDATED = simple("contact_updated")
TAG_ADDED = TriggerKind("tag_added", _tag, _tag_matches)
TAG_REMOVED = TriggerKind("tag_removed", _tag, _tag_matches)
ATTRIBUTE_CHANGED = TriggerKind("attribute_changed", _key, _key_matches)
