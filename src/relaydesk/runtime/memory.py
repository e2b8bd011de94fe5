"""The cyclic garbage collector and the objects that live as long as the process."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Move everything alive now (modules, the app, its routes and schemas: about 100,000
    objects) out of the collector's reach, so that full collections walk only what was
    allocated since. They live as long as the process anyway. Without this, 10,000 runs
    resuming together spent about a quarter of their time in full collections
    (docs/benchmarks.md, "automation", 2026-12-07)."""
    gc.collect()
    gc.freeze()
