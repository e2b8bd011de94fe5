"""The Telegram Bot API adapter: `<api_base_url>/bot<token>/<method>`, JSON bodies (multipart
for uploads), answers `{"ok":…}`; `parameters` is read before the status (docs/channels.md)."""

from __future__ import annotations

import hmac
import json
import logging
import posixpath
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
    OutboundMessage,
    SendResult,
    header,
)
from relaydesk.channels.errors import (
    ChannelError,
    ChatMigrated,
    CredentialsBroken,
    MediaUnavailable,
    Permanent,
    Retryable,
    RetryAfter,
    VerificationError,
    redact,
)
from relaydesk.channels.ratelimit import Limit, RateLimits
from relaydesk.channels.telegram.parse import message_id, parse_body
from relaydesk.domains.conversations.schemas import MessageType

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
# Telegram's FAQ: about 1 message/s per chat, 20/min per group, 30/s per bot. A burst of 3 in
# a group keeps short exchanges snappy while the average holds.
# Small bursts: a second's worth at once after a quiet spell would meet Telegram's flood limits.
RATE_LIMITS = RateLimits(
    account=Limit(30, 1.0, burst=3), chat=Limit(1, 1.0), group=Limit(20, 60.0, burst=3)
)
# Our message type → (method, file field); audio and video go as documents, which Telegram
# delivers unchanged.
_MEDIA_METHODS = {
    MessageType.image: ("sendPhoto", "photo"),
    MessageType.file: ("sendDocument", "document"),
    MessageType.audio: ("sendDocument", "document"),
    MessageType.video: ("sendDocument", "document"),
}


class _TokenRedaction(logging.Filter):
    """httpx logs every request URL at INFO, and a Telegram URL holds the bot token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _install_redaction() -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _TokenRedaction) for f in logger.filters):
            logger.addFilter(_TokenRedaction())


_install_redaction()


def _chat_id(chat_key: str) -> int | str:
    try:
        return int(chat_key)
    except ValueError:
        return chat_key  # @channelusername


def _reply_message_id(reply_to: str) -> int:
    """Our external id `<chat>:<message>` (or a bare message id) → Telegram's message_id."""
    return int(reply_to.rsplit(":", 1)[-1])


class TelegramAdapter(ChannelAdapter):
    channel_type = "telegram"
    default_rate_limits = RATE_LIMITS
    infers_read_on_reply = True

    def __init__(
        self,
        bot_token: str,
        *,
        secret_token: str | None = None,
        api_base_url: str | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: float | None = None,
        rate_limits: RateLimits | None = None,
    ) -> None:
        super().__init__(client=client, timeout=timeout, rate_limits=rate_limits)
        self._token = bot_token
        self._secret = secret_token
        self.api_base_url = (api_base_url or DEFAULT_API_BASE_URL).rstrip("/")

    def __repr__(self) -> str:
        return f"TelegramAdapter(api_base_url={self.api_base_url!r})"

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any], *, client: httpx.AsyncClient | None = None
    ) -> Self:
        return cls(
            str(credentials["bot_token"]),
            secret_token=credentials.get("secret_token"),
            api_base_url=credentials.get("api_base_url"),
            client=client,
        )

    # -- inbound ----------------------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], raw_body: bytes, query: Mapping[str, str]) -> None:
        # Missing and wrong are both 401: the header is a shared secret, not a signature.
        given = header(headers, SECRET_HEADER)
        if not given:
            raise VerificationError(401, "telegram.secret_missing", "secret token missing")
        if self._secret is None or not hmac.compare_digest(given.encode(), self._secret.encode()):
            raise VerificationError(401, "telegram.secret_invalid", "secret token invalid")

    def parse(self, raw_body: bytes) -> list[InboundEvent]:
        return parse_body(raw_body)

    # -- HTTP -------------------------------------------------------------------------------

    def _url(self, method: str) -> str:
        return f"{self.api_base_url}/bot{self._token}/{method}"

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """One Bot API call; its `result`, or a classified `ChannelError`."""
        try:
            if files:
                # Multipart: nested objects go as JSON strings inside form fields.
                data = {
                    k: json.dumps(v) if isinstance(v, dict | list) else str(v)
                    for k, v in (params or {}).items()
                }
                response = await self._client.post(
                    self._url(method),
                    data=data,
                    files=files,
                    headers=headers,
                    timeout=self.timeout,
                )
            else:
                response = await self._client.post(
                    self._url(method),
                    json=dict(params or {}),
                    headers=headers,
                    timeout=self.timeout,
                )
        except httpx.TimeoutException:
            raise Retryable(f"{method}: no answer within the timeout", backoff=1.0) from None
        except httpx.TransportError as exc:
            # The exception's text may name the URL, and the URL holds the token.
            raise Retryable(
                f"{method}: transport error {type(exc).__name__}", backoff=1.0
            ) from None
        return self._result(method, response)

    def _result(self, method: str, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        error = _classify(method, response.status_code, body if isinstance(body, dict) else None)
        error.message = redact(error.message, [self._token, self._secret])
        log.info("telegram %s failed: %s", method, error)
        raise error

    # -- outbound ---------------------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> SendResult:
        params: dict[str, Any] = {"chat_id": _chat_id(message.chat_key)}
        if message.reply_to:
            params["reply_parameters"] = {
                "message_id": _reply_message_id(message.reply_to),
                # The replied-to message may have been deleted; send anyway.
                "allow_sending_without_reply": True,
            }
        files = None
        if message.type is MessageType.text:
            if not message.text:
                raise Permanent("a text message needs text", code="telegram.empty_text")
            method = "sendMessage"
            params["text"] = message.text
        elif message.type in _MEDIA_METHODS:
            media = message.media
            if media is None:
                raise Permanent(f"a {message.type} message needs media", code="telegram.no_media")
            method, field = _MEDIA_METHODS[message.type]
            if message.text:
                params["caption"] = message.text
            if media.content is not None:
                name = media.filename or field
                kind = media.content_type or "application/octet-stream"
                files = {field: (name, media.content, kind)}
            else:
                params[field] = media.url or media.provider_id
        elif message.type is MessageType.location and message.location is not None:
            method = "sendLocation"
            params["latitude"] = message.location.latitude
            params["longitude"] = message.location.longitude
        else:
            raise Permanent(
                f"Telegram cannot send a {message.type} message", code="telegram.unsupported"
            )
        headers = {IDEMPOTENCY_HEADER: message.idempotency_key} if message.idempotency_key else None
        result = await self.call(method, params, files=files, headers=headers)
        chat_key = str(result["chat"]["id"])
        return SendResult(
            external_id=message_id(chat_key, result["message_id"]),
            chat_key=chat_key,
            recipient=chat_key,
            raw=result,
        )

    async def download_media(self, ref: MediaRef) -> Download:
        info = await self.call("getFile", {"file_id": ref.provider_id})
        path = info.get("file_path") if isinstance(info, dict) else None
        if not path:
            raise MediaUnavailable("Telegram gave no file_path", code="telegram.no_file_path")
        url = f"{self.api_base_url}/file/bot{self._token}/{path}"
        try:
            response = await self._client.get(url, timeout=self.timeout)
        except httpx.TimeoutException:
            raise Retryable("file download: no answer within the timeout") from None
        except httpx.TransportError as exc:
            raise Retryable(f"file download: transport error {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise Retryable("file download failed", http_status=response.status_code)
        if response.status_code != 200:
            raise MediaUnavailable("file download failed", http_status=response.status_code)
        content_type = (
            ref.mime_type
            or response.headers.get("content-type", "").split(";")[0]
            or "application/octet-stream"
        )
        return Download(
            response.content, content_type, ref.filename or posixpath.basename(path) or "file"
        )

    async def health_check(self) -> Health:
        try:
            me = await self.call("getMe")
        except ChannelError as exc:
            return Health(False, error_kind=exc.kind, error=str(exc))
        return Health(
            True, {"id": me.get("id"), "username": me.get("username"), "name": me.get("first_name")}
        )


def _classify(method: str, status: int, body: Mapping[str, Any] | None) -> ChannelError:
    """A failed Bot API answer → its error class. `parameters` first: Telegram puts the
    actionable part there whatever the status."""
    if body is None:
        # Not JSON: an HTML page from a proxy in front of the Bot API.
        if status >= 500 or status == 429:
            return Retryable(f"{method}: HTTP {status}", http_status=status)
        if status == 401:
            return CredentialsBroken(f"{method}: unauthorized", http_status=status)
        return Permanent(f"{method}: HTTP {status} without a Bot API answer", http_status=status)
    code = body.get("error_code", status)
    description = str(body.get("description") or f"HTTP {status}")
    parameters = body.get("parameters") or {}
    kwargs: dict[str, Any] = {"code": code, "http_status": status}
    if isinstance(parameters, dict):
        if parameters.get("retry_after") is not None:
            return RetryAfter(float(parameters["retry_after"]), description, **kwargs)
        if parameters.get("migrate_to_chat_id") is not None:
            return ChatMigrated(str(parameters["migrate_to_chat_id"]), description, **kwargs)
    if code == 429 or status == 429:
        return Retryable(description, backoff=1.0, **kwargs)
    if code == 401 or status == 401:
        return CredentialsBroken(description, **kwargs)
    if code == 403 or status == 403:
        # "bot was blocked by the user", "user is deactivated", "bot was kicked…".
        return Permanent(description, contact_unreachable=True, **kwargs)
    if status >= 500 or (isinstance(code, int) and code >= 500):
        return Retryable(description, **kwargs)
    return Permanent(description, **kwargs)
