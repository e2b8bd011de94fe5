"""Attachments on local disk under `<data dir>/attachments`, content-addressed by sha256.

Keys are sha256 hex digests, checked before they touch a path, so no key can name a file
outside the root. Files are fanned out as `ab/cd/abcd…` and written atomically (a temporary
file, then a rename), so readers never see a half-written file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import anyio.to_thread

from relaydesk.storage.base import StorageKeyError

_KEY = re.compile(r"^[0-9a-f]{64}$")


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError("storage keys are sha256 hex digests")
        return self.root / key[:2] / key[2:4] / key

    async def put(self, key: str, data: bytes) -> None:
        await anyio.to_thread.run_sync(self._put, self.path_of(key), data)

    async def get(self, key: str) -> bytes:
        path = self.path_of(key)
        try:
            return await anyio.to_thread.run_sync(path.read_bytes)
        except FileNotFoundError:
            raise StorageKeyError(key) from None

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(self._delete, self.path_of(key))

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        if path.exists():
            return  # same key, same content
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(staging).replace(path)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise

    @staticmethod
    def _delete(path: Path) -> None:
        path.unlink(missing_ok=True)
