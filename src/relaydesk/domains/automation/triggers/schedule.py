"""The `schedule` trigger: cron expressions in a timezone, and which ticks are due.

Pure functions of (cron, timezone, last claimed tick, now): the scheduler
(`engine/scheduler.py`) claims what they return. Ticks are computed in the workflow's
timezone (so `0 9 * * *` is 09:00 there, across daylight-saving changes) and returned in UTC.
A sixth field, when present, is seconds (`*/10 * * * * *`: every ten seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

Backfill = Literal["skip", "once"]


@dataclass(frozen=True, slots=True)
class Due:
    ticks: list[datetime]  # oldest first, UTC
    dropped: bool  # `once`: more ticks were missed than the cap; the oldest were left out


def _prev(cron: str, zone: ZoneInfo, at: datetime) -> datetime | None:
    """The last tick at or before `at` (UTC)."""
    # croniter's get_prev is strict: start just after `at` so a tick exactly at `at` counts.
    it = croniter(cron, (at + timedelta(microseconds=1)).astimezone(zone))
    try:
        found: datetime = it.get_prev(datetime)
    except CroniterBadDateError:
        return None
    return found.astimezone(UTC)


def next_tick(cron: str, timezone: str, after: datetime) -> datetime | None:
    """The first tick strictly after `after` (UTC)."""
    it = croniter(cron, after.astimezone(ZoneInfo(timezone)))
    try:
        found: datetime = it.get_next(datetime)
    except CroniterBadDateError:
        return None
    return found.astimezone(UTC)


def due_ticks(
    cron: str,
    timezone: str,
    *,
    since: datetime,
    now: datetime,
    backfill: Backfill,
    grace: timedelta,
    cap: int,
) -> Due:
    """Ticks in (since, now] to fire now. `since`: the last claimed tick, or when the
    version was published. `skip`: only the latest, and only while it is less than
    `grace` old (missed ones are skipped). `once`: every one, at most the `cap` latest."""
    zone = ZoneInfo(timezone)
    latest = _prev(cron, zone, now)
    if latest is None or latest <= since:
        return Due([], False)
    if backfill == "skip":
        return Due([latest] if now - latest <= grace else [], False)
    ticks = [latest]
    while len(ticks) <= cap:
        earlier = _prev(cron, zone, ticks[-1] - timedelta(microseconds=1))
        if earlier is None or earlier <= since:
            break
        ticks.append(earlier)
    dropped = len(ticks) > cap
    return Due(sorted(ticks[:cap]), dropped)
