"""Validation of `POST /{version}/{phone_number_id}/messages` bodies, with Graph API errors."""

from __future__ import annotations

import secrets
from typing import Any

from relaydesk.testing.fakes.whatsapp_state import Media, PhoneNumber

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
TYPES = ("text", "template", "reaction", "interactive", "location", "contacts", *MEDIA_TYPES)
INTERACTIVE_TYPES = (
    "button",
    "list",
    "cta_url",
    "product",
    "product_list",
    "flow",
    "location_request_message",
    "address_message",
    "catalog_message",
)
MAX_TEXT = 4096


class GraphError(Exception):
    """`{"error": {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"}}`."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        details: str | None = None,
        *,
        type_: str = "OAuthException",
        subcode: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.type, self.subcode = details, type_, subcode

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
        return {"error": error}


def invalid(details: str, message: str = "(#100) Invalid parameter") -> GraphError:
    return GraphError(400, 100, message, details)


def bad_token() -> GraphError:
    return GraphError(401, 190, "Invalid OAuth access token - Cannot parse access token")


def no_object(node: str, verb: str) -> GraphError:
    return GraphError(
        400,
        100,
        f"Unsupported {verb} request. Object with ID '{node}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation. Please read the Graph "
        "API documentation at https://developers.facebook.com/docs/graph-api",
        type_="GraphMethodException",
        subcode=33,
    )


def template_errors(phone: PhoneNumber, template: Any) -> None:
    if not isinstance(template, dict) or not template.get("name"):
        raise invalid("Parameter template['name'] is required")
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not code:
        raise invalid("Parameter template['language']['code'] is required")
    known = phone.template(str(template["name"]), str(code))
    if known is None or known.status != "APPROVED":
        raise GraphError(
            404 if known is None else 400,
            132001,
            "(#132001) Template name does not exist in the translation",
            f"template name ({template['name']}) does not exist in {code}",
        )
    given: dict[str, int] = {}
    for component in template.get("components") or []:
        kind = str(component.get("type", "")).lower()
        given[kind] = given.get(kind, 0) + len(component.get("parameters") or [])
    for kind in ("header", "body"):
        expected, got = known.expected(kind), given.get(kind, 0)
        if expected != got:
            raise GraphError(
                400,
                132000,
                "(#132000) Number of parameters does not match the expected number of params",
                f"{kind}: number of localizable_params ({got}) does not match the expected "
                f"number of params ({expected})",
            )


def check_content(phone: PhoneNumber, media: dict[str, Media], body: dict[str, Any]) -> str:
    """The message type, once the body is known valid; raises GraphError otherwise."""
    kind = str(body.get("type") or "text")
    if kind not in TYPES:
        names = ", ".join(t.upper() for t in sorted(TYPES))
        raise invalid(f'Param type must be one of {{{names}}} - got "{kind}".')
    content = body.get(kind)
    if kind == "text":
        text = content.get("body") if isinstance(content, dict) else None
        if not text:
            raise invalid("", "(#100) The parameter text['body'] is required.")
        if len(str(text)) > MAX_TEXT:
            raise invalid(f"Param text['body'] must be at most {MAX_TEXT} characters long.")
    elif kind in MEDIA_TYPES:
        if not isinstance(content, dict) or not (content.get("id") or content.get("link")):
            raise invalid(f"Param {kind} must contain either id or link")
        media_id = content.get("id")
        if media_id and (
            media_id not in media or media[media_id].phone_number_id != phone.phone_number_id
        ):
            raise invalid(
                f"Param {kind}['id'] is not a valid whatsapp business account media attachment ID"
            )
    elif kind == "template":
        template_errors(phone, content)
    elif kind == "reaction":
        if not isinstance(content, dict) or not content.get("message_id"):
            raise invalid("", "(#100) The parameter reaction['message_id'] is required.")
    elif kind == "interactive":
        if not isinstance(content, dict) or content.get("type") not in INTERACTIVE_TYPES:
            raise invalid("Param interactive['type'] is invalid")
        if content["type"] in ("button", "list") and not (content.get("body") or {}).get("text"):
            raise invalid("", "(#100) The parameter interactive['body']['text'] is required.")
    elif kind == "location":
        if not isinstance(content, dict) or "latitude" not in content or "longitude" not in content:
            raise invalid("Param location must contain latitude and longitude")
    elif kind == "contacts" and not isinstance(content, list):
        raise invalid("Param contacts must be an array")
    return kind
