"""Triggers: one module per family, one `TriggerKind` per type, registered in `TRIGGERS`.

Adding a trigger type that outbox events can start: a `TriggerKind(type, compile, matches)`
in a module here, registered below, and (when no existing `Occurrence` kind fits) its
derivation from outbox events in `derive.py`. A kind with many triggers per workspace may
also give `candidates` (see `base.py`), which narrows the ones asked per occurrence.
Triggers started by time (schedule, waiting customers) will add their own poller beside the
consumer instead.
"""

from relaydesk.domains.automation.triggers.base import Occurrence, TriggerKind
from relaydesk.domains.automation.triggers.contacts import (
    ATTRIBUTE_CHANGED,
    CONTACT_CREATED,
    CONTACT_UPDATED,
    TAG_ADDED,
    TAG_REMOVED,
)
from relaydesk.domains.automation.triggers.conversations import (
    CONVERSATION_ASSIGNED,
    CONVERSATION_CREATED,
    CONVERSATION_STATUS_CHANGED,
)
from relaydesk.domains.automation.triggers.messages import MESSAGE_RECEIVED
from relaydesk.domains.automation.triggers.waiting import AGENT_WAITING, CUSTOMER_WAITING

TRIGGERS: dict[str, TriggerKind] = {
    kind.type: kind
    for kind in (
        MESSAGE_RECEIVED,
        CONVERSATION_CREATED,
        CONVERSATION_STATUS_CHANGED,
        CONVERSATION_ASSIGNED,
        CONTACT_CREATED,
        CONTACT_UPDATED,
        TAG_ADDED,
        TAG_REMOVED,
        ATTRIBUTE_CHANGED,
        CUSTOMER_WAITING,
        AGENT_WAITING,
    )
}

# Triggers that no outbox event starts: the scheduler (`engine/scheduler.py`), the webhook
# endpoint and manual starts through the API (`triggers/webhook.py`, `triggers/manual.py`).
STARTED_ELSEWHERE: frozenset[str] = frozenset({"schedule", "webhook", "manual"})

__all__ = ["STARTED_ELSEWHERE", "TRIGGERS", "Occurrence", "TriggerKind"]
