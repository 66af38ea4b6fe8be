"""What PutLogEvents takes of a batch: AWS's rules for the timestamps of one call.

A batch must be in chronological order and span at most 24 hours, or the whole call fails.
Within a valid batch, events more than 2 hours in the future, more than 14 days in the past, or
older than the group's retention are rejected while the rest are stored; the answer says which
by index (``rejectedLogEventsInfo``). Sorted timestamps make each rejected set a run at one end
of the batch, so what is stored is one slice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["Screened", "UnorderedBatch", "WideBatch", "screen"]

_HOUR_MS = 3_600_000
_DAY_MS = 24 * _HOUR_MS
_MAX_SPAN_MS = _DAY_MS
_MAX_AHEAD_MS = 2 * _HOUR_MS
_MAX_AGE_MS = 14 * _DAY_MS


class UnorderedBatch(ValueError):
    """The timestamps go back somewhere in the batch."""


class WideBatch(ValueError):
    """The batch spans more than 24 hours."""


@dataclass(frozen=True, slots=True)
class Screened:
    """The slice of the batch to store, and AWS's indexes of what was rejected (None: none)."""

    start: int
    stop: int
    too_new_start: int | None = None
    too_old_end: int | None = None
    expired_end: int | None = None


def screen(timestamps: Sequence[int], now: int, retention_days: int | None) -> Screened:
    """Raises ``UnorderedBatch`` or ``WideBatch`` for a batch the call refuses as a whole."""
    if any(later < earlier for earlier, later in pairwise(timestamps)):
        raise UnorderedBatch
    if timestamps and timestamps[-1] - timestamps[0] > _MAX_SPAN_MS:
        raise WideBatch
    too_old_end = _last_before(timestamps, now - _MAX_AGE_MS)
    expired_end = (
        None if retention_days is None else _last_before(timestamps, now - retention_days * _DAY_MS)
    )
    too_new_start = next(
        (index for index, at in enumerate(timestamps) if at > now + _MAX_AHEAD_MS), None
    )
    start = 1 + max(-1 if end is None else end for end in (too_old_end, expired_end))
    stop = len(timestamps) if too_new_start is None else too_new_start
    return Screened(start, max(start, stop), too_new_start, too_old_end, expired_end)


def _last_before(timestamps: Sequence[int], cut: int) -> int | None:
    last = None
    for index, at in enumerate(timestamps):
        if at >= cut:
            break
        last = index
    return last
