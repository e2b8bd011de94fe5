"""Error codes of the search domain."""

from relaydesk.errors import ErrorCode


class SearchError(ErrorCode):
    CURSOR_NEEDS_TYPE = (
        "search.cursor_needs_type",
        400,
        "A cursor pages one result type: send `type` with it",
    )
    FILTER_NEEDS_MESSAGES = (
        "search.filter_needs_messages",
        422,
        "`conversation_id` and `channel_id` filter messages only",
    )
