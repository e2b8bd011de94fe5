"""What a fake saw and did: API calls answered and webhook delivery attempts, for tests to read."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


@dataclass
class Journal:
    calls: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def call(self, method: str, status: int, *, fault: str | None = None, **extra: Any) -> None:
        self.calls.append(
            {"at": time.time(), "method": method, "status": status, "fault": fault, **extra}
        )

    def delivery(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        attempt: int,
        status: int | None,
        error: str | None,
        label: str,
    ) -> None:
        self.deliveries.append(
            {
                "at": time.time(),
                "url": url,
                "label": label,
                "attempt": attempt,
                "status": status,
                "error": error,
                "headers": headers,
                "body": _decode(body),
            }
        )

    def clear(self) -> None:
        self.calls.clear()
        self.deliveries.clear()
