"""`customer_waiting` and `agent_waiting`: started by time, not by one event.

A message arms a timer for each such workflow of its workspace (`engine/waiting.py`); the
trigger kinds here only let the index load those workflows, with their params compiled to
`WaitingParams`.
"""

from __future__ import annotations

from relaydesk.domains.automation.triggers.base import simple

CUSTOMER_WAITING = simple("customer_waiting")
AGENT_WAITING = simple("agent_waiting")
