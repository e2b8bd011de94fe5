"""Where attachment bytes live: a small interface and its backends (local disk first)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from relaydesk.storage.base import Storage
from relaydesk.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage", "storage_for"]


@cache
def storage_for(data_dir: Path) -> Storage:
    """The storage of one data directory (one instance per process)."""
    return LocalStorage(data_dir / "attachments")
