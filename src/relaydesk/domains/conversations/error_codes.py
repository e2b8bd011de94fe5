"""Error codes of the conversations domain (stable: clients match on them)."""

from relaydesk.errors import ErrorCode


class ConversationError(ErrorCode):
    UNKNOWN_ASSIGNEE = (
        "conversations.unknown_assignee",
        422,
        "The assignee is not a member of this workspace",
    )
    UNKNOWN_TEAM = ("conversations.unknown_team", 422, "No team with this id in this workspace")
    SNOOZE_NEEDS_UNTIL = (
        "conversations.snooze_needs_until",
        422,
        "Snoozing needs a snoozed_until in the future",
    )
    SEQ_PARAMS_CONFLICT = (
        "conversations.seq_params_conflict",
        422,
        "around_seq cannot be combined with after_seq or before_seq",
    )
    USER_REQUIRED = (
        "conversations.user_required",
        403,
        "Read cursors and 'mine' belong to a signed-in user, not an API key",
    )


class MessageError(ErrorCode):
    NOT_AUTHOR = ("messages.not_author", 403, "Only the author can change this message")
    NOT_EDITABLE = (
        "messages.not_editable",
        409,
        "Only outbound text messages and notes that are not recalled can be edited",
    )
    NO_STATUS = ("messages.no_status", 409, "Only outbound messages have a delivery status")
    REPLY_TARGET_INVALID = (
        "messages.reply_target_invalid",
        422,
        "reply_to_message_id does not name a message of this conversation",
    )
    ID_TAKEN = (
        "messages.id_taken",
        409,
        "Another message already has this id: choose a new random UUID for each message",
    )
    ONE_ATTACHMENT = (
        "messages.one_attachment",
        422,
        "This channel takes one attachment per message: send each attachment as its own message",
    )
    WINDOW_CLOSED = (
        "whatsapp.window_closed",
        422,
        "The contact has not written in the last 24 hours: only a template may be sent",
    )
    TEMPLATE_UNKNOWN = (
        "whatsapp.template_unknown",
        422,
        "No template with this name and language is stored for the channel",
    )
    TEMPLATE_PARAMS = (
        "whatsapp.template_params",
        422,
        "The template parameters do not match the stored template",
    )


class AttachmentError(ErrorCode):
    TOO_LARGE = ("attachments.too_large", 413, "The file is larger than the attachment limit")
    TYPE_NOT_ALLOWED = (
        "attachments.type_not_allowed",
        415,
        "This content type is not accepted for attachments",
    )
    FILE_REQUIRED = (
        "attachments.file_required",
        422,
        "Send the file as multipart/form-data in a part named 'file'",
    )
    IN_USE = ("attachments.in_use", 409, "The attachment already belongs to a message")
    TYPE_MISMATCH = (
        "attachments.type_mismatch",
        422,
        "The attachment's content type does not fit the message type",
    )


class TeamError(ErrorCode):
    NAME_TAKEN = ("teams.name_taken", 409, "A team with this name already exists")
    NOT_A_MEMBER = ("teams.not_a_member", 422, "The user is not a member of this workspace")
