"""ScheduleFiring with a FakeClock: when schedules fire, what they put in the outbox, and once."""

from __future__ import annotations

import json
import pathlib
import random
from datetime import UTC, datetime, timedelta

from busway.clock import FakeClock
from busway.model import RetryPolicy
from busway.service.schedules_firing import RandomSource, ScheduleFiring
from busway.store.schedules import (
    EventBridgeTarget,
    Schedule,
    ScheduleState,
    ScheduleTarget,
)
from busway.store.sqlite import SqliteStore
from busway.store.sqlite.schedules import SqliteScheduleStore
from tests.unit.scheduler.support import QUEUE, ROLE, SCOPE, FixedRandom, make_rig, run, spec

T0 = datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC)
ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/s"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type,misc]


def test_a_rate_starts_at_creation_and_repeats() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        await rig.service.create_schedule(SCOPE, spec(expression="rate(5 minutes)"))
        await rig.run_until(T0 + timedelta(minutes=11))
        events = await rig.events()
        assert [e.time for e in events] == [T0 + timedelta(minutes=m) for m in (0, 5, 10)]
        # Each fired at its tick: the FakeClock stood there when the fire was written.
        assert [e.ingested_at for e in events] == [e.time for e in events]
        assert rig.wakes == [e.time for e in events]

    run(body)


def test_a_rate_starts_at_creation_even_when_storing_it_took_time() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        create = rig.store.create_schedule

        async def slow_create(schedule: Schedule) -> bool:
            rig.clock.advance(timedelta(milliseconds=20))
            return await create(schedule)

        rig.store.create_schedule = slow_create  # type: ignore[method-assign]
        await rig.service.create_schedule(SCOPE, spec(expression="rate(5 minutes)"))
        await rig.run_until(T0 + timedelta(minutes=1))
        assert [e.time for e in await rig.events()] == [T0]

    run(body)


def test_a_cron_in_a_timezone_skips_the_spring_forward_gap() -> None:
    async def body() -> None:
        rig = make_rig(utc(2024, 3, 8, 12))
        await rig.service.create_schedule(
            SCOPE,
            spec(expression="cron(30 2 * * ? *)", timezone="America/New_York"),
        )
        await rig.run_until(utc(2024, 3, 12, 12))
        times = [e.time for e in await rig.events()]
        # 2:30 local: EST (UTC-5) before the switch, EDT (UTC-4) after; 2024-03-10 has no 2:30.
        assert times == [utc(2024, 3, 9, 7, 30), utc(2024, 3, 11, 6, 30), utc(2024, 3, 12, 6, 30)]

    run(body)


def test_a_cron_in_a_timezone_fires_a_repeated_hour_once() -> None:
    async def body() -> None:
        rig = make_rig(utc(2024, 11, 2, 12))
        await rig.service.create_schedule(
            SCOPE,
            spec(expression="cron(30 1 * * ? *)", timezone="America/New_York"),
        )
        await rig.run_until(utc(2024, 11, 4, 12))
        times = [e.time for e in await rig.events()]
        # 1:30 happens twice on 2024-11-03 (EDT, then EST): it fires at the first only.
        assert times == [utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30)]

    run(body)


def test_at_fires_once_renders_its_input_and_can_delete_itself() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        template = json.dumps(
            {
                "arn": "<aws.scheduler.schedule-arn>",
                "time": "<aws.scheduler.scheduled-time>",
                "id": "<aws.scheduler.execution-id>",
                "attempt": "<aws.scheduler.attempt-number>",
            }
        )
        target = ScheduleTarget(QUEUE, ROLE, input=template, retry_policy=RetryPolicy(3, 600))
        await rig.service.create_schedule(
            SCOPE,
            spec(
                expression="at(2024-05-01T14:30:00)",
                timezone="Europe/Paris",  # UTC+2 in May
                target=target,
                delete_after_completion=True,
            ),
        )
        await rig.run_until(T0 + timedelta(hours=1))
        [event] = await rig.events()
        assert event.time == utc(2024, 5, 1, 12, 30)
        assert json.loads(event.body) == {
            "arn": ARN,
            "time": "2024-05-01T12:30:00Z",
            "id": event.id,
            "attempt": "<aws.scheduler.attempt-number>",  # filled in by each attempt
        }
        assert event.resources == (ARN,)
        assert await rig.store.get_schedule(SCOPE, "default", "s") is None
        # Its delivery still finds the target it fired with, retry policy and all.
        resolved = rig.firing.target(SCOPE, event.bus_name, ARN, "schedule")
        assert resolved is not None
        assert (resolved.arn, resolved.retry_policy) == (QUEUE, RetryPolicy(3, 600))
        # ... until its deliveries are long past their maximum age.
        await rig.run_until(T0 + timedelta(days=2))
        assert rig.firing.target(SCOPE, event.bus_name, ARN, "schedule") is None

    run(body)


def test_at_without_delete_stays_and_fires_no_more() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        await rig.service.create_schedule(SCOPE, spec(expression="at(2024-05-01T12:01:00)"))
        await rig.run_until(T0 + timedelta(days=1))
        assert len(await rig.events()) == 1
        assert await rig.store.get_schedule(SCOPE, "default", "s") is not None
        assert rig.firing.next_due_at() is None

    run(body)


def test_end_date_bounds_a_rate_and_delete_follows_the_last_tick() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        await rig.service.create_schedule(
            SCOPE,
            spec(
                expression="rate(1 minute)",
                start_date=T0 + timedelta(minutes=10),
                end_date=T0 + timedelta(minutes=13),
                delete_after_completion=True,
            ),
        )
        await rig.run_until(T0 + timedelta(hours=1))
        times = [e.time for e in await rig.events()]
        assert times == [T0 + timedelta(minutes=m) for m in (10, 11, 12)]
        assert await rig.store.get_schedule(SCOPE, "default", "s") is None

    run(body)


def test_end_date_passed_without_a_tick_still_deletes() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        await rig.service.create_schedule(
            SCOPE,
            spec(
                expression="cron(0 0 1 1 ? 2030)",
                end_date=T0 + timedelta(hours=1),
                delete_after_completion=True,
            ),
        )
        await rig.run_until(T0 + timedelta(minutes=59))
        assert await rig.store.get_schedule(SCOPE, "default", "s") is not None
        await rig.run_until(T0 + timedelta(hours=2))
        assert await rig.store.get_schedule(SCOPE, "default", "s") is None
        assert await rig.events() == []

    run(body)


def test_disabled_schedules_do_not_fire_until_enabled() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        disabled = spec(expression="rate(1 minute)", state=ScheduleState.DISABLED)
        await rig.service.create_schedule(SCOPE, disabled)
        await rig.run_until(T0 + timedelta(minutes=10))
        assert await rig.events() == []
        enabled = spec(expression="rate(1 minute)", state=ScheduleState.ENABLED)
        await rig.service.update_schedule(SCOPE, enabled)
        await rig.run_until(T0 + timedelta(minutes=12))
        # The rate still counts from creation; the tick at the moment of enabling fires.
        times = [e.time for e in await rig.events()]
        assert times == [T0 + timedelta(minutes=m) for m in (10, 11, 12)]

    run(body)


def test_deleted_schedules_stop_firing() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        await rig.service.create_schedule(SCOPE, spec(expression="rate(1 minute)"))
        await rig.run_until(T0 + timedelta(minutes=1))
        await rig.service.delete_schedule(SCOPE, "default", "s")
        await rig.run_until(T0 + timedelta(minutes=10))
        assert len(await rig.events()) == 2
        assert rig.firing.next_due_at() is None

    run(body)


def test_a_flexible_window_delays_within_its_bounds() -> None:
    async def body() -> None:
        for fraction in (0.0, 0.5, 1.0):
            rig = make_rig(T0, rng=FixedRandom(fraction))
            await rig.service.create_schedule(
                SCOPE, spec(expression="rate(1 hour)", flexible_window_minutes=10)
            )
            await rig.run_until(T0 + timedelta(hours=1, minutes=30))
            events = await rig.events()
            assert [e.time for e in events] == [T0, T0 + timedelta(hours=1)]
            delay = timedelta(minutes=10 * fraction)
            assert [e.ingested_at for e in events] == [e.time + delay for e in events]

    run(body)


def test_random_flexible_delays_stay_inside_the_window() -> None:
    async def body() -> None:
        rig = make_rig(T0, rng=RandomSource(random.Random(7)))
        await rig.service.create_schedule(
            SCOPE, spec(expression="rate(15 minutes)", flexible_window_minutes=15)
        )
        # Up to the last tick's window: ticks 0 .. 24 h are all due by then, none later.
        await rig.run_until(T0 + timedelta(days=1, minutes=15) - timedelta(microseconds=1))
        events = await rig.events()
        assert len(events) == 24 * 4 + 1
        delays = [e.ingested_at - e.time for e in events]
        assert all(timedelta(0) <= d <= timedelta(minutes=15) for d in delays)
        assert len(set(delays)) > 1  # actually random

    run(body)


def test_event_bridge_targets_get_an_envelope_with_the_input_as_detail() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        target = ScheduleTarget(
            "arn:aws:events:us-east-1:123456789012:event-bus/default",
            ROLE,
            input='{"job": "<aws.scheduler.execution-id>", "n": <aws.scheduler.attempt-number>}',
            event_bridge=EventBridgeTarget("my.app", "Nightly Job"),
        )
        await rig.service.create_schedule(SCOPE, spec(target=target))
        await rig.run_until(T0)
        [event] = await rig.events()
        assert (event.source, event.detail_type) == ("my.app", "Nightly Job")
        text = event.body.decode().replace("<aws.scheduler.attempt-number>", "2")
        envelope = json.loads(text)
        assert envelope == {
            "version": "0",
            "id": event.id,
            "detail-type": "Nightly Job",
            "source": "my.app",
            "account": SCOPE.account,
            "time": "2024-05-01T12:00:30Z",
            "region": SCOPE.region,
            "resources": [ARN],
            "detail": {"job": event.id, "n": 2},
        }

    run(body)


def test_other_arns_are_not_resolved_by_the_schedules() -> None:
    rig = make_rig(T0)
    rule = "arn:aws:events:us-east-1:123456789012:rule/r"
    assert rig.firing.target(SCOPE, "default", rule, "t") is None
    assert rig.firing.target(SCOPE, "default", ARN, "schedule") is None


def test_a_restart_never_fires_a_tick_twice(tmp_path: pathlib.Path) -> None:
    async def body() -> None:
        clock = FakeClock(T0)
        outbox = SqliteStore(tmp_path / "busway.db")
        await outbox.open()
        store = SqliteScheduleStore(outbox.database)
        first = make_rig(T0, outbox=outbox, store=store, clock=clock)
        await first.service.create_schedule(SCOPE, spec(expression="rate(1 minute)"))
        await first.run_until(T0 + timedelta(seconds=10))  # fired the tick at T0
        assert first.firing.counters.fired == 1
        # A new process on the same database, within the tick's minute: it plans T0 again
        # (a quick restart must not lose a tick) and finds its key taken.
        second = make_rig(T0, outbox=outbox, store=store, clock=clock)
        await second.firing.load()
        await second.run_until(T0 + timedelta(seconds=70))
        assert (second.firing.counters.skipped, second.firing.counters.fired) == (1, 1)
        times = [e.time for e in await second.events()]
        assert times == [T0, T0 + timedelta(minutes=1)]
        await outbox.close()

    run(body)


def test_missed_ticks_are_not_replayed_after_downtime(tmp_path: pathlib.Path) -> None:
    async def body() -> None:
        clock = FakeClock(T0)
        outbox = SqliteStore(tmp_path / "busway.db")
        await outbox.open()
        store = SqliteScheduleStore(outbox.database)
        first = make_rig(T0, outbox=outbox, store=store, clock=clock)
        await first.service.create_schedule(SCOPE, spec(expression="rate(5 minutes)"))
        await first.run_until(T0 + timedelta(seconds=1))
        await outbox.close()
        # Down for 17 minutes: the ticks at +5, +10 and +15 are gone; +20 is the next.
        clock.advance(timedelta(minutes=17))
        outbox = SqliteStore(tmp_path / "busway.db")
        await outbox.open()
        second = make_rig(
            clock.now(), outbox=outbox, store=SqliteScheduleStore(outbox.database), clock=clock
        )
        await second.firing.load()
        await second.run_until(T0 + timedelta(minutes=21))
        times = [e.time for e in await second.events()]
        assert times == [T0, T0 + timedelta(minutes=20)]
        await outbox.close()

    run(body)


def test_two_firing_services_on_one_database_fire_each_tick_once(tmp_path: pathlib.Path) -> None:
    async def body() -> None:
        clock = FakeClock(T0)
        outbox = SqliteStore(tmp_path / "busway.db")
        await outbox.open()
        store = SqliteScheduleStore(outbox.database)
        one = make_rig(T0, outbox=outbox, store=store, clock=clock)
        await one.service.create_schedule(SCOPE, spec(expression="rate(1 minute)"))
        other = ScheduleFiring(store, clock, rng=FixedRandom(0.0))
        await other.load()
        for _ in range(5):
            await one.firing.fire_due()
            await other.fire_due()
            clock.advance(timedelta(minutes=1))
        fired = one.firing.counters.fired + other.counters.fired
        skipped = one.firing.counters.skipped + other.counters.skipped
        assert (fired, skipped) == (5, 5)
        assert len(await one.events()) == 5
        await outbox.close()

    run(body)


def test_after_a_restart_a_deleted_schedules_delivery_still_resolves(
    tmp_path: pathlib.Path,
) -> None:
    async def body() -> None:
        clock = FakeClock(T0)
        outbox = SqliteStore(tmp_path / "busway.db")
        await outbox.open()
        store = SqliteScheduleStore(outbox.database)
        first = make_rig(T0, outbox=outbox, store=store, clock=clock)
        once = spec(expression="at(2024-05-01T12:01:00)", delete_after_completion=True)
        await first.service.create_schedule(SCOPE, once)
        await first.run_until(T0 + timedelta(minutes=2))
        assert await store.get_schedule(SCOPE, "default", "s") is None
        # The delivery is still in the outbox (nobody delivered it): a new process finds its
        # target in the fire record.
        restarted = ScheduleFiring(store, clock)
        await restarted.load()
        resolved = restarted.target(SCOPE, "aws.scheduler", ARN, "schedule")
        assert resolved is not None
        assert resolved.arn == QUEUE
        await outbox.close()

    run(body)
