"""``busway.collector``: the thresholds a busway process runs with."""

from __future__ import annotations

import gc

from busway import collector


def test_tune_sets_rare_young_passes() -> None:
    before = gc.get_threshold()
    try:
        collector.tune()
        assert gc.get_threshold() == collector.THRESHOLDS
        assert collector.THRESHOLDS[0] >= 100_000
    finally:
        gc.set_threshold(*before)
