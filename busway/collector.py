"""The garbage collector's thresholds for a busway process (``busway serve``).

Requests make many short-lived objects, nearly all freed by reference counting: what the
collector finds in the youngest generation is the work in flight (under load, the events of a
hundred requests awaiting their commit, some 20,000 objects), which it walks in vain every
time, and each pass that reaches the oldest generation walks every rule index as well (a
10,000-rule bus holds some 200,000 objects). At the interpreter's default threshold (700) the
collector ran some 40 times a second under load, at 10,000 still 5 to 7 times, each pass
10-20 ms: a tenth of the loop's time at 1,000 rules. At 100,000 it runs every few seconds at
most; cyclic garbage waits longer, a few MB at worst.
"""

from __future__ import annotations

import gc

__all__ = ["THRESHOLDS", "tune"]

THRESHOLDS = (100_000, 20, 20)


def tune() -> None:
    """Set the thresholds (process-wide: call it where the process starts)."""
    gc.set_threshold(*THRESHOLDS)
