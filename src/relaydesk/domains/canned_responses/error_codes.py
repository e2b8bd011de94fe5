"""Error codes of the canned-responses domain (stable: clients match on them)."""

from relaydesk.errors import ErrorCode


class CannedResponseError(ErrorCode):
    SHORTCUT_TAKEN = (
        "canned_responses.shortcut_taken",
        409,
        "A canned response with this shortcut already exists",
    )
