"""Graph API error codes → what to do (act on `error.code`, never on the message text)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from relaydesk.channels.errors import (
    ChannelError,
    CredentialsBroken,
    ErrorKind,
    NeedsTemplate,
    Permanent,
    Retryable,
)

WINDOW_CLOSED = 131047
# Throughput (130429), pair rate (131056: this recipient, back off longer), WABA rate
# (80007), app rate (4); with the smallest delay worth waiting.
RATE_LIMITED: Mapping[int, float] = {130429: 1.0, 131056: 6.0, 80007: 5.0, 4: 5.0}
# Transient: unknown error (131000, also 1 and 2), service unavailable (131016),
# maintenance (131057, about a minute).
TRANSIENT: Mapping[int, float] = {131000: 1.0, 131016: 5.0, 131057: 60.0, 1: 1.0, 2: 1.0}
# Undeliverable (131026), not delivered to keep the ecosystem healthy (131049), the user
# stopped marketing messages (131050).
PERMANENT = frozenset({131026, 131049, 131050})
# Auth (0, 190), permissions (10, 200-299), account locked or restricted (368, 131031).
BROKEN = frozenset({0, 190, 10, 368, 131031})


def kind_of(code: int | None) -> ErrorKind:
    if code is None:
        return ErrorKind.permanent
    if code in RATE_LIMITED or code in TRANSIENT:
        return ErrorKind.retryable
    if code == WINDOW_CLOSED:
        return ErrorKind.needs_template
    if code in BROKEN or 200 <= code <= 299:
        return ErrorKind.credentials_broken
    return ErrorKind.permanent


def error_from(status: int, error: Mapping[str, Any] | None) -> ChannelError:
    """A Graph API error answer (`{"error":{…}}`, or None when the body was not JSON)."""
    if error is None:
        if status >= 500 or status == 429:
            return Retryable(f"Graph API HTTP {status}", http_status=status)
        if status == 401:
            return CredentialsBroken("Graph API unauthorized", http_status=status)
        return Permanent(f"Graph API HTTP {status} without an error body", http_status=status)
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) else None
    message = str(error.get("message") or f"Graph API HTTP {status}")
    data = error.get("error_data")
    details = str(data["details"]) if isinstance(data, dict) and data.get("details") else None
    kwargs: dict[str, Any] = {"code": raw_code, "http_status": status, "details": details}
    if code is not None and code in RATE_LIMITED:
        return Retryable(message, backoff=RATE_LIMITED[code], **kwargs)
    kind = kind_of(code)
    if kind is ErrorKind.retryable:
        return Retryable(message, backoff=TRANSIENT.get(code or 0, 1.0), **kwargs)
    if kind is ErrorKind.needs_template:
        return NeedsTemplate(message, **kwargs)
    if kind is ErrorKind.credentials_broken:
        return CredentialsBroken(message, **kwargs)
    if status >= 500 or error.get("is_transient") is True:
        return Retryable(message, **kwargs)
    return Permanent(message, **kwargs)
