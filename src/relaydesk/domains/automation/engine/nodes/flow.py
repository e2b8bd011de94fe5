"""Flow nodes: condition, A/B split, wait (a duration, until a time of day, until a date
attribute of the contact) and stop. A dry run records a wait and goes on at once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from relaydesk.domains.automation.conditions import evaluate, fields_of
from relaydesk.domains.automation.engine.context import NodeContext
from relaydesk.domains.automation.engine.nodes.dry import is_dry
from relaydesk.domains.automation.engine.registry import StepResult, node
from relaydesk.domains.automation.graph import (
    AbSplitParams,
    ConditionParams,
    StopParams,
    WaitDuration,
    WaitUntilAttribute,
    WaitUntilTime,
)

# A wait until an attribute the contact lacks (or that holds no date) goes on at once.
NO_DATE = "automation.no_date"


@node("condition")
async def condition(ctx: NodeContext, params: ConditionParams) -> StepResult:
    facts = await ctx.facts(fields_of(params))
    ctx.record_input(facts=facts)
    result = evaluate(params, facts.__getitem__)
    return StepResult(output={"result": result}, handle="true" if result else "false")


@node("ab_split")
async def ab_split(ctx: NodeContext, params: AbSplitParams) -> StepResult:
    # Deterministic per contact: the same contact always takes the same branch.
    subject = str(ctx.run.contact_id or ctx.run.id)
    digest = hashlib.sha256(f"{ctx.run.workflow_id}:{subject}".encode()).digest()
    bucket = int.from_bytes(digest[:4], "big") % 100
    branch = "a" if bucket < params.percent_a else "b"
    return StepResult(output={"branch": branch, "bucket": bucket}, handle=branch)


@node("wait")
async def wait(
    ctx: NodeContext, params: WaitDuration | WaitUntilTime | WaitUntilAttribute
) -> StepResult:
    if isinstance(params, WaitDuration):
        until: datetime | None = ctx.now + timedelta(seconds=params.seconds)
    elif isinstance(params, WaitUntilTime):
        until = next_time(ctx.now, params.time, params.timezone)
    else:
        until = attribute_time(ctx, params.key, params.offset_minutes or 0)
        if until is None:
            return StepResult(status="skipped", reason=NO_DATE)
    assert until is not None
    if until <= ctx.now:
        return StepResult(output={"wake_at": until.isoformat(), "past": True})
    if is_dry(ctx):
        return StepResult(output={"dry_run": True, "would": {"wait_until": until.isoformat()}})
    return StepResult(output={"wake_at": until.isoformat()}, wait_until=until)


def next_time(now: datetime, hh_mm: str, timezone: str) -> datetime:
    """The next moment after `now` when the clock in `timezone` shows `hh_mm`."""
    zone = ZoneInfo(timezone)
    hour, minute = (int(p) for p in hh_mm.split(":"))
    local = now.astimezone(zone)
    for days in range(3):
        # Wall-clock arithmetic, then back to UTC: right across daylight-saving changes.
        day = (local + timedelta(days=days)).date()
        at = datetime.combine(day, time(hour, minute), zone).astimezone(UTC)
        if at > now:
            return at
    raise AssertionError("a time of day recurs within two days")


def attribute_time(ctx: NodeContext, key: str, offset_minutes: int) -> datetime | None:
    """The contact's date or date-time attribute (a date means its midnight, UTC; a time
    without zone is UTC) plus the offset; None when missing or not a date."""
    contact = ctx.contact
    raw = (contact.attributes or {}).get(key) if contact is not None else None
    if not isinstance(raw, str) or not raw:
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at + timedelta(minutes=offset_minutes)


@node("stop")
async def stop(ctx: NodeContext, params: StopParams) -> StepResult:
    return StepResult(output={"reason": params.reason}, stop=params.reason or "automation.stopped")
