"""Error codes of the contacts domain (stable: clients match on them)."""

from relaydesk.errors import ErrorCode


class ContactError(ErrorCode):
    UNKNOWN_ATTRIBUTE = (
        "contacts.unknown_attribute",
        422,
        "No attribute definition has this key",
    )
    INVALID_ATTRIBUTE = (
        "contacts.invalid_attribute",
        422,
        "The attribute value does not match its definition",
    )
    OWNER_NOT_MEMBER = (
        "contacts.owner_not_member",
        422,
        "The owner must be a member of the workspace",
    )
    INVALID_FILTER = ("contacts.invalid_filter", 422, "A list filter is not valid")
    MERGE_SELF = ("contacts.merge_self", 422, "A contact cannot be merged into itself")
    ATTRIBUTE_KEY_TAKEN = (
        "contacts.attribute_key_taken",
        409,
        "An attribute definition with this key already exists",
    )
    ATTRIBUTE_IN_USE = (
        "contacts.attribute_in_use",
        409,
        "Contacts hold values of this attribute; the change would invalidate them",
    )
    INVALID_DEFINITION = (
        "contacts.invalid_definition",
        422,
        "The attribute definition is not valid",
    )
    CSV_INVALID = ("contacts.csv_invalid", 422, "The CSV file cannot be imported")
    NOTE_NOT_AUTHOR = (
        "contacts.note_not_author",
        403,
        "Only the note's author or an admin can delete it",
    )
