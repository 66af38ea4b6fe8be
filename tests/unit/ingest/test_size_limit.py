"""Request-wide limits (size, spec 2.4; entry count), checked before anything is stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from busway.config import Settings
from busway.errors import ValidationError
from busway.service.ingest import EntryInput, entries_size

from .harness import SCOPE, Harness, entry

LIMIT = 1000
TOO_LARGE = "Total size of the entries in the request is over the limit."


def sized(total: int) -> EntryInput:
    """One valid entry of exactly ``total`` bytes as AWS counts them."""
    fixed = entries_size([entry(detail="{}")]) + len('"x":""')
    return entry(detail='{"x":"' + "a" * (total - fixed) + '"}')


def test_size_counts_utf8_bytes_of_source_detail_type_detail_and_resources() -> None:
    one = EntryInput(source="é", detail_type="ab", detail="{}", resources=("r1", "🙂"))
    assert entries_size([one]) == 2 + 2 + 2 + 2 + 4


def test_size_counts_14_bytes_for_an_explicit_time() -> None:
    timed = entry(time=datetime(2022, 1, 1, tzinfo=UTC))
    assert entries_size([timed]) == entries_size([entry()]) + 14


def test_size_counts_members_of_failed_entries_too() -> None:
    assert entries_size([EntryInput(detail="[]"), EntryInput(source="s")]) == 3


def test_size_sums_over_entries() -> None:
    assert entries_size([entry(), entry()]) == 2 * entries_size([entry()])


def test_exactly_at_the_limit_passes() -> None:
    harness = Harness(settings=Settings(max_put_events_bytes=LIMIT))
    assert entries_size([sized(LIMIT)]) == LIMIT
    [result] = harness.put(sized(LIMIT))
    assert not result.failed


def test_one_byte_over_the_limit_fails_the_request_and_stores_nothing() -> None:
    harness = Harness(settings=Settings(max_put_events_bytes=LIMIT))
    half = sized(LIMIT // 2)
    with pytest.raises(ValidationError, match=f"^{TOO_LARGE}$") as caught:
        harness.put(half, sized(LIMIT // 2 + 1))
    assert caught.value.code == "ValidationException"
    assert harness.count() == 0


def test_default_limit_is_one_mebibyte() -> None:
    harness = Harness()
    [result] = harness.put(sized(1024 * 1024))
    assert not result.failed
    with pytest.raises(ValidationError):
        harness.put(sized(1024 * 1024 + 1))


def test_more_than_ten_entries_are_refused_before_anything_is_stored() -> None:
    harness = Harness()
    with pytest.raises(ValidationError):
        asyncio.run(harness.service.put_events(SCOPE, [entry()] * 11))
    assert harness.count() == 0


def test_ten_entries_are_accepted() -> None:
    harness = Harness()
    assert len(harness.put(*[entry()] * 10)) == 10
    assert harness.count() == 10
