"""The storage interface: opaque keys to bytes. Backends must make `put` atomic."""

from __future__ import annotations

from typing import Protocol


class StorageKeyError(KeyError):
    """No object is stored under this key."""


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`; storing the same key again keeps one copy."""

    async def get(self, key: str) -> bytes:
        """The bytes under `key`; raise StorageKeyError when there are none."""

    async def delete(self, key: str) -> None:
        """Remove `key`; a missing key is not an error."""
