"""A workspace's business hours: the schedule's shape and whether a moment is inside it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HourMinute = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]


class BusinessHoursIn(BaseModel):
    """`weekly` maps a day (`mon`…`sun`) to its open intervals `[from, to]` (HH:MM, local
    time); a day left out is closed. `holidays` are closed dates (YYYY-MM-DD)."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    weekly: dict[str, list[tuple[HourMinute, HourMinute]]] = Field(default_factory=dict)
    holidays: list[date] = Field(default_factory=list, max_length=1000)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _days(self) -> BusinessHoursIn:
        for day, intervals in self.weekly.items():
            if day not in DAYS:
                raise ValueError(f"unknown day {day!r}; use one of {', '.join(DAYS)}")
            for start, end in intervals:
                if start >= end:
                    raise ValueError(f"{day}: {start}-{end} ends before it starts")
        return self


class BusinessHoursOut(BusinessHoursIn):
    configured: bool = Field(description="False while the workspace has saved no schedule.")


def _parse(value: str) -> time:
    if value == "24:00":
        return time.max
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def is_open(schedule: BusinessHoursIn | None, moment: datetime) -> bool:
    """Whether `moment` falls in the schedule; no schedule means always open."""
    if schedule is None:
        return True
    local = moment.astimezone(ZoneInfo(schedule.timezone))
    if local.date() in schedule.holidays:
        return False
    now = local.time().replace(tzinfo=None)
    for start, end in schedule.weekly.get(DAYS[local.weekday()], []):
        if _parse(start) <= now < _parse(end):
            return True
    return False


# How far ahead `add_business_time` looks for enough open time before giving up: a year
# of closed days (a schedule that is all holidays) must not loop forever.
_HORIZON_DAYS = 800


def _open_intervals(schedule: BusinessHoursIn, day: date) -> list[tuple[datetime, datetime]]:
    """The day's open intervals as aware UTC datetimes (a local time that a clock change
    skips or repeats is resolved by zoneinfo's `fold=0`)."""
    if day in schedule.holidays:
        return []
    zone = ZoneInfo(schedule.timezone)
    found = []
    for start, end in sorted(schedule.weekly.get(DAYS[day.weekday()], [])):
        opens = datetime.combine(day, _parse(start), zone)
        closes = (
            datetime.combine(day + timedelta(days=1), time(0), zone)
            if end == "24:00"
            else datetime.combine(day, _parse(end), zone)
        )
        found.append((opens.astimezone(UTC), closes.astimezone(UTC)))
    return found


def add_business_time(
    schedule: BusinessHoursIn | None, start: datetime, duration: timedelta
) -> datetime | None:
    """`start` plus `duration` counted only while the schedule is open (no schedule: every
    moment is open). None when the schedule opens too little within its horizon."""
    if schedule is None:
        return start + duration
    current = start.astimezone(UTC)
    remaining = duration
    day = current.astimezone(ZoneInfo(schedule.timezone)).date() - timedelta(days=1)
    for _ in range(_HORIZON_DAYS):
        for opens, closes in _open_intervals(schedule, day):
            begin = max(opens, current)
            if closes <= begin:
                continue
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
            current = closes
        day += timedelta(days=1)
    return None


def add_business_minutes(
    schedule: BusinessHoursIn | None, start: datetime, minutes: float
) -> datetime | None:
    """`start` plus `minutes` of open time (see `add_business_time`)."""
    return add_business_time(schedule, start, timedelta(minutes=minutes))
