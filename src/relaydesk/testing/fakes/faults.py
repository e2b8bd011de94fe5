"""Faults a test asks a fake to inject: once, or for the next N matching calls or deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Faults that change how a provider API call is answered.
CALL_FAULTS = frozenset({"rate_limit", "server_error", "stall", "error"})
# Faults that change how a webhook is delivered (each fake accepts a subset).
DELIVERY_FAULTS = frozenset({"duplicate_delivery", "bad_signature", "missing_signature"})


class FaultError(ValueError):
    """A fault description the fake cannot apply."""


@dataclass
class Fault:
    kind: str
    times: int = 1
    # Only calls of this method (Telegram method name, WhatsApp endpoint kind) are affected.
    method: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "times": self.times, "method": self.method, **self.options}


class FaultBook:
    """Pending faults in the order they were added; each use spends one of `times`."""

    def __init__(self, allowed: frozenset[str]) -> None:
        self._allowed = allowed
        self._faults: list[Fault] = []

    def add(self, spec: dict[str, Any]) -> Fault:
        spec = dict(spec)
        kind = str(spec.pop("kind", ""))
        if kind not in self._allowed:
            raise FaultError(f"unknown fault kind {kind!r}; known: {sorted(self._allowed)}")
        times = spec.pop("times", 1)
        if not isinstance(times, int) or times < 1:
            raise FaultError("times must be a positive integer")
        method = spec.pop("method", None)
        fault = Fault(kind, times, None if method is None else str(method).lower(), spec)
        self._faults.append(fault)
        return fault

    def take(self, kinds: frozenset[str], method: str | None = None) -> Fault | None:
        """The first pending fault of one of `kinds` that applies to `method`, spending one use."""
        for fault in self._faults:
            if fault.kind not in kinds:
                continue
            if fault.method is not None and fault.method != (method or "").lower():
                continue
            fault.times -= 1
            if fault.times == 0:
                self._faults.remove(fault)
            return fault
        return None

    def clear(self) -> None:
        self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        return [f.describe() for f in self._faults]


def html_error_page(status: int, reason: str) -> str:
    """The page a reverse proxy in front of a provider answers with when the backend fails."""
    title = f"{status} {reason}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
