"""The WhatsApp Cloud API adapter: Graph API calls under `<api_base_url>` (which includes the
version, `https://graph.facebook.com/v23.0` by default) with a Bearer token
(docs/channels.md)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import mimetypes
import re
from collections.abc import Mapping
from typing import Any, Self

import httpx

from relaydesk.channels.base import (
    IDEMPOTENCY_HEADER,
    ChannelAdapter,
    Download,
    Health,
    InboundEvent,
    MediaRef,
    OutboundMedia,
    OutboundMessage,
    SendResult,
    TemplateSend,
    header,
)
from relaydesk.channels.errors import (
    ChannelError,
    MediaUnavailable,
    Permanent,
    Retryable,
    TemplateMismatch,
    VerificationError,
    redact,
)
from relaydesk.channels.ratelimit import Limit, RateLimits
from relaydesk.channels.whatsapp.codes import error_from
from relaydesk.channels.whatsapp.parse import parse_body
from relaydesk.domains.conversations.schemas import MessageType

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://graph.facebook.com/v23.0"
SIGNATURE_HEADER = "X-Hub-Signature-256"
# 80 messages/s per phone number by default (Meta raises it on request).
# A small burst: Meta counts throughput per second, so a full second's worth at once could
# draw 130429 right after a quiet spell.
RATE_LIMITS = RateLimits(account=Limit(80, 1.0, burst=8))
_MEDIA_TYPES = {
    MessageType.image: "image",
    MessageType.video: "video",
    MessageType.audio: "audio",
    MessageType.file: "document",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def expected_params(components: Any, kind: str) -> int:
    """How many parameters a template's `kind` (header / body) component takes."""
    for component in components or ():
        if str(component.get("type", "")).lower() == kind:
            return len(set(_PLACEHOLDER.findall(str(component.get("text", "")))))
    return 0


def check_template(template: TemplateSend) -> None:
    """Raise `TemplateMismatch` unless the parameters fit the stored definition."""
    definition = template.definition
    if definition is None:
        return
    if (definition.name, definition.language) != (template.name, template.language):
        raise TemplateMismatch(
            f"template {template.name}/{template.language} was given the definition of "
            f"{definition.name}/{definition.language}",
            code="whatsapp.template_mismatch",
        )
    for kind, given in (("header", template.header_params), ("body", template.body_params)):
        expected = expected_params(definition.components, kind)
        if len(given) != expected:
            raise TemplateMismatch(
                f"template {template.name} takes {expected} {kind} parameter(s), "
                f"{len(given)} given",
                code="whatsapp.template_params",
            )


def _recipient(chat_key: str) -> dict[str, str]:
    """A phone number goes as `to`; a business-scoped user id as `recipient`."""
    if chat_key.lstrip("+").isdigit():
        return {"to": chat_key.lstrip("+")}
    return {"recipient": chat_key}


class WhatsAppAdapter(ChannelAdapter):
    channel_type = "whatsapp_cloud"
    default_rate_limits = RATE_LIMITS

    def __init__(
        self,
        phone_number_id: str,
        access_token: str,
        *,
        app_secret: str,
        verify_token: str | None = None,
        api_base_url: str | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: float | None = None,
        rate_limits: RateLimits | None = None,
    ) -> None:
        super().__init__(client=client, timeout=timeout, rate_limits=rate_limits)
        self.phone_number_id = phone_number_id
        self._token = access_token
        self._app_secret = app_secret
        self._verify_token = verify_token
        self.api_base_url = (api_base_url or DEFAULT_API_BASE_URL).rstrip("/")

    def __repr__(self) -> str:
        return (
            f"WhatsAppAdapter(phone_number_id={self.phone_number_id!r}, "
            f"api_base_url={self.api_base_url!r})"
        )

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
    ) -> Self:
        return cls(
            str(credentials["phone_number_id"]),
            str(credentials["access_token"]),
            app_secret=str(credentials["app_secret"]),
            verify_token=credentials.get("verify_token"),
            api_base_url=credentials.get("api_base_url"),
            client=client,
        )

    # -- inbound ----------------------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], raw_body: bytes, query: Mapping[str, str]) -> None:
        given = header(headers, SIGNATURE_HEADER)
        if not given:
            raise VerificationError(401, "whatsapp.signature_missing", "signature missing")
        # Over the raw bytes as received: a re-serialised body would not match.
        expected = (
            "sha256=" + hmac.new(self._app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
        )
        if not hmac.compare_digest(given.strip().lower().encode(), expected.encode()):
            raise VerificationError(403, "whatsapp.signature_invalid", "signature invalid")

    def verification_challenge(self, query: Mapping[str, str]) -> str:
        token = query.get("hub.verify_token") or ""
        good = self._verify_token is not None and hmac.compare_digest(
            token.encode(), self._verify_token.encode()
        )
        if query.get("hub.mode") != "subscribe" or not good:
            raise VerificationError(403, "whatsapp.verify_token_invalid", "verify token invalid")
        return query.get("hub.challenge") or ""

    def parse(self, raw_body: bytes) -> list[InboundEvent]:
        return parse_body(raw_body, self.phone_number_id)

    # -- HTTP -------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        url: str,
        what: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token}", **(extra_headers or {})}
        try:
            return await self._client.request(
                method, url, headers=headers, timeout=self.timeout, **kwargs
            )
        except httpx.TimeoutException:
            raise Retryable(f"{what}: no answer within the timeout", backoff=1.0) from None
        except httpx.TransportError as exc:
            raise Retryable(f"{what}: transport error {type(exc).__name__}", backoff=1.0) from None

    async def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """One Graph API call; the JSON answer, or a classified `ChannelError`."""
        response = await self._request(
            method, f"{self.api_base_url}/{path}", what, extra_headers=extra_headers, **kwargs
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict):
            return body
        error = body.get("error") if isinstance(body, dict) else None
        failure = error_from(response.status_code, error if isinstance(error, dict) else None)
        self._scrub(failure)
        log.info("whatsapp %s failed: %s", what, failure)
        raise failure

    def _scrub(self, error: ChannelError) -> None:
        secrets = [self._token, self._app_secret, self._verify_token]
        error.message = redact(error.message, secrets)
        if error.details:
            error.details = redact(error.details, secrets)

    # -- outbound ---------------------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> SendResult:
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            **_recipient(message.chat_key),
        }
        if message.reply_to:
            body["context"] = {"message_id": message.reply_to}
        if message.type is MessageType.text:
            if not message.text:
                raise Permanent("a text message needs text", code="whatsapp.empty_text")
            body["type"] = "text"
            body["text"] = {"body": message.text, "preview_url": False}
        elif message.type in _MEDIA_TYPES:
            if message.media is None:
                raise Permanent(f"a {message.type} message needs media", code="whatsapp.no_media")
            kind = _MEDIA_TYPES[message.type]
            body["type"] = kind
            body[kind] = await self._media_object(kind, message.media, message.text)
        elif message.type is MessageType.template and message.template is not None:
            check_template(message.template)
            body["type"] = "template"
            body["template"] = _template_object(message.template)
        elif message.type is MessageType.location and message.location is not None:
            location = message.location
            body["type"] = "location"
            body["location"] = {
                k: v
                for k, v in location.model_dump().items()
                if v is not None and k in ("latitude", "longitude", "name", "address")
            }
        else:
            raise Permanent(
                f"cannot send a {message.type} message this way", code="whatsapp.unsupported"
            )
        key = message.idempotency_key
        answer = await self.call(
            "POST",
            f"{self.phone_number_id}/messages",
            "send",
            extra_headers={IDEMPOTENCY_HEADER: key} if key else None,
            json=body,
        )
        contact = (answer.get("contacts") or [{}])[0]
        return SendResult(
            external_id=str(answer["messages"][0]["id"]),
            chat_key=message.chat_key,
            recipient=contact.get("user_id") or contact.get("wa_id"),
            raw=answer,
        )

    async def _media_object(
        self, kind: str, media: OutboundMedia, caption: str | None
    ) -> dict[str, Any]:
        if media.content is not None:
            media_id = await self.upload_media(
                media.content, media.content_type or "application/octet-stream", media.filename
            )
            result: dict[str, Any] = {"id": media_id}
        elif media.url is not None:
            result = {"link": media.url}
        else:
            result = {"id": media.provider_id}
        # Audio and stickers take no caption.
        if caption and kind in ("image", "video", "document"):
            result["caption"] = caption
        if kind == "document" and media.filename:
            result["filename"] = media.filename
        return result

    async def upload_media(self, content: bytes, content_type: str, filename: str | None) -> str:
        name = filename or "file" + (mimetypes.guess_extension(content_type) or "")
        answer = await self.call(
            "POST",
            f"{self.phone_number_id}/media",
            "upload",
            data={"messaging_product": "whatsapp", "type": content_type},
            files={"file": (name, content, content_type)},
        )
        return str(answer["id"])

    async def download_media(self, ref: MediaRef) -> Download:
        # Media URLs expire after about five minutes: an expired one is asked for again, once.
        for attempt in (1, 2):
            info = await self.call("GET", ref.provider_id, "media lookup")
            url = info.get("url")
            if not url:
                raise MediaUnavailable("the media has no URL", code="whatsapp.media_no_url")
            response = await self._request("GET", str(url), "media download")
            if response.status_code == 200:
                content_type = str(
                    info.get("mime_type") or ref.mime_type or "application/octet-stream"
                )
                extension = mimetypes.guess_extension(content_type.split(";")[0]) or ""
                filename = ref.filename or f"{ref.provider_id}{extension}"
                return Download(response.content, content_type, filename)
            if response.status_code >= 500:
                raise Retryable("media download failed", http_status=response.status_code)
            if response.status_code == 401:
                self._scrub(error := error_from(401, None))
                raise error
            if attempt == 2:
                break
        raise MediaUnavailable(
            "media URL expired twice", http_status=response.status_code, code="whatsapp.media_gone"
        )

    async def health_check(self) -> Health:
        try:
            info = await self.call("GET", self.phone_number_id, "health check")
        except ChannelError as exc:
            return Health(False, error_kind=exc.kind, error=str(exc))
        fields = ("id", "display_phone_number", "verified_name", "quality_rating", "throughput")
        return Health(True, {k: info[k] for k in fields if k in info})


def _template_object(template: TemplateSend) -> dict[str, Any]:
    components = []
    for kind, params in (("header", template.header_params), ("body", template.body_params)):
        if params:
            components.append(
                {"type": kind, "parameters": [{"type": "text", "text": p} for p in params]}
            )
    result: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if components:
        result["components"] = components
    return result
