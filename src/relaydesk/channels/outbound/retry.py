"""How long to wait before the next attempt, and what a failure is recorded as."""

from __future__ import annotations

import email.utils
import random
from datetime import UTC, datetime
from typing import Any

from relaydesk.channels.errors import ChannelError, NeedsTemplate

# A provider's "retry after" is honoured up to an hour; beyond that it is a misreading.
MAX_RETRY_AFTER = 3600.0


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Exponential with "equal jitter": half fixed, half random, so retries spread out."""
    ceiling = min(cap, base * 2.0 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not secrecy


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def reason_of(error: ChannelError) -> dict[str, Any]:
    """What a failed message keeps as its `error`: stable keys, free of secrets (the adapters
    redact their messages). A sender may attach its own `reason` dict to an error."""
    own = getattr(error, "reason", None)
    if isinstance(own, dict):
        return dict(own)
    code = NeedsTemplate.problem_code if isinstance(error, NeedsTemplate) else error.kind.value
    reason: dict[str, Any] = {"code": code, "message": error.message}
    if error.code is not None:
        reason["provider_code"] = error.code
    if error.http_status is not None:
        reason["status"] = error.http_status
    if error.details:
        reason["details"] = error.details
    return reason
