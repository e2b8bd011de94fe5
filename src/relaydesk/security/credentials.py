"""Channel credentials sealed at rest with AES-256-GCM (docs/channels.md, "Credentials").

A sealed value is `v1.<kid>.<urlsafe base64 of nonce ‖ ciphertext>`; the key id picks the key
that opens it, and the channel id is bound in as associated data so a sealed value copied onto
another channel does not open. Keys come from `RELAYDESK_CREDENTIALS_KEYS` (`kid:key,…`, the
first seals); without it one key is derived from the secret key with HKDF. Rotation: put a new
key first, keep the old ones, run `relaydesk channels reseal`, then drop the old keys.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from relaydesk.settings import ConfigError, Settings

_VERSION = "v1"
_NONCE_BYTES = 12
DERIVED_KEY_ID = "s0"


class CredentialsError(Exception):
    """A sealed value that no configured key opens (wrong key, tampering, unknown key id)."""


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def parse_keys(raw: str) -> dict[str, bytes]:
    """`kid:key,kid:key` → an ordered key ring; a clear ConfigError for anything else."""
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        kid, sep, encoded = part.partition(":")
        if not sep or not kid.isalnum() or len(kid) > 16:
            raise ConfigError(
                "RELAYDESK_CREDENTIALS_KEYS: each entry is kid:key with a short alphanumeric kid"
            )
        try:
            key = _b64decode(encoded)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ConfigError(
                f"RELAYDESK_CREDENTIALS_KEYS: key {kid!r} must be 32 bytes in urlsafe base64; "
                "generate one with: relaydesk channels new-key"
            )
        if kid in keys:
            raise ConfigError(f"RELAYDESK_CREDENTIALS_KEYS: key id {kid!r} is listed twice")
        keys[kid] = key
    return keys


def derive_key(secret_key: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"relaydesk channel credentials"
    ).derive(secret_key.encode())


def new_key() -> str:
    """A fresh key in the form `RELAYDESK_CREDENTIALS_KEYS` takes."""
    return _b64encode(AESGCM.generate_key(bit_length=256))


class Sealer:
    """Seals and opens channel credentials with an ordered key ring."""

    def __init__(self, keys: Mapping[str, bytes]) -> None:
        if not keys:
            raise ValueError("a sealer needs at least one key")
        self._keys = dict(keys)
        self.current_kid = next(iter(self._keys))

    @classmethod
    def from_settings(cls, settings: Settings) -> Sealer:
        keys = parse_keys(settings.credentials_keys)
        if DERIVED_KEY_ID not in keys:
            # The derived key always opens what was sealed before keys were configured.
            keys[DERIVED_KEY_ID] = derive_key(settings.secret_key)
        return cls(keys)

    def seal(self, channel_id: uuid.UUID, values: Mapping[str, Any]) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        plaintext = json.dumps(dict(values), separators=(",", ":")).encode()
        sealed = AESGCM(self._keys[self.current_kid]).encrypt(nonce, plaintext, channel_id.bytes)
        return f"{_VERSION}.{self.current_kid}.{_b64encode(nonce + sealed)}"

    def open(self, channel_id: uuid.UUID, sealed: str) -> dict[str, Any]:
        version, _, rest = sealed.partition(".")
        kid, _, body = rest.partition(".")
        if version != _VERSION or kid not in self._keys:
            raise CredentialsError(f"no configured key opens credentials sealed with {kid!r}")
        try:
            data = _b64decode(body)
            plaintext = AESGCM(self._keys[kid]).decrypt(
                data[:_NONCE_BYTES], data[_NONCE_BYTES:], channel_id.bytes
            )
        except (ValueError, InvalidTag):
            raise CredentialsError("the sealed credentials do not open with their key") from None
        values: dict[str, Any] = json.loads(plaintext)
        return values

    def needs_reseal(self, sealed: str) -> bool:
        return sealed.split(".", 2)[1:2] != [self.current_kid]


def mask(secret: str) -> str:
    """What the API shows of a secret: its last four characters at most."""
    if len(secret) <= 8:
        return "••••"
    return "••••" + secret[-4:]
