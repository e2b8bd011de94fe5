"""The runner's batch size: as many runs as fit in the time a batch may hold the writer."""

from __future__ import annotations

from relaydesk.domains.automation.engine.batching import BatchSizer


def test_full_batches_grow_at_most_twofold_up_to_the_most() -> None:
    sizer = BatchSizer(most=500, seconds=0.1)
    assert sizer.size == 100
    sizer.record(100, 0.01)  # 0.1 ms a run: 1,000 would fit
    assert sizer.size == 200
    sizer.record(200, 0.02)
    sizer.record(400, 0.04)
    assert sizer.size == 500


def test_costly_runs_make_batches_smaller_but_never_empty() -> None:
    sizer = BatchSizer(most=500, seconds=0.1)
    sizer.record(100, 0.4)  # 4 ms a run: 25 fit
    assert sizer.size == 25
    sizer.record(25, 10.0)
    assert sizer.size == 10
    # A batch that was not full says nothing about a larger one: no growth.
    sizer.record(3, 0.0001)
    assert sizer.size == 10


def test_nothing_taken_changes_nothing_and_a_small_most_is_kept() -> None:
    sizer = BatchSizer(most=5, seconds=0.1)
    assert sizer.size == 5
    sizer.record(0, 0.5)
    assert sizer.size == 5
    sizer.record(5, 5.0)
    assert sizer.size == 5
