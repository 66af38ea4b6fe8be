"""log_batches.screen: AWS's rules for the timestamps of one PutLogEvents call."""

from __future__ import annotations

import pytest

from busway.service.log_batches import Screened, UnorderedBatch, WideBatch, screen

HOUR = 3_600_000
DAY = 24 * HOUR
NOW = 100 * DAY


def test_a_batch_within_the_rules_is_kept_whole() -> None:
    assert screen([NOW - HOUR, NOW, NOW], NOW, None) == Screened(0, 3)
    assert screen([], NOW, None) == Screened(0, 0)


def test_order_and_span_refuse_the_whole_batch() -> None:
    with pytest.raises(UnorderedBatch):
        screen([NOW, NOW - 1], NOW, None)
    with pytest.raises(WideBatch):
        screen([NOW - DAY - 1, NOW], NOW, None)


def test_rejected_runs_at_either_end() -> None:
    old, new = NOW - 14 * DAY - 1, NOW + 2 * HOUR + 1
    assert screen([old, old, old + HOUR], NOW, None) == Screened(2, 3, too_old_end=1)
    assert screen([NOW, new, new], NOW, None) == Screened(0, 1, too_new_start=1)
    assert screen([NOW - 14 * DAY, NOW - 13 * DAY], NOW, None) == Screened(0, 2)  # the bounds
    assert screen([NOW, NOW + 2 * HOUR], NOW, None) == Screened(0, 2)


def test_the_retention_expires_events_too() -> None:
    assert screen([NOW - DAY - 1, NOW - DAY], NOW, 1) == Screened(1, 2, expired_end=0)
    assert screen([NOW - 2 * DAY, NOW - 2 * DAY], NOW, 1) == Screened(2, 2, expired_end=1)


def test_everything_too_new_keeps_nothing() -> None:
    assert screen([NOW + 3 * HOUR], NOW, None) == Screened(0, 0, too_new_start=0)
