"""``prune_events``: the store's half of event retention (busway.service.retention)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from busway.model import IngestRecord
from busway.store import Store
from tests.contract.support import T0, record, run

R1 = "arn:aws:events:us-east-1:123456789012:rule/r1"


def _at(event_id: str, hours: float, *targets: tuple[str, str]) -> IngestRecord:
    made = record(event_id, *targets)
    moment = T0 + timedelta(hours=hours)
    return replace(made, event=replace(made.event, ingested_at=moment))


async def _sweep(store: Store, cut: datetime, limit: int = 1_000) -> int:
    deleted, after = 0, 0
    while True:
        batch = await store.prune_events(cut, after=after, limit=limit)
        deleted += batch.deleted
        if batch.resume_after is None:
            return deleted
        after = batch.resume_after


def test_old_events_with_nothing_to_deliver_go_and_the_others_stay(store: Store) -> None:
    cut = T0 + timedelta(hours=10)

    async def body() -> None:
        await store.append_events(
            [_at("old", 1), _at("old-pending", 2, (R1, "t1")), _at("old-2", 3), _at("young", 11)]
        )
        assert await _sweep(store, cut) == 2
        assert await store.get_event("old") is None
        assert await store.get_event("old-2") is None
        assert await store.get_event("old-pending") is not None
        assert await store.list_deliveries("old-pending") != []
        assert await store.get_event("young") is not None
        assert await store.count_events() == 2

    run(store, body)


def test_an_event_goes_once_its_last_delivery_is_done(store: Store) -> None:
    cut = T0 + timedelta(hours=10)

    async def body() -> None:
        await store.append_events([_at("e1", 1, (R1, "t1")), _at("newest", 12)])
        assert await _sweep(store, cut) == 0
        [claimed] = await store.claim_deliveries(T0, T0 + timedelta(minutes=1), 10)
        await store.complete_deliveries([claimed.id])
        assert await _sweep(store, cut) == 1
        assert await store.get_event("e1") is None

    run(store, body)


def test_batches_walk_the_store_oldest_first_and_say_where_to_go_on(store: Store) -> None:
    cut = T0 + timedelta(hours=10)

    async def body() -> None:
        await store.append_events([_at(f"e{n}", 1) for n in range(5)] + [_at("young", 11)])
        first = await store.prune_events(cut, after=0, limit=2)
        assert first.deleted == 2
        assert first.resume_after is not None
        assert await store.get_event("e0") is None
        assert await store.get_event("e2") is not None
        assert await _sweep(store, cut, limit=2) == 3
        assert await store.count_events() == 1

    run(store, body)


def test_the_newest_event_stays_so_that_seqs_never_go_back(store: Store) -> None:
    cut = T0 + timedelta(hours=10)

    async def body() -> None:
        await store.append_events([_at("e0", 1), _at("e1", 2)])
        first = await store.recent_events(record("x").event.scope, "default")
        assert await _sweep(store, cut) == 1
        assert await store.get_event("e1") is not None
        await store.append_events([_at("e2", 3)])
        page = await store.recent_events(record("x").event.scope, "default")
        assert [recent.event.id for recent in page.events] == ["e1", "e2"]
        # The new event's seq comes after every seq the activity handed out before the sweep.
        assert page.events[-1].seq > max(recent.seq for recent in first.events)

    run(store, body)


def test_a_pruned_event_can_be_redriven_again(store: Store) -> None:
    cut = T0 + timedelta(hours=10)

    async def body() -> None:
        stored = _at("e1", 1)
        await store.append_events([stored, _at("newest", 11)])
        assert await _sweep(store, cut) == 1
        again = replace(stored.event, ingested_at=cut)
        assert await store.redrive_delivery(again, R1, "t1", cut)
        assert await store.get_event("e1") == again
        assert [d.target_id for d in await store.list_deliveries("e1")] == ["t1"]

    run(store, body)


def test_a_naive_cut_is_refused(store: Store) -> None:
    async def body() -> None:
        with pytest.raises(ValueError, match="timezone"):
            await store.prune_events(datetime(2024, 1, 1), after=0, limit=10)

    run(store, body)
