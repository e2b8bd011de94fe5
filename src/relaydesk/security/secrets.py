"""Opaque, prefixed secrets (API keys, refresh tokens, invitation tokens).

They carry 256 bits of randomness, so a fast SHA-256 digest is a safe way to store them;
only the digest is kept, and lookups compare digests.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class IssuedSecret:
    plaintext: str
    prefix: str
    digest: str


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def issue(kind: str) -> IssuedSecret:
    """`kind` is a short tag such as 'rdk' (API key); the first 8 random chars identify it."""
    body = secrets.token_urlsafe(32)
    plaintext = f"{kind}_{body}"
    return IssuedSecret(plaintext=plaintext, prefix=f"{kind}_{body[:8]}", digest=digest(plaintext))
