from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from busway.model import Delivery, IngestRecord
from busway.store import Store
from tests.contract.support import record, run

R1 = "arn:aws:events:us-east-1:123456789012:rule/r1"
R2 = "arn:aws:events:us-east-1:123456789012:rule/r2"


def test_an_appended_event_round_trips_exactly(store: Store) -> None:
    base = record("e1", (R2, "t1"), (R1, "t2"), (R1, "t1"))
    event = replace(
        base.event,
        body=b'{"n":123456789012345678901234567890,"x":1.50,"s":"\xc3\xa9"}\n',
        resources=("arn:aws:s3:::a", "arn:aws:s3:::b"),
        trace_header="Root=1-5759e988-bd862e3fe1be46a994272793",
    )

    async def body() -> None:
        await store.append_events([replace(base, event=event)])
        found = await store.get_event("e1")
        assert found == event
        assert found is not None
        assert found.body == event.body
        assert found.time.utcoffset() == timedelta(0)
        assert found.ingested_at.microsecond == event.ingested_at.microsecond
        assert await store.get_event("missing") is None
        assert await store.list_deliveries("e1") == sorted(
            base.deliveries, key=lambda d: (d.rule_arn, d.target_id)
        )
        assert await store.list_deliveries("missing") == []

    run(store, body)


def test_datetimes_come_back_in_utc_and_naive_ones_are_refused(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    base = record("e1", (R1, "t1"))
    local = datetime(2024, 5, 6, 9, 8, 9, 654321, tzinfo=plus_two)
    event = replace(base.event, time=local)
    delivery = replace(base.deliveries[0], due_at=local)

    async def body() -> None:
        await store.append_events([IngestRecord(event, (delivery,))])
        found = await store.get_event("e1")
        assert found is not None
        assert found.time == local
        assert found.time.utcoffset() == timedelta(0)
        [due] = await store.list_deliveries("e1")
        assert due.due_at == local
        assert due.due_at.utcoffset() == timedelta(0)
        naive = replace(record("e2").event, time=datetime(2024, 1, 1))
        with pytest.raises(ValueError, match="timezone"):
            await store.append_events([IngestRecord(naive)])
        assert await store.count_events() == 1

    run(store, body)


def test_one_call_is_stored_whole_or_not_at_all(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("e1", (R1, "t1"))])
        with pytest.raises(ValueError, match="already stored"):
            await store.append_events([record("e2", (R1, "t1")), record("e1", (R2, "t1"))])
        assert await store.get_event("e2") is None
        assert await store.list_deliveries("e2") == []
        assert await store.list_deliveries("e1") == [*record("e1", (R1, "t1")).deliveries]
        with pytest.raises(ValueError, match="twice"):
            await store.append_events([record("e3", (R1, "t1"), (R1, "t1"))])
        assert await store.get_event("e3") is None
        assert await store.count_events() == 1

    run(store, body)


def test_a_delivery_must_belong_to_its_records_event(store: Store) -> None:
    stray = Delivery("other", R1, "t1", record("e1").event.time)

    async def body() -> None:
        with pytest.raises(ValueError, match="delivery for event other"):
            await store.append_events([IngestRecord(record("e1").event, (stray,))])
        assert await store.count_events() == 0

    run(store, body)


def test_concurrent_appends_all_land_and_a_failing_one_fails_alone(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("dup")])
        calls = [[record(f"e{i}-{j}", (R1, "t")) for j in range(3)] for i in range(50)]
        calls.insert(25, [record("fresh"), record("dup")])
        results = await asyncio.gather(
            *(store.append_events(call) for call in calls), return_exceptions=True
        )
        failures = [r for r in results if r is not None]
        assert len(failures) == 1
        assert isinstance(failures[0], ValueError)
        assert results[25] is failures[0]
        assert await store.get_event("fresh") is None
        assert await store.count_events() == 1 + 50 * 3
        assert len(await store.list_deliveries("e49-2")) == 1

    run(store, body)


def test_appending_nothing_is_a_no_op(store: Store) -> None:
    async def body() -> None:
        await store.append_events([])
        assert await store.count_events() == 0

    run(store, body)


def test_each_event_of_one_call_keeps_its_own_times(store: Store) -> None:
    # One call's events usually share their datetimes; here they alternate and differ, so a
    # time converted for one event must never be reused for another.
    early = record("x").event.time
    late = early + timedelta(hours=1, microseconds=7)
    records = []
    for n, (time, ingested, due) in enumerate(
        [(early, late, early), (late, early, late), (early, early, late), (late, late, early)]
    ):
        base = record(f"e{n}", (R1, "t1"))
        event = replace(base.event, time=time, ingested_at=ingested)
        records.append(IngestRecord(event, (replace(base.deliveries[0], due_at=due),)))

    async def body() -> None:
        await store.append_events(records)
        for stored in records:
            assert await store.get_event(stored.event.id) == stored.event
            assert await store.list_deliveries(stored.event.id) == [*stored.deliveries]

    run(store, body)
