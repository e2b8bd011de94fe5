"""Errors as data: every failure a client can see has a stable code, an HTTP status and a title.

Domains declare their codes in `domains/<name>/error_codes.py` as `ErrorCode` enums and raise
`AppError(code, detail)`. The API turns these into `application/problem+json` (RFC 9457).
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class ErrorCode(Enum):
    """Members are `(code, http_status, title)`."""

    def __init__(self, code: str, status: int, title: str) -> None:
        self.code = code
        self.status = status
        self.title = title


class CommonError(ErrorCode):
    NOT_FOUND = ("not_found", 404, "Not found")
    METHOD_NOT_ALLOWED = ("method_not_allowed", 405, "Method not allowed")
    VALIDATION_FAILED = ("validation_failed", 422, "The request is not valid")
    BAD_REQUEST = ("bad_request", 400, "Bad request")
    MALFORMED_BODY = ("malformed_body", 400, "The request body could not be read")
    PAYLOAD_TOO_LARGE = ("payload_too_large", 413, "The request body is too large")
    UNSUPPORTED_MEDIA_TYPE = ("unsupported_media_type", 415, "Unsupported media type")
    INVALID_CURSOR = ("invalid_cursor", 400, "The pagination cursor is not valid")
    UNAUTHENTICATED = ("unauthenticated", 401, "Authentication required")
    FORBIDDEN = ("forbidden", 403, "Not allowed")
    RATE_LIMITED = ("rate_limited", 429, "Too many requests")
    CONFLICT = ("conflict", 409, "Conflict with the current state")
    INTERNAL = ("internal_error", 500, "Internal server error")
    UNAVAILABLE = ("service_unavailable", 503, "Service unavailable")


class AppError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or code.title)
        self.code = code
        self.detail = detail or code.title
        self.headers = headers or {}
        self.extra = extra


def not_found(what: str = "resource") -> AppError:
    # Same answer for "does not exist" and "belongs to another workspace": no leaks.
    return AppError(CommonError.NOT_FOUND, f"The {what} was not found")
