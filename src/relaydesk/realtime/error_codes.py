"""Error codes of the realtime gateway (stable: clients match on them)."""

from relaydesk.errors import ErrorCode


class RealtimeError(ErrorCode):
    UNSUPPORTED_VERSION = ("realtime.unsupported_version", 400, "Unsupported protocol version")
    NOT_SUBSCRIBED = ("realtime.not_subscribed", 409, "Subscribe to the workspace first")
    ALREADY_AUTHENTICATED = (
        "realtime.already_authenticated",
        409,
        "This connection is already authenticated",
    )
    IDLE_TIMEOUT = ("realtime.idle_timeout", 408, "Nothing was received for too long")
    SLOW_CONSUMER = ("realtime.slow_consumer", 429, "The client does not read fast enough")
    SUBSCRIPTION_ENDED = (
        "realtime.subscription_ended",
        403,
        "The subscription has ended: the caller no longer belongs to the workspace",
    )
