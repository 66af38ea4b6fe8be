from __future__ import annotations

import asyncio

from busway.service.ingest import EntryInput, IngestService
from tests.unit.ingest.harness import SCOPE, Harness

ENTRY = EntryInput(source="shop", detail_type="OrderPlaced", detail="{}")


def test_on_commit_is_told_after_the_events_are_stored() -> None:
    harness = Harness()
    seen: list[int] = []
    service = IngestService(
        harness.store,
        harness.routing,
        harness.clock,
        harness.settings,
        on_commit=lambda: seen.append(len(harness.store._events)),
    )

    asyncio.run(service.put_events(SCOPE, [ENTRY, ENTRY]))
    assert seen == [2]  # once per commit, and the events were in the store by then


def test_on_commit_is_not_told_when_nothing_was_stored() -> None:
    harness = Harness()
    seen: list[int] = []
    service = IngestService(
        harness.store,
        harness.routing,
        harness.clock,
        harness.settings,
        on_commit=lambda: seen.append(1),
    )
    asyncio.run(service.put_events(SCOPE, [EntryInput(source="shop")]))  # fails its checks
    asyncio.run(service.put_events(SCOPE, [EntryInput(**{**ENTRY._asdict(), "event_bus": "nope"})]))
    assert seen == []
