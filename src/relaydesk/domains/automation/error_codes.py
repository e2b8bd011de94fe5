"""Error codes of the automation domain (stable: clients match on them)."""

from relaydesk.errors import ErrorCode


class AutomationError(ErrorCode):
    GRAPH_INVALID = ("automation.graph_invalid", 422, "The workflow graph has problems")
    NOT_PUBLISHED = ("automation.not_published", 409, "The workflow is not published")
    UNKNOWN_TEMPLATE = ("automation.unknown_template", 404, "No workflow template has this key")
    TEMPLATE_PARAMS = (
        "automation.template_params_invalid",
        422,
        "The template's parameters are not valid",
    )
    # Recorded on steps of `http_request` (and `start_workflow`), never answered by the API.
    HTTP_ADDRESS_REFUSED = (
        "automation.http_address_refused",
        422,
        "The request's destination is a private, loopback or otherwise internal address",
    )
    HTTP_FAILED = ("automation.http_failed", 502, "The HTTP request failed")
    WORKFLOW_NOT_STARTABLE = (
        "automation.workflow_not_startable",
        409,
        "The workflow to start is not published in this workspace",
    )
    WEBHOOK_SECRET_INVALID = (
        "automation.webhook_secret_invalid",
        401,
        "The X-RelayDesk-Secret header is missing or wrong",
    )
    WEBHOOK_BODY_INVALID = (
        "automation.webhook_body_invalid",
        422,
        "The body must be a JSON object",
    )
    NOT_WEBHOOK = ("automation.not_webhook", 409, "The workflow's trigger is not a webhook")
    MANUAL_START_REFUSED = (
        "automation.manual_start_refused",
        409,
        "Only workflows with a manual trigger start by hand (any workflow in a dry run)",
    )
    TOO_MANY_CONTACTS = (
        "automation.too_many_contacts",
        422,
        "More contacts match than one start may run",
    )
    START_TARGET_INVALID = (
        "automation.start_target_invalid",
        422,
        "Give a contact, a conversation or a contact filter, consistently",
    )


# Reasons recorded on runs and steps (not HTTP errors).
LOOP_GUARD = "automation.loop_guard"
OPTED_OUT = "consent.opted_out"
NO_CONVERSATION = "automation.no_conversation"
NO_CONTACT = "automation.no_contact"
RETRIES_EXHAUSTED = "automation.retries_exhausted"
CONTACT_NOT_FOUND = "automation.contact_not_found"
