"""The store sees one append_events call per request, holding every accepted event."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from busway.model import IngestRecord
from busway.store.memory import MemoryStore

from .harness import SCOPE, Harness, entry


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    async def append_events(self, records: Sequence[IngestRecord]) -> None:
        self.calls.append(len(records))
        await super().append_events(records)


class FailingStore(MemoryStore):
    async def append_events(self, records: Sequence[IngestRecord]) -> None:
        raise OSError("disk full")


def test_one_store_call_per_request_with_all_accepted_events() -> None:
    store = CountingStore()
    harness = Harness(store=store)
    harness.add_rule("r", '{"source": ["my.app"]}')
    harness.put(*[entry()] * 7, entry(source=""), entry(event_bus="unknown"))
    assert store.calls == [7]


def test_no_store_call_when_no_event_was_accepted() -> None:
    store = CountingStore()
    Harness(store=store).put(entry(source=""), entry(event_bus="unknown"))
    assert store.calls == []


def test_a_store_failure_fails_the_request() -> None:
    harness = Harness(store=FailingStore())
    with pytest.raises(OSError, match="disk full"):
        asyncio.run(harness.service.put_events(SCOPE, [entry()]))
