"""How many due runs the runner takes per transaction.

A transaction holds the writer (SQLite's only one) for as long as its runs take, and each
has a fixed cost (the picking queries, the commit, and the outbox readers it wakes). So a
batch takes as many runs as fit in `automation_batch_seconds` at the per-run cost of the
last batch, up to `automation_batch_size`: cheap runs go in few large transactions, costly
ones (replies, conditions reading more) in smaller ones that keep other writers waiting
briefly.
"""

from __future__ import annotations

from dataclasses import dataclass

_FIRST = 100
_FLOOR = 10


@dataclass
class BatchSizer:
    most: int
    seconds: float
    size: int = 0

    def __post_init__(self) -> None:
        self.size = min(self.most, _FIRST)

    def record(self, taken: int, seconds: float) -> None:
        """A batch of `size` took `taken` runs in `seconds`: the next batch's size. It grows
        (at most twofold) only after a full batch, the one that tells what a larger costs."""
        if taken <= 0 or seconds <= 0:
            return
        fit = int(self.seconds * taken / seconds)
        grown = min(fit, 2 * self.size) if taken >= self.size else min(fit, self.size)
        self.size = max(min(grown, self.most), min(_FLOOR, self.most))
