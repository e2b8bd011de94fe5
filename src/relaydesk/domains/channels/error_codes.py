"""Error codes of the channels domain."""

from relaydesk.errors import ErrorCode


class ChannelError(ErrorCode):
    DISABLED = ("channels.disabled", 409, "The channel is disabled")
    WRONG_TYPE = ("channels.wrong_type", 409, "This channel type does not accept that request")
    BAD_SECRET = ("channels.bad_secret", 401, "The channel secret is missing or wrong")
    FIELD_NOT_APPLICABLE = (
        "channels.field_not_applicable",
        422,
        "That field does not belong to this channel type",
    )
    CREDENTIALS_UNREADABLE = (
        "channels.credentials_unreadable",
        409,
        "No configured key opens the channel's credentials",
    )
    NO_BUSINESS_ACCOUNT = (
        "channels.no_business_account",
        409,
        "The channel has no business_account_id to sync templates from",
    )
    PROVIDER_FAILED = ("channels.provider_failed", 502, "The provider did not answer as expected")
    TEMPLATE_EXISTS = (
        "channels.template_exists",
        409,
        "The channel already has a template of that name and language",
    )
