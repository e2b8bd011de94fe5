"""The API channel's sender: each outbound message is POSTed to the channel's `outbound_url`.

A post is signed (see signing.py) and carries the message id as `Idempotency-Key` (the
same on every attempt), so a receiver can drop a repeat after a crash between its 2xx and
our commit. 5xx, 429 and network errors are retried by the outbound pipeline with backoff
(`Retry-After` honoured); any other answer fails the message and keeps the reason.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from relaydesk.channels.api.signing import SIGNATURE_HEADER, sign, signing_secret
from relaydesk.channels.errors import Permanent, Retryable, RetryAfter
from relaydesk.channels.outbound.retry import retry_after_seconds
from relaydesk.channels.outbound.senders import Delivered
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.outbound import Outgoing

_ERROR_BODY_CHARS = 500


class _Reasoned:
    """Errors that carry the exact `error` the message keeps (the API channel's own shape)."""

    reason: dict[str, Any]


class _Retry(Retryable, _Reasoned):
    def __init__(self, reason: dict[str, Any]) -> None:
        super().__init__(str(reason.get("code")), backoff=0.0)
        self.reason = reason


class _RetryAfter(RetryAfter, _Reasoned):
    def __init__(self, seconds: float, reason: dict[str, Any]) -> None:
        super().__init__(seconds, str(reason.get("code")))
        self.reason = reason


class _Failed(Permanent, _Reasoned):
    def __init__(self, reason: dict[str, Any]) -> None:
        super().__init__(str(reason.get("code")))
        self.reason = reason


def body_of(item: Outgoing, channel_id: str) -> bytes:
    message = item.message
    document = {
        "message_id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "channel_id": channel_id,
        "seq": message.seq,
        "type": message.type.value,
        "text": message.text,
        "attachments": message.payload.get("attachments", []),
        "location": message.payload if message.type.value == "location" else None,
        "template": message.payload if message.type.value == "template" else None,
        "contact": {"external_id": item.chat_key},
        "created_at": message.created_at.isoformat(),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


class ApiSender:
    def __init__(self, channel: Channel, client: httpx.AsyncClient, server_key: str) -> None:
        self._channel_id = channel.id
        self._url = channel.outbound_url
        self._secret = signing_secret(server_key, channel.id)
        self._client = client

    async def aclose(self) -> None:
        pass  # the client is the pipeline's

    async def send(self, item: Outgoing) -> Delivered:
        if not self._url:
            raise _Failed({"code": "no_outbound_url"})
        body = body_of(item, str(self._channel_id))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, body),
            "Idempotency-Key": str(item.message.id),
            "X-RelayDesk-Attempt": str(item.job.attempts + 1),
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise _Retry({"code": "timeout"}) from None
        except httpx.TransportError as exc:
            raise _Retry({"code": "network_error", "detail": type(exc).__name__}) from None
        status = response.status_code
        if 200 <= status < 300:
            return Delivered(_external_id_of(response))
        reason = {"code": "http_error", "status": status, "body": response.text[:_ERROR_BODY_CHARS]}
        if status == 429 or status >= 500:
            after = retry_after_seconds(response.headers.get("retry-after"))
            raise _Retry(reason) if after is None else _RetryAfter(after, reason)
        raise _Failed(reason)


def _external_id_of(response: httpx.Response) -> str | None:
    """A receiver may answer `{"external_id": "…"}`; status reports can then use that id."""
    try:
        data = response.json()
    except ValueError:
        return None
    value = data.get("external_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 200 else None
