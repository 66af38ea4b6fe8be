"""Reading PutEvents entries and cutting them into requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from busway.cli.entries import (
    MAX_BATCH_BYTES,
    EntryError,
    batch_entries,
    entry_size,
    parse_entry,
)


def test_a_detail_object_is_sent_as_json_text() -> None:
    entry = parse_entry('{"Source": "shop", "DetailType": "T", "Detail": {"n": 1, "s": "é"}}')
    assert entry == {"Source": "shop", "DetailType": "T", "Detail": '{"n":1,"s":"é"}'}


def test_detail_text_is_kept_as_given() -> None:
    entry = parse_entry('{"Source": "s", "DetailType": "T", "Detail": "{ \\"a\\": 1 }"}')
    assert entry["Detail"] == '{ "a": 1 }'


def test_the_default_bus_fills_in_only_a_missing_name() -> None:
    assert parse_entry('{"Source": "s"}', default_bus="orders")["EventBusName"] == "orders"
    named = parse_entry('{"Source": "s", "EventBusName": "b"}', default_bus="orders")
    assert named["EventBusName"] == "b"
    assert "EventBusName" not in parse_entry('{"Source": "s"}')


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1767225600, datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01", datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_time_is_epoch_seconds_or_iso(value: object, expected: datetime) -> None:
    assert parse_entry(json.dumps({"Time": value}))["Time"] == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not JSON"),
        (b'{"Source": "\xff"}', "not JSON: 'utf-8' codec can't decode"),
        ("[1]", "must be a JSON object"),
        ('{"Sourse": "x"}', "unknown member 'Sourse'"),
        ('{"Source": 1}', "Source must be a string"),
        ('{"Resources": "arn"}', "Resources must be a list of strings"),
        ('{"Resources": [1]}', "Resources must be a list of strings"),
        ('{"Time": "soon"}', "is not an ISO-8601 time"),
        ('{"Time": true}', "Time must be epoch seconds"),
        ('{"Time": 1e300}', "out of range"),
    ],
)
def test_entries_boto3_would_refuse_are_refused_alone(text: str | bytes, reason: str) -> None:
    with pytest.raises(EntryError, match=reason):
        parse_entry(text)


def test_entry_size_counts_what_aws_counts() -> None:
    entry = {
        "Source": "ab",
        "DetailType": "c",
        "Detail": '{"é":1}',  # é is two bytes
        "Resources": ["r1", "r22"],
        "EventBusName": "not counted",
        "Time": datetime(2026, 1, 1, tzinfo=UTC),
    }
    assert entry_size(entry) == 14 + 2 + 1 + 8 + 2 + 3


def test_batches_hold_at_most_ten_entries_in_order() -> None:
    batches = list(batch_entries(range(23), lambda _: 1))
    assert [len(batch) for batch in batches] == [10, 10, 3]
    assert [item for batch in batches for item in batch] == list(range(23))


def test_batches_stay_within_the_byte_limit() -> None:
    sizes = [400, 400, 300, 1, 1000, 999]
    batches = list(batch_entries(sizes, lambda size: size, max_bytes=1000))
    assert batches == [[400, 400], [300, 1], [1000], [999]]
    assert all(sum(batch) <= 1000 for batch in batches)


def test_an_entry_over_the_limit_goes_alone_for_the_server_to_refuse() -> None:
    big = MAX_BATCH_BYTES + 1
    assert list(batch_entries([1, big, 1], lambda size: size)) == [[1], [big], [1]]


def test_no_entries_make_no_batches() -> None:
    assert list(batch_entries([], lambda _: 1)) == []
