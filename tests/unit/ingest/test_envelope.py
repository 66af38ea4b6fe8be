"""The stored event: envelope bytes as targets receive them, time, numbers, bus choice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from busway.model import Event, Scope
from busway.service.ingest import EntryResult, time_text

from .harness import NOW, NOW_TEXT, SCOPE, Harness, entry, event_id


def stored(harness: Harness, n: int = 1) -> Event:
    event = harness.event(event_id(n))
    assert event is not None
    return event


def test_envelope_bytes_are_compact_and_in_aws_key_order() -> None:
    harness = Harness()
    harness.put(entry(detail='{ "b": [1, 2], "a": {"c": null} }', resources=("arn:x", "arn:y")))
    assert stored(harness).body == (
        b'{"version":"0","id":"00000000-0000-4000-8000-000000000001",'
        b'"detail-type":"Order Placed","source":"my.app","account":"123456789012",'
        b'"time":"2024-01-02T03:04:05Z","region":"us-east-1","resources":["arn:x","arn:y"],'
        b'"detail":{"b":[1,2],"a":{"c":null}}}'
    )


def test_event_record_fields() -> None:
    harness = Harness()
    harness.put(entry(resources=("arn:r",), trace_header="Root=1-abc"))
    assert stored(harness) == Event(
        id=event_id(1),
        scope=SCOPE,
        bus_name="default",
        source="my.app",
        detail_type="Order Placed",
        time=NOW,
        ingested_at=NOW,
        body=stored(harness).body,
        resources=("arn:r",),
        trace_header="Root=1-abc",
    )


def test_resources_default_to_an_empty_list() -> None:
    harness = Harness()
    harness.put(entry())
    assert json.loads(stored(harness).body)["resources"] == []


def test_the_region_and_account_come_from_the_scope() -> None:
    harness = Harness()
    harness.put(entry(), scope=Scope("210987654321", "eu-west-1"))
    envelope = json.loads(stored(harness).body)
    assert (envelope["account"], envelope["region"]) == ("210987654321", "eu-west-1")


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "9223372036854775807",
        "-9223372036854775808",
        "123456789012345678901234567890",
        "3.141592653589793238462643383279502884197",
        "0.1000000000000000000000000000001",
        "-0.0",
        "1.50",
        "12345678901234567890.123456789",
    ],
)
def test_numbers_in_detail_are_stored_digit_for_digit(number: str) -> None:
    harness = Harness()
    harness.put(entry(detail=f'{{"n": {number}, "list": [{number}]}}'))
    assert stored(harness).body.endswith(f'"detail":{{"n":{number},"list":[{number}]}}}}'.encode())


def test_strings_in_detail_keep_their_characters() -> None:
    harness = Harness()
    harness.put(entry(detail='{"s": "caf\\u00e9 \\"q\\" \\n 🙂"}'))
    assert json.loads(stored(harness).body)["detail"] == {"s": 'café "q" \n 🙂'}


# --- time -----------------------------------------------------------------------------------


def test_time_defaults_to_now_in_whole_seconds() -> None:
    harness = Harness()
    harness.put(entry())
    event = stored(harness)
    assert json.loads(event.body)["time"] == NOW_TEXT
    assert event.time == NOW


def test_given_time_is_used_with_microseconds_truncated() -> None:
    harness = Harness()
    given = datetime(2022, 1, 1, 0, 0, 0, 999999, tzinfo=UTC)
    harness.put(entry(time=given))
    event = stored(harness)
    assert json.loads(event.body)["time"] == "2022-01-01T00:00:00Z"
    assert event.time == given
    assert event.ingested_at == NOW


def test_given_time_in_another_zone_is_written_in_utc() -> None:
    harness = Harness()
    plus_two = datetime(2022, 1, 1, 4, 30, tzinfo=timezone(timedelta(hours=2)))
    harness.put(entry(time=plus_two))
    assert json.loads(stored(harness).body)["time"] == "2022-01-01T02:30:00Z"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC), "1969-12-31T23:59:59Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "9999-12-31T23:59:59Z"),
    ],
)
def test_time_text_at_the_edges(moment: datetime, text: str) -> None:
    assert time_text(moment) == text


def test_each_request_reads_the_clock_once_and_sees_it_move() -> None:
    harness = Harness()
    harness.put(entry(), entry())
    harness.clock.advance(timedelta(seconds=61))
    harness.put(entry())
    times = [json.loads(stored(harness, n).body)["time"] for n in (1, 2, 3)]
    assert times == [NOW_TEXT, NOW_TEXT, "2024-01-02T03:05:06Z"]


# --- buses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bus", [None, "default", "arn:aws:events:us-east-1:123456789012:event-bus/default"]
)
def test_default_bus_by_omission_name_or_arn(bus: str | None) -> None:
    harness = Harness()
    harness.put(entry(event_bus=bus))
    assert stored(harness).bus_name == "default"


@pytest.mark.parametrize(
    "bus", ["orders", "arn:aws:events:us-east-1:123456789012:event-bus/orders"]
)
def test_custom_bus_by_name_or_arn(bus: str) -> None:
    harness = Harness()
    harness.routing.add_bus(SCOPE, "orders")
    harness.put(entry(event_bus=bus))
    assert stored(harness).bus_name == "orders"


def test_unknown_bus_gets_an_event_id_but_nothing_is_stored() -> None:
    harness = Harness()
    results = harness.put(entry(event_bus="nowhere"), entry())
    assert results == [EntryResult(event_id=event_id(1)), EntryResult(event_id=event_id(2))]
    assert harness.event(event_id(1)) is None
    assert harness.count() == 1


def test_buses_are_per_scope() -> None:
    harness = Harness()
    harness.routing.add_bus(SCOPE, "orders")
    harness.put(entry(event_bus="orders"), scope=Scope(SCOPE.account, "eu-west-1"))
    assert harness.count() == 0
