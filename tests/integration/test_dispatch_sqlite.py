"""The dispatcher on a real SQLite file: delivery, retries, dead letters, and crash recovery."""

from __future__ import annotations

import asyncio
import pathlib
from datetime import timedelta

from busway.clock import FakeClock
from busway.delivery.target import Outcome
from busway.model import Delivery, RetryPolicy, Target
from busway.store.sqlite import SqliteStore
from tests.support.targets import RecordingTarget, eventually
from tests.unit.delivery.rig import DLQ_ARN, QUEUE_ARN, SETTINGS, T0, Rig, run

SERVER_ERROR = Outcome.failure("ERROR_FROM_TARGET", "HTTP 500", retryable=True)
LEASE = timedelta(seconds=SETTINGS.delivery_lease_seconds)


def _rig(
    path: pathlib.Path,
    target: RecordingTarget | None = None,
    *,
    clock: FakeClock | None = None,
    drain_seconds: float = 5.0,
) -> Rig:
    return Rig(
        target or RecordingTarget(),
        store=SqliteStore(path),
        clock=clock or FakeClock(T0),
        drain_seconds=drain_seconds,
    )


def test_events_are_delivered_once_and_leave_the_outbox(tmp_path: pathlib.Path) -> None:
    rig = _rig(tmp_path / "busway.db")

    async def body() -> None:
        async with rig.running():
            ids = [event_id for _ in range(20) for event_id in await rig.put(10)]
            await eventually(lambda: rig.dispatcher.counters.delivered == 200)
            await rig.settled()
        assert sorted(i.event.id for i in rig.target.invocations) == sorted(ids)
        assert await rig.store.next_due_at() is None

    run(rig, body)


def test_retries_then_a_dead_letter_on_sqlite(tmp_path: pathlib.Path) -> None:
    rig = _rig(tmp_path / "busway.db", RecordingTarget(SERVER_ERROR, SERVER_ERROR, SERVER_ERROR))
    policy = RetryPolicy(maximum_retry_attempts=2)
    rig.set_targets(Target("t1", QUEUE_ARN, retry_policy=policy, dead_letter_arn=DLQ_ARN))

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            for attempts in (1, 2):
                await eventually(lambda: len(rig.target.invocations) == attempts)  # noqa: B023
                [pending] = await _pending(rig, event_id)
                assert pending.attempts == attempts
                await rig.retry_all()
            await eventually(lambda: len(rig.queues.sent) == 1)
            await rig.settled()
            assert await rig.store.list_deliveries(event_id) == []
        attributes = rig.queues.sent[0].attributes
        assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
        assert attributes["RETRY_ATTEMPTS"] == "2"

    run(rig, body)


async def _pending(rig: Rig, event_id: str) -> list[Delivery]:
    await rig.settled()
    return list(await rig.store.list_deliveries(event_id))


def test_deliveries_claimed_by_a_crashed_dispatcher_are_delivered_after_the_lease(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "busway.db"
    before = _rig(path)

    async def crash() -> list[str]:
        await before.store.open()
        ids = await before.put(10)
        # The "crashed" dispatcher: it claimed six deliveries and never settled them.
        claimed = await before.store.claim_deliveries(T0, T0 + LEASE, 6)
        assert len(claimed) == 6
        await before.store.close()  # the process is gone; only the file remains
        return ids

    ids = asyncio.run(crash())
    after = _rig(path, clock=before.clock)

    async def recover() -> None:
        async with after.running():
            # Within the lease only the four unclaimed deliveries go out.
            await eventually(lambda: after.dispatcher.counters.delivered == 4)
            await after.settled()
            assert await after.store.next_due_at() == T0 + LEASE
            after.clock.advance(LEASE)
            after.dispatcher.wake()
            await eventually(lambda: after.dispatcher.counters.delivered == 10)
            await after.settled()
        assert sorted(i.event.id for i in after.target.invocations) == sorted(ids)
        assert await after.store.next_due_at() is None

    run(after, recover)


def test_a_stopped_node_resumes_where_it_left_off(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "busway.db"
    gate = asyncio.Event()
    first = _rig(path, RecordingTarget(gate=gate), drain_seconds=0.05)

    async def interrupted() -> list[str]:
        async with first.running():
            ids = await first.put(5)
            await eventually(lambda: first.target.active == 5)
        return ids

    ids: list[str] = []

    async def body() -> None:
        ids.extend(await interrupted())

    run(first, body)
    second = _rig(path, clock=first.clock)

    async def resume() -> None:
        async with second.running():
            second.dispatcher.wake()
            await eventually(lambda: second.dispatcher.counters.delivered == 5)
        assert sorted(i.event.id for i in second.target.invocations) == sorted(ids)

    run(second, resume)
