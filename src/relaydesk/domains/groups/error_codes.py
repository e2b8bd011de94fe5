"""Error codes of the groups domain (Telegram's answers to admin actions among them)."""

from relaydesk.errors import ErrorCode


class GroupError(ErrorCode):
    WRONG_CHANNEL_TYPE = (
        "groups.wrong_channel_type",
        409,
        "Groups are kept for Telegram channels only",
    )
    NOT_A_MEMBER = ("groups.not_a_member", 404, "The contact is not known as a member of the group")
    NO_TELEGRAM_USER = (
        "groups.no_telegram_user",
        409,
        "The contact has no Telegram identity on this channel",
    )
    NOT_ADMIN = (
        "groups.not_admin",
        409,
        "The bot is not an administrator of the group with the rights this needs",
    )
    NOT_SUPERGROUP = ("groups.not_supergroup", 409, "Telegram allows this only in supergroups")
    BOT_NOT_IN_GROUP = ("groups.bot_not_in_group", 409, "The bot is no longer in the group")
    CHAT_MIGRATED = (
        "groups.chat_migrated",
        409,
        "The group became a supergroup; retry once the move has been recorded",
    )
    TELEGRAM_REJECTED = ("groups.telegram_rejected", 422, "Telegram refused the request")
    RATE_LIMITED = ("groups.rate_limited", 429, "Telegram asks to slow down; retry later")
    TELEGRAM_UNAVAILABLE = ("groups.telegram_unavailable", 502, "Telegram did not answer")
    CREDENTIALS_BROKEN = (
        "groups.credentials_broken",
        502,
        "Telegram refused the channel's bot token",
    )
