"""Dry runs: a test run against a chosen contact records what each node would do (the
rendered message, the tags, the attribute value, the HTTP request) and does none of it."""

from __future__ import annotations

from typing import Any

from relaydesk.domains.automation.engine.context import NodeContext
from relaydesk.domains.automation.engine.registry import StepResult


def is_dry(ctx: NodeContext) -> bool:
    return ctx.run.dry_run


def would(**what: Any) -> StepResult:
    """The step of a side effect left undone: its output says what it would have done."""
    return StepResult(output={"dry_run": True, "would": what})
