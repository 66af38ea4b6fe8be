"""The activity record: recent events of a bus with their deliveries' outcomes (every store)."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from busway.model import Delivery, Event, IngestRecord
from busway.store import (
    DeliveryActivity,
    DeliveryOutcome,
    DeliveryRetry,
    DeliveryState,
    Store,
)
from busway.store.memory import MemoryStore
from busway.store.sqlite import SqliteStore
from tests.contract.support import OTHER_SCOPE, SCOPE, T0, record, run

R1 = "arn:aws:events:us-east-1:123456789012:rule/r1"
R2 = "arn:aws:events:us-east-1:123456789012:rule/r2"
LEASE = timedelta(seconds=60)


def _on_bus(rec: IngestRecord, bus_name: str) -> IngestRecord:
    event = replace(rec.event, bus_name=bus_name)
    return IngestRecord(event, rec.deliveries)


def _outcome(delivery_id: int, state: DeliveryState, attempts: int = 1) -> DeliveryOutcome:
    return DeliveryOutcome(delivery_id, SCOPE, "default", state, attempts)


def test_recent_events_are_the_latest_of_the_bus_oldest_first(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record(f"e{n}", offset_s=n) for n in range(5)])
        await store.append_events([_on_bus(record("other"), "orders")])
        page = await store.recent_events(SCOPE, "default", limit=3)
        assert [e.event.id for e in page.events] == ["e2", "e3", "e4"]
        assert page.events[0].event == await store.get_event("e2")
        assert page.events[0].seq < page.events[1].seq < page.events[2].seq
        orders = await store.recent_events(SCOPE, "orders")
        assert [e.event.id for e in orders.events] == ["other"]
        assert (await store.recent_events(OTHER_SCOPE, "default")).events == []

    run(store, body)


def test_the_cursor_gives_only_newer_events_in_order(store: Store) -> None:
    async def body() -> None:
        empty = await store.recent_events(SCOPE, "default")
        assert empty.events == []
        await store.append_events([record("e0"), record("e1"), record("e2")])
        first = await store.recent_events(SCOPE, "default", after=empty.cursor, limit=2)
        assert [e.event.id for e in first.events] == ["e0", "e1"]
        rest = await store.recent_events(SCOPE, "default", after=first.cursor, limit=2)
        assert [e.event.id for e in rest.events] == ["e2"]
        idle = await store.recent_events(SCOPE, "default", after=rest.cursor)
        assert (idle.events, idle.cursor) == ([], rest.cursor)
        await store.append_events([_on_bus(record("x"), "orders"), record("e3")])
        latest = await store.recent_events(SCOPE, "default")
        later = await store.recent_events(SCOPE, "default", after=rest.cursor)
        assert [e.event.id for e in later.events] == ["e3"]
        assert latest.cursor >= later.cursor

    run(store, body)


def test_pending_retrying_and_final_deliveries_are_shown(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("e1", (R1, "t1"), (R1, "t2"), (R2, "t1"))])
        page = await store.recent_events(SCOPE, "default")
        [event] = page.events
        assert event.deliveries == (
            DeliveryActivity(R1, "t1", DeliveryState.PENDING, 0, T0),
            DeliveryActivity(R1, "t2", DeliveryState.PENDING, 0, T0),
            DeliveryActivity(R2, "t1", DeliveryState.PENDING, 0, T0),
        )
        claimed = await store.claim_deliveries(T0, T0 + LEASE, 10)
        by_key = {(c.rule_arn, c.target_id): c for c in claimed}
        retry = by_key[(R1, "t2")]
        due = T0 + timedelta(seconds=30)
        await store.retry_deliveries(
            [DeliveryRetry(retry.id, retry.lease_until, due, 1, "THROTTLING", "slow down")]
        )
        await store.complete_deliveries(
            [
                _outcome(by_key[(R1, "t1")].id, DeliveryState.DELIVERED),
                DeliveryOutcome(
                    by_key[(R2, "t1")].id,
                    SCOPE,
                    "default",
                    DeliveryState.DEAD_LETTERED,
                    3,
                    "ERROR_FROM_TARGET",
                ),
            ]
        )
        [event] = (await store.recent_events(SCOPE, "default")).events
        assert event.deliveries == (
            DeliveryActivity(R1, "t1", DeliveryState.DELIVERED, 1),
            DeliveryActivity(R2, "t1", DeliveryState.DEAD_LETTERED, 3, None, "ERROR_FROM_TARGET"),
            DeliveryActivity(R1, "t2", DeliveryState.RETRYING, 1, due, "THROTTLING"),
        )
        [again] = await store.claim_deliveries(due, due + LEASE, 10)
        [event] = (await store.recent_events(SCOPE, "default")).events
        # Claimed: being attempted now, so no next attempt time is known.
        assert event.deliveries[-1] == DeliveryActivity(
            R1, "t2", DeliveryState.RETRYING, 1, None, "THROTTLING"
        )
        await store.complete_deliveries([again.id])  # a bare id records nothing
        [event] = (await store.recent_events(SCOPE, "default")).events
        assert len(event.deliveries) == 2

    run(store, body)


def _bounded(kind: str, tmp_path: pathlib.Path, per_bus: int) -> Store:
    makers: dict[str, Callable[[], Store]] = {
        "memory": lambda: MemoryStore(activity_per_bus=per_bus),
        "sqlite": lambda: SqliteStore(tmp_path / "busway.db", activity_per_bus=per_bus),
    }
    return makers[kind]()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_each_bus_keeps_a_bounded_ring_of_outcomes(kind: str, tmp_path: pathlib.Path) -> None:
    store = _bounded(kind, tmp_path, per_bus=3)

    async def body() -> None:
        quiet = _on_bus(record("quiet", (R2, "t1")), "orders")
        await store.append_events([quiet])
        await store.append_events([record(f"e{n}", (R1, "t1"), offset_s=n) for n in range(10)])
        claimed = await store.claim_deliveries(T0 + LEASE, T0 + 2 * LEASE, 20)
        outcomes = [
            DeliveryOutcome(
                c.id, c.event.scope, c.event.bus_name, DeliveryState.DELIVERED, c.attempts + 1
            )
            for c in claimed
        ]
        for outcome in outcomes:  # one write each, as a dispatcher settling one at a time
            await store.complete_deliveries([outcome])
        page = await store.recent_events(SCOPE, "default", limit=100)
        # Older events fall out of the ring with their outcomes; those kept have theirs.
        assert 3 <= len(page.events) < 10
        assert [e.event.id for e in page.events] == [f"e{n}" for n in range(10)][
            -len(page.events) :
        ]
        assert all(len(e.deliveries) == 1 for e in page.events)
        [kept] = (await store.recent_events(SCOPE, "orders")).events
        assert kept.deliveries[0].state is DeliveryState.DELIVERED

    run(store, body)


def test_a_redrive_puts_a_new_delivery_of_the_stored_event(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("e1", (R1, "t1"))])
        [claimed] = await store.claim_deliveries(T0, T0 + LEASE, 10)
        await store.complete_deliveries([_outcome(claimed.id, DeliveryState.DEAD_LETTERED)])
        stored = await store.get_event("e1")
        assert stored is not None
        later = T0 + timedelta(hours=30)
        again = replace(stored, ingested_at=later)
        assert await store.redrive_delivery(again, R1, "t1", later)
        assert not await store.redrive_delivery(again, R1, "t1", later)  # pending already
        assert await store.list_deliveries("e1") == [Delivery("e1", R1, "t1", later)]
        assert await store.get_event("e1") == again
        [redriven] = await store.claim_deliveries(later, later + LEASE, 10)
        assert (redriven.event, redriven.attempts) == (again, 0)
        [event] = (await store.recent_events(SCOPE, "default")).events
        assert [d.state for d in event.deliveries] == [
            DeliveryState.DEAD_LETTERED,
            DeliveryState.PENDING,
        ]

    run(store, body)


def test_a_redrive_stores_an_event_that_is_gone(store: Store) -> None:
    async def body() -> None:
        event = Event(
            id="lost",
            scope=SCOPE,
            bus_name="default",
            source="shop",
            detail_type="OrderPlaced",
            time=T0,
            ingested_at=T0,
            body=b'{"id":"lost"}',
        )
        assert await store.redrive_delivery(event, R1, "t1", T0)
        assert await store.get_event("lost") == event
        [claimed] = await store.claim_deliveries(T0, T0 + LEASE, 10)
        assert (claimed.event, claimed.rule_arn, claimed.target_id) == (event, R1, "t1")

    run(store, body)
