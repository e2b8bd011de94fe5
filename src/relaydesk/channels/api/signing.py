"""Signatures of outbound posts: HMAC-SHA256 over the raw body with a per-channel secret.

The channel's signing secret is derived from the server's secret key and the channel id, so
nothing more is stored and an admin can read it again at any time
(`GET …/channels/{id}/signing-secret`). Changing RELAYDESK_SECRET_KEY changes every
channel's signing secret.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

SIGNATURE_HEADER = "X-RelayDesk-Signature"
_PREFIX = "rds_"
_PURPOSE = b"relaydesk.api-channel.signing.v1:"


def signing_secret(server_key: str, channel_id: uuid.UUID) -> str:
    digest = hmac.new(server_key.encode(), _PURPOSE + channel_id.bytes, hashlib.sha256)
    return _PREFIX + digest.hexdigest()


def sign(secret: str, body: bytes) -> str:
    """The header value: `sha256=<hex HMAC-SHA256 of body, keyed with the secret's UTF-8>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
