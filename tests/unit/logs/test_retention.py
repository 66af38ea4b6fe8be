"""Retention: expired events are never read, and the sweep deletes them in bounded batches."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from busway.clock import FakeClock
from busway.service.logs import InvalidParameter, LogService, epoch_ms, filter_terms
from busway.store.log_groups import EventQuery, NewLogEvent
from busway.store.memory.log_groups import MemoryLogGroupStore
from tests.unit.logs.support import SCOPE


def test_expired_events_are_hidden_then_swept() -> None:
    clock = FakeClock()
    store = MemoryLogGroupStore()
    logs = LogService(store, clock)

    async def main() -> None:
        await logs.create_group(SCOPE, "/a")
        now = epoch_ms(clock.now())
        day = 86_400_000
        old = [NewLogEvent(now - 3 * day - i, f"old{i}") for i in range(5)]
        await logs.append(SCOPE, "/a", "s", [*old, NewLogEvent(now, "new")])
        await logs.set_retention(SCOPE, "/a", 1)
        visible = await logs.read_events(SCOPE, "/a", EventQuery(limit=100))
        assert [event.message for event in visible] == ["new"]
        assert await logs.sweep_retention(batch=3) == 3
        assert await logs.sweep_retention(batch=3) == 2
        assert await logs.sweep_retention(batch=3) == 0
        clock.advance(timedelta(days=2))
        assert await logs.read_events(SCOPE, "/a", EventQuery(limit=100)) == []
        raw = await store.read_events(SCOPE, "/a", EventQuery(limit=100))
        assert [event.message for event in raw] == ["new"]
        assert await logs.sweep_retention() == 1

    asyncio.run(main())


def test_groups_without_retention_keep_everything() -> None:
    logs = LogService(MemoryLogGroupStore(), FakeClock())

    async def main() -> None:
        await logs.create_group(SCOPE, "/a")
        await logs.append(SCOPE, "/a", "s", [NewLogEvent(0, "ancient")])
        assert await logs.sweep_retention() == 0
        assert len(await logs.read_events(SCOPE, "/a", EventQuery(limit=10))) == 1

    asyncio.run(main())


def test_filter_terms() -> None:
    assert filter_terms(None) == ()
    assert filter_terms("  ") == ()
    assert filter_terms('ERROR "disk full"') == ("ERROR", "disk full")
    for unsupported in ["{ $.a = 1 }", "[ip, user]", "?a ?b", "-x", '"open']:
        with pytest.raises(InvalidParameter):
            filter_terms(unsupported)
