"""This process's executor id: unique among the processes sharing a database and stable
across its restarts, so a restarted process can take back the work it held when it died."""

from __future__ import annotations

import hashlib
import socket
import uuid

from relaydesk.settings import Settings


def executor_id(settings: Settings) -> str:
    """`RELAYDESK_EXECUTOR_ID`, else `<hostname>:<port>` (one server per port per host)."""
    return settings.executor_id or f"{socket.gethostname()}:{settings.port}"


def claim_prefix(executor: str) -> str:
    """A short, fixed-length name of an executor for claim ids (which hold 64 characters)."""
    return hashlib.sha256(executor.encode()).hexdigest()[:24]


def new_claim_id(executor: str) -> str:
    """Claims of one run of a process: `<prefix>:<run>`. A restarted process releases every
    claim with its prefix: the run that took them is gone."""
    return f"{claim_prefix(executor)}:{uuid.uuid4().hex[:16]}"
