"""The hand-off: PutEvents commits its deliveries claimed for the dispatcher, which starts them
without a claim of its own, or keeps them in its backlog until a slot is free; without room
there either they take the claim path."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from busway.delivery.target import Outcome
from busway.model import IngestRecord, Target
from busway.store.memory import MemoryStore
from busway.store.protocol import ClaimedDelivery
from busway.store.sqlite import SqliteStore
from tests.support.targets import RecordingTarget, eventually
from tests.unit.delivery.rig import QUEUE_ARN, SETTINGS, T0, Rig, run

SERVER_ERROR = Outcome.failure("ERROR_FROM_TARGET", "HTTP 500", retryable=True)


class ClaimSpy(MemoryStore):
    """Records the deliveries that came through ``claim_deliveries``; can hold claimed
    appends until ``appending`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.claimed_ids: list[int] = []
        self.appending: asyncio.Event | None = None
        self.append_started = False

    async def claim_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedDelivery]:
        claimed = await super().claim_deliveries(now, lease_until, limit)
        self.claimed_ids.extend(c.id for c in claimed)
        return claimed

    async def append_claimed_events(
        self,
        records: Sequence[IngestRecord],
        lease_until: datetime,
        *,
        on_commit: Callable[[list[ClaimedDelivery]], None] | None = None,
    ) -> list[ClaimedDelivery]:
        self.append_started = True
        if self.appending is not None:
            await self.appending.wait()
        return await super().append_claimed_events(records, lease_until, on_commit=on_commit)


def _rig(target: RecordingTarget | None = None, *, concurrency: int = 128, backlog: int = 0) -> Rig:
    settings = replace(SETTINGS, dispatch_concurrency=concurrency, dispatch_backlog=backlog)
    return Rig(target or RecordingTarget(), settings=settings, store=ClaimSpy())


def _spy(rig: Rig) -> ClaimSpy:
    assert isinstance(rig.store, ClaimSpy)
    return rig.store


def test_committed_deliveries_reach_the_target_without_a_claim() -> None:
    rig = _rig()
    rig.set_targets(Target("t1", QUEUE_ARN), Target("t2", QUEUE_ARN))

    async def body() -> None:
        async with rig.running():
            ids = await rig.put(3)
            await eventually(lambda: rig.dispatcher.counters.delivered == 6)
            await rig.settled()
            for event_id in ids:
                assert await rig.store.list_deliveries(event_id) == []
        assert _spy(rig).claimed_ids == []
        assert len(rig.target.invocations) == 6

    run(rig, body)


def test_without_room_deliveries_take_the_claim_path() -> None:
    rig = _rig(concurrency=2)

    async def body() -> None:
        async with rig.running():
            await rig.put(3)  # three deliveries: more than the dispatcher may hold
            await eventually(lambda: rig.dispatcher.counters.delivered == 3)
            await rig.settled()
        assert len(_spy(rig).claimed_ids) == 3
        assert rig.target.max_active <= 2

    run(rig, body)


def test_deliveries_beyond_the_slots_wait_in_the_backlog_not_for_a_claim() -> None:
    rig = _rig(concurrency=2, backlog=4)

    async def body() -> None:
        async with rig.running():
            ids = await rig.put(5)  # five deliveries: two slots, three in the backlog
            await eventually(lambda: rig.dispatcher.counters.delivered == 5)
            await rig.settled()
            for event_id in ids:
                assert await rig.store.list_deliveries(event_id) == []
        assert _spy(rig).claimed_ids == []
        assert rig.target.max_active <= 2
        assert sorted(i.event.id for i in rig.target.invocations) == sorted(ids)

    run(rig, body)


def test_past_the_backlog_deliveries_take_the_claim_path() -> None:
    rig = _rig(concurrency=1, backlog=1)

    async def body() -> None:
        async with rig.running():
            await rig.put(3)  # one slot and one backlog place are not room for three
            await eventually(lambda: rig.dispatcher.counters.delivered == 3)
            await rig.settled()
        assert len(_spy(rig).claimed_ids) == 3

    run(rig, body)


def test_a_backlogged_delivery_whose_lease_ran_short_is_given_back_and_claimed() -> None:
    gate = asyncio.Event()
    rig = _rig(RecordingTarget(gate=gate), concurrency=1, backlog=4)

    async def body() -> None:
        async with rig.running():
            first = await rig.put()
            [second] = await rig.put()  # backlogged behind the first, which waits at the gate
            await eventually(lambda: len(rig.target.invocations) == 1)
            # 20 s of the 60 s lease gone: too little left for a 30 s attempt and its settling.
            rig.clock.advance(timedelta(seconds=20))
            gate.set()
            await eventually(lambda: rig.dispatcher.counters.delivered == 2)
            await rig.settled()
        assert [i.event.id for i in rig.target.invocations] == [*first, second]
        assert len(_spy(rig).claimed_ids) == 1  # the second, claimed again after its release
        assert [i.attempt for i in rig.target.invocations] == [1, 1]  # no attempt counted

    run(rig, body)


def test_a_backlog_that_stalls_takes_no_more_deliveries() -> None:
    gate = asyncio.Event()
    rig = _rig(RecordingTarget(gate=gate), concurrency=1, backlog=4)

    async def body() -> None:
        async with rig.running():
            first = await rig.put()
            second = await rig.put()  # backlogged behind the first, which waits at the gate
            await eventually(lambda: len(rig.target.invocations) == 1)
            rig.clock.advance(timedelta(seconds=3))  # the backlog has not moved for 3 s
            [third] = await rig.put()
            [pending] = await rig.store.list_deliveries(third)
            assert pending.due_at == T0 + timedelta(seconds=3)  # stored due, for a claim
            gate.set()
            await eventually(lambda: rig.dispatcher.counters.delivered == 3)
            await rig.settled()
        assert [i.event.id for i in rig.target.invocations] == [*first, *second, third]
        assert len(_spy(rig).claimed_ids) == 1  # the third, by a claim

    run(rig, body)


def test_stop_gives_the_backlog_back() -> None:
    gate = asyncio.Event()
    rig = _rig(RecordingTarget(gate=gate), concurrency=1, backlog=4)

    async def body() -> None:
        await rig.dispatcher.start()
        first = await rig.put()
        backlogged = await rig.put(2)
        await eventually(lambda: len(rig.target.invocations) == 1)
        stopping = asyncio.create_task(rig.dispatcher.stop())
        await eventually(lambda: rig.dispatcher._stopping)
        gate.set()  # the attempt under way ends and is settled
        await stopping
        assert [i.event.id for i in rig.target.invocations] == first
        assert await rig.store.list_deliveries(first[0]) == []
        for event_id in backlogged:
            [pending] = await rig.store.list_deliveries(event_id)
            assert (pending.due_at, pending.attempts) == (T0, 0)  # due now, no attempt counted
        assert await rig.store.release_claims(T0) == 0  # and no longer claimed
        assert rig.dispatcher.in_flight == 0

    run(rig, body)


def test_a_dispatcher_not_started_leaves_deliveries_to_its_claims() -> None:
    rig = _rig()

    async def body() -> None:
        [event_id] = await rig.put()
        [pending] = await rig.store.list_deliveries(event_id)
        assert pending.due_at == T0  # stored due, not claimed
        async with rig.running():
            await eventually(lambda: rig.dispatcher.counters.delivered == 1)
        assert len(_spy(rig).claimed_ids) == 1

    run(rig, body)


def test_a_handed_off_delivery_that_fails_is_retried() -> None:
    rig = _rig(RecordingTarget(SERVER_ERROR))

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.retried == 1)
            await rig.settled()  # the retry is written
            [pending] = await rig.store.list_deliveries(event_id)
            assert pending.attempts == 1  # the retry applied: the hand-off's lease was the token
            await rig.retry_all()
            await eventually(lambda: rig.dispatcher.counters.delivered == 1)
        assert [i.attempt for i in rig.target.invocations] == [1, 2]

    run(rig, body)


def test_reservations_are_bounded_and_given_back() -> None:
    rig = _rig(concurrency=3, backlog=1)

    async def body() -> None:
        dispatcher = rig.dispatcher
        assert dispatcher.reserve(1) is None  # not started
        async with rig.running():
            assert dispatcher.reserve(3) == T0 + timedelta(seconds=SETTINGS.delivery_lease_seconds)
            assert dispatcher.reserve(2) is None
            assert dispatcher.in_flight == 3
            dispatcher.unreserve(3)
            assert dispatcher.in_flight == 0
            assert dispatcher.reserve(4) is not None
            dispatcher.unreserve(4)
        assert dispatcher.reserve(1) is None  # stopped

    run(rig, body)


def test_stop_gives_back_deliveries_handed_off_while_it_stops() -> None:
    rig = _rig()
    spy = _spy(rig)
    spy.appending = asyncio.Event()

    async def body() -> None:
        await rig.dispatcher.start()
        putting = asyncio.create_task(rig.put())
        await eventually(lambda: spy.append_started)
        stopping = asyncio.create_task(rig.dispatcher.stop())
        await eventually(lambda: rig.dispatcher._stopping)
        assert spy.appending is not None
        spy.appending.set()  # the commit ends after stop began
        [event_id] = await putting
        await stopping
        assert rig.target.invocations == []
        [pending] = await rig.store.list_deliveries(event_id)
        assert (pending.due_at, pending.attempts) == (T0, 0)  # due now, no attempt counted
        assert await rig.store.release_claims(T0) == 0  # and no longer claimed
        assert rig.dispatcher.in_flight == 0

    run(rig, body)


def test_the_hand_off_works_on_sqlite(tmp_path: pathlib.Path) -> None:
    rig = Rig(store=SqliteStore(tmp_path / "busway.db"))
    rig.set_targets(Target("t1", QUEUE_ARN), Target("t2", QUEUE_ARN))

    async def body() -> None:
        async with rig.running():
            ids = await rig.put(5)
            await eventually(lambda: rig.dispatcher.counters.delivered == 10)
            await rig.settled()
            for event_id in ids:
                assert await rig.store.list_deliveries(event_id) == []
        delivered = sorted((i.event.id, i.target.id) for i in rig.target.invocations)
        assert delivered == sorted((e, t) for e in ids for t in ("t1", "t2"))
        for invocation in rig.target.invocations:
            assert invocation.event == await rig.store.get_event(invocation.event.id)

    run(rig, body)
