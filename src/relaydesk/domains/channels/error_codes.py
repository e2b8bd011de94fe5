"""Error codes of the channels domain."""

from relaydesk.errors import ErrorCode


class ChannelError(ErrorCode):
    DISABLED = ("channels.disabled", 409, "The channel is disabled")
    WRONG_TYPE = ("channels.wrong_type", 409, "This channel type does not accept that request")
    BAD_SECRET = ("channels.bad_secret", 401, "The channel secret is missing or wrong")
