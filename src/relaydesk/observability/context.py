"""Per-request context carried through logs and audit records."""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("relaydesk_request_id", default=None)
