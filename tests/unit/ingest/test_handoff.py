"""Ingest hands the deliveries it commits to the dispatcher: claimed if it has room, else woken."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest

from busway.model import IngestRecord
from busway.service.ingest import EntryInput, IngestService
from busway.store.memory import MemoryStore
from busway.store.protocol import ClaimedDelivery
from tests.unit.ingest.harness import NOW, SCOPE, Harness, entry

LEASE_END = NOW + timedelta(seconds=60)


class FakeDispatch:
    """A ``DeliveryHandoff`` with room for ``room`` deliveries, recording what it was told."""

    def __init__(self, room: int = 100) -> None:
        self.room = room
        self.calls: list[tuple[str, int]] = []
        self.accepted: list[ClaimedDelivery] = []

    def reserve(self, count: int) -> datetime | None:
        self.calls.append(("reserve", count))
        return LEASE_END if count <= self.room else None

    def accept(self, claimed: Sequence[ClaimedDelivery]) -> None:
        self.calls.append(("accept", len(claimed)))
        self.accepted.extend(claimed)

    def unreserve(self, count: int) -> None:
        self.calls.append(("unreserve", count))

    def wake(self) -> None:
        self.calls.append(("wake", 0))


class FailingStore(MemoryStore):
    async def append_claimed_events(
        self,
        records: Sequence[IngestRecord],
        lease_until: datetime,
        *,
        on_commit: Callable[[list[ClaimedDelivery]], None] | None = None,
    ) -> list[ClaimedDelivery]:
        raise OSError("disk full")


def _service(harness: Harness, dispatch: FakeDispatch) -> IngestService:
    harness.add_rule("orders", '{"source": ["my.app"]}', ["t1", "t2"])
    return IngestService(
        harness.store, harness.routing, harness.clock, harness.settings, dispatch=dispatch
    )


def _put(service: IngestService, *entries: EntryInput) -> list[str]:
    results = asyncio.run(service.put_events(SCOPE, entries))
    return [result.event_id for result in results if result.event_id is not None]


def test_deliveries_are_committed_claimed_and_handed_over() -> None:
    harness, dispatch = Harness(), FakeDispatch()
    service = _service(harness, dispatch)
    first, second = _put(service, entry(), entry())
    assert dispatch.calls == [("reserve", 4), ("accept", 4)]
    handed = [(c.event.id, c.target_id, c.lease_until) for c in dispatch.accepted]
    assert handed == [
        (first, "t1", LEASE_END),
        (first, "t2", LEASE_END),
        (second, "t1", LEASE_END),
        (second, "t2", LEASE_END),
    ]
    # Stored claimed: nobody else can claim them before the lease ends.
    claims = asyncio.run(harness.store.claim_deliveries(NOW, LEASE_END, 10))
    assert claims == []


def test_without_room_the_deliveries_are_committed_due_and_the_dispatcher_woken() -> None:
    harness, dispatch = Harness(), FakeDispatch(room=1)
    service = _service(harness, dispatch)
    [event_id] = _put(service, entry())
    assert dispatch.calls == [("reserve", 2), ("wake", 0)]
    assert dispatch.accepted == []
    claims = asyncio.run(harness.store.claim_deliveries(NOW, LEASE_END, 10))
    assert [(c.event.id, c.target_id) for c in claims] == [(event_id, "t1"), (event_id, "t2")]


def test_the_dispatcher_is_told_after_the_events_are_stored() -> None:
    harness = Harness()
    stored: list[int] = []

    class Watching(FakeDispatch):
        def accept(self, claimed: Sequence[ClaimedDelivery]) -> None:
            stored.append(len(harness.store._events))

    service = _service(harness, Watching())
    _put(service, entry(), entry())
    assert stored == [2]


def test_a_failed_commit_gives_the_reservation_back() -> None:
    harness, dispatch = Harness(store=FailingStore()), FakeDispatch()
    service = _service(harness, dispatch)
    with pytest.raises(OSError, match="disk full"):
        _put(service, entry())
    assert dispatch.calls == [("reserve", 2), ("unreserve", 2)]


def test_the_dispatcher_is_not_told_when_no_delivery_was_stored() -> None:
    harness, dispatch = Harness(), FakeDispatch()
    service = _service(harness, dispatch)
    _put(service, entry(source=""))  # fails its checks
    _put(service, entry(event_bus="nope"))  # an unknown bus: accepted and dropped
    _put(service, entry(source="other.app"))  # stored, but no rule matches
    assert harness.count() == 1
    assert dispatch.calls == []


class SlowSyncStore(MemoryStore):
    """Commits at once but acknowledges durability only when ``synced`` is set."""

    def __init__(self, *, fail_sync: bool = False) -> None:
        super().__init__()
        self.synced = asyncio.Event()
        self.fail_sync = fail_sync

    async def append_claimed_events(
        self,
        records: Sequence[IngestRecord],
        lease_until: datetime,
        *,
        on_commit: Callable[[list[ClaimedDelivery]], None] | None = None,
    ) -> list[ClaimedDelivery]:
        claimed = await super().append_claimed_events(records, lease_until, on_commit=on_commit)
        await self.synced.wait()
        if self.fail_sync:
            raise OSError("sync failed")
        return claimed


def test_deliveries_are_handed_over_at_commit_while_the_answer_waits_for_the_sync() -> None:
    store = SlowSyncStore()
    harness, dispatch = Harness(store=store), FakeDispatch()
    service = _service(harness, dispatch)

    async def scenario() -> None:
        put = asyncio.ensure_future(service.put_events(SCOPE, [entry()]))
        for _ in range(10):
            await asyncio.sleep(0)
        assert dispatch.calls == [("reserve", 2), ("accept", 2)]
        assert not put.done()  # not acknowledged before it is durable
        store.synced.set()
        assert len(await put) == 1

    asyncio.run(scenario())


def test_a_failed_sync_after_the_hand_over_keeps_the_reservation_handed_over() -> None:
    store = SlowSyncStore(fail_sync=True)
    store.synced.set()
    harness, dispatch = Harness(store=store), FakeDispatch()
    service = _service(harness, dispatch)
    with pytest.raises(OSError, match="sync failed"):
        _put(service, entry())
    # The deliveries are with the dispatcher already: giving their room back would count twice.
    assert dispatch.calls == [("reserve", 2), ("accept", 2)]


class LateCommitStore(MemoryStore):
    """The caller gives up before the commit; the commit (and its on_commit) comes later."""

    def __init__(self) -> None:
        super().__init__()
        self.late: list[Callable[[], None]] = []

    async def append_claimed_events(
        self,
        records: Sequence[IngestRecord],
        lease_until: datetime,
        *,
        on_commit: Callable[[list[ClaimedDelivery]], None] | None = None,
    ) -> list[ClaimedDelivery]:
        assert on_commit is not None
        self.late.append(lambda: on_commit([]))
        await asyncio.Event().wait()  # cancelled here
        raise AssertionError


def test_a_commit_after_the_caller_gave_up_is_not_handed_over() -> None:
    store = LateCommitStore()
    harness, dispatch = Harness(store=store), FakeDispatch()
    service = _service(harness, dispatch)

    async def scenario() -> None:
        put = asyncio.ensure_future(service.put_events(SCOPE, [entry()]))
        await asyncio.sleep(0)
        put.cancel()
        with pytest.raises(asyncio.CancelledError):
            await put
        store.late[0]()  # its claims come back when their lease ends instead

    asyncio.run(scenario())
    assert dispatch.calls == [("reserve", 2), ("unreserve", 2)]
