"""The choice a retention sweep makes for one batch of events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from busway.store.pruning import choose_expired

CUT = datetime(2024, 5, 6, tzinfo=UTC)
OLD = CUT - timedelta(seconds=1)
YOUNG = CUT


def test_old_events_with_nothing_pending_go_and_the_sweep_goes_on() -> None:
    rows = [(1, OLD, False), (2, OLD, True), (3, OLD, False), (4, YOUNG, False)]
    assert choose_expired(rows, CUT, newest=9) == ([1, 3], 4)


def test_a_batch_with_nothing_before_the_cut_ends_the_sweep() -> None:
    assert choose_expired([(5, YOUNG, False), (6, YOUNG, True)], CUT, newest=9) == ([], None)
    assert choose_expired([], CUT, newest=None) == ([], None)


def test_a_young_event_among_old_ones_does_not_end_the_sweep() -> None:
    # A redriven event keeps its seq but its ingested_at restarts: the walk goes past it.
    rows = [(1, YOUNG, False), (2, OLD, False)]
    assert choose_expired(rows, CUT, newest=9) == ([2], 2)


def test_the_newest_event_of_the_store_stays_however_old() -> None:
    rows = [(7, OLD, False), (8, OLD, False)]
    assert choose_expired(rows, CUT, newest=8) == ([7], 8)


def test_an_event_ingested_exactly_at_the_cut_stays() -> None:
    assert choose_expired([(1, CUT, False)], CUT, newest=9) == ([], None)
