"""Failed sign-in throttling per account and per client address, shared by all processes.

The counters live in the database, so every `relaydesk serve` process sees the same lockout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.upsert import insert_ignore
from relaydesk.domains.workspaces.error_codes import AuthError
from relaydesk.domains.workspaces.models import LoginThrottle
from relaydesk.errors import AppError
from relaydesk.settings import Settings


@dataclass(frozen=True)
class ThrottleKeys:
    account: str
    address: str | None

    @classmethod
    def of(cls, email: str, ip: str | None) -> ThrottleKeys:
        return cls(account=f"email:{email}", address=f"ip:{ip}" if ip else None)

    def limits(self, settings: Settings) -> dict[str, int]:
        limits = {self.account: settings.login_max_failures}
        if self.address:
            limits[self.address] = settings.login_max_failures_per_address
        return limits


def too_many(retry_after: float) -> AppError:
    seconds = max(1, math.ceil(retry_after))
    return AppError(
        AuthError.TOO_MANY_FAILURES,
        f"Too many failed sign-in attempts; try again in {seconds} seconds",
        headers={"Retry-After": str(seconds)},
        retry_after=seconds,
    )


async def check_not_locked(
    db: Database, settings: Settings, keys: ThrottleKeys, now: datetime
) -> None:
    async with db.read("check_login_throttle") as s:
        locked = await s.scalars(
            select(LoginThrottle.locked_until).where(
                LoginThrottle.key.in_(list(keys.limits(settings))), LoginThrottle.locked_until > now
            )
        )
        until = [moment for moment in locked.all() if moment is not None]
    if until:
        raise too_many((max(until) - now).total_seconds())


async def record_failure_txn(
    s: AsyncSession, settings: Settings, keys: ThrottleKeys, now: datetime
) -> datetime | None:
    """Count one failure; return when the lock ends if this failure tripped (or hit) a lock."""
    window = timedelta(seconds=settings.login_failure_window_seconds)
    locked_until: datetime | None = None
    for key, limit in keys.limits(settings).items():
        await insert_ignore(s, LoginThrottle, key=key, failures=0, window_started_at=now)
        row = await s.scalar(
            select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
        )
        assert row is not None
        if row.window_started_at + window <= now:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
        if row.locked_until and row.locked_until > now:
            locked_until = max(locked_until or row.locked_until, row.locked_until)
    return locked_until


async def clear_account_txn(s: AsyncSession, keys: ThrottleKeys) -> None:
    await s.execute(delete(LoginThrottle).where(LoginThrottle.key == keys.account))
