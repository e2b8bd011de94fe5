"""What went wrong talking to a provider, classified for the caller (docs/channels.md).

Every failed call becomes one of five kinds, each telling the outbound pipeline what to do:

- `RetryAfter(seconds)`: the provider named a delay (Telegram's 429 `retry_after`).
- `Retryable(backoff)`: transient (rate limits without a delay, 5xx, timeouts): back off and
  try again.
- `NeedsTemplate`: WhatsApp's 24-hour window is closed; only a template may be sent.
- `Permanent`: this message will never go through (bad request, blocked, undeliverable).
- `CredentialsBroken`: the channel account itself is broken (revoked or wrong token).

`ChatMigrated` (Telegram) is a `Permanent` for the message as addressed, carrying the new chat
id the caller moves the conversation to before sending again.

The provider's code and message are kept; tokens and secrets never enter an error: the
adapters build messages from provider answers only, pass their credentials through `redact`,
and raise with `from None` so that no HTTP library exception (whose request URL may hold a
Telegram token) rides along as the cause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    retry_after = "retry_after"
    retryable = "retryable"
    needs_template = "needs_template"
    permanent = "permanent"
    credentials_broken = "credentials_broken"


class ChannelError(Exception):
    """A provider call failed. `code` is the provider's (Telegram `error_code`, Graph
    `error.code`), `message` its description; `http_status` the HTTP status if one came."""

    kind: ErrorKind = ErrorKind.permanent

    def __init__(
        self,
        message: str,
        *,
        code: int | str | None = None,
        http_status: int | None = None,
        details: str | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.http_status = http_status
        self.details = details
        super().__init__(message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None:
            parts.append(f"http={self.http_status}")
        if self.details:
            parts.append(f"details={self.details}")
        return " ".join(parts)


class RetryAfter(ChannelError):  # noqa: N818 (names of the error classes callers act on)
    kind = ErrorKind.retry_after

    def __init__(self, seconds: float, message: str, **kwargs: Any) -> None:
        self.seconds = seconds
        super().__init__(message, **kwargs)


class Retryable(ChannelError):  # noqa: N818 (names of the error classes callers act on)
    """`backoff`: the smallest delay worth waiting before the next attempt (the pipeline adds
    its own exponential backoff with jitter on top)."""

    kind = ErrorKind.retryable

    def __init__(self, message: str, *, backoff: float = 1.0, **kwargs: Any) -> None:
        self.backoff = backoff
        super().__init__(message, **kwargs)


class NeedsTemplate(ChannelError):  # noqa: N818 (names of the error classes callers act on)
    kind = ErrorKind.needs_template
    # The stable code callers show (problem+json) when a free-form message hits a closed window.
    problem_code = "whatsapp.window_closed"


class Permanent(ChannelError):  # noqa: N818 (names of the error classes callers act on)
    """`contact_unreachable`: the contact can no longer be written to (blocked the bot)."""

    kind = ErrorKind.permanent

    def __init__(self, message: str, *, contact_unreachable: bool = False, **kwargs: Any) -> None:
        self.contact_unreachable = contact_unreachable
        super().__init__(message, **kwargs)


class ChatMigrated(Permanent):
    """Telegram: the group became a supergroup; send to `new_chat_id` from now on."""

    def __init__(self, new_chat_id: str, message: str, **kwargs: Any) -> None:
        self.new_chat_id = new_chat_id
        super().__init__(message, **kwargs)


class CredentialsBroken(ChannelError):  # noqa: N818 (names of the error classes callers act on)
    kind = ErrorKind.credentials_broken


class TemplateMismatch(Permanent):
    """A template send whose parameters do not fit the stored template; raised before any
    request is made."""

    problem_code = "whatsapp.template_params"


class MediaUnavailable(Permanent):
    """The media a reference names can no longer be fetched."""


class VerificationError(Exception):
    """An inbound webhook that must not be processed; `status` is what to answer (401 when the
    proof is missing, 403 when it is wrong), `code` a stable problem code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(message)


class PayloadError(ValueError):
    """The whole body is not the provider's JSON (one bad item of a batch never raises)."""


_TELEGRAM_TOKEN = re.compile(r"\d{3,}(?::|%3[Aa])[A-Za-z0-9_-]{20,}")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with the given secrets and anything shaped like a Telegram bot token masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _TELEGRAM_TOKEN.sub("***", text)
