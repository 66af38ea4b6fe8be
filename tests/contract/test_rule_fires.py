"""append_scheduled_event: the fire record's unique key decides who fires a tick."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from busway.model import RuleState
from busway.store import Store
from tests.contract.support import T0, bus, record, rule, run

TICK = T0.replace(second=0, microsecond=0)
FORGET = TICK - timedelta(days=1)


def test_a_tick_fires_once_with_its_event_and_deliveries(store: Store) -> None:
    scheduled = rule("nightly", schedule_expression="rate(5 minutes)")
    first = record("e1", (scheduled.arn, "t1"), (scheduled.arn, "t2"))
    again = record("e2", (scheduled.arn, "t1"))

    async def body() -> None:
        await store.create_bus(bus("default"))
        await store.put_rule(scheduled)
        assert await store.append_scheduled_event(scheduled.arn, TICK, first, forget_before=FORGET)
        assert await store.get_event("e1") == first.event
        assert len(await store.list_deliveries("e1")) == 2
        # The same tick again, with another event: nothing of it is written.
        assert not await store.append_scheduled_event(
            scheduled.arn, TICK, again, forget_before=FORGET
        )
        assert await store.get_event("e2") is None
        assert await store.count_events() == 1
        # The next tick is a new key.
        later = TICK + timedelta(minutes=5)
        assert await store.append_scheduled_event(scheduled.arn, later, again, forget_before=FORGET)
        assert await store.get_event("e2") == again.event

    run(store, body)


def test_concurrent_fires_of_one_tick_store_one_event(store: Store) -> None:
    scheduled = rule("nightly", schedule_expression="cron(0 0 * * ? *)")
    records = [record(f"e{n}", (scheduled.arn, "t")) for n in range(8)]

    async def body() -> None:
        await store.create_bus(bus("default"))
        await store.put_rule(scheduled)
        outcomes = await asyncio.gather(
            *(
                store.append_scheduled_event(scheduled.arn, TICK, one, forget_before=FORGET)
                for one in records
            )
        )
        assert sorted(outcomes) == [False] * 7 + [True]
        assert await store.count_events() == 1

    run(store, body)


def test_the_key_is_the_tick_instant_in_any_timezone(store: Store) -> None:
    scheduled = rule("nightly", schedule_expression="cron(0 0 * * ? *)")
    elsewhere = TICK.astimezone(timezone(timedelta(hours=5, minutes=30)))

    async def body() -> None:
        await store.create_bus(bus("default"))
        await store.put_rule(scheduled)
        assert await store.append_scheduled_event(
            scheduled.arn, TICK, record("e1"), forget_before=FORGET
        )
        assert not await store.append_scheduled_event(
            scheduled.arn, elsewhere, record("e2"), forget_before=FORGET
        )

    run(store, body)


def test_a_missing_or_disabled_rule_fires_nothing(store: Store) -> None:
    scheduled = rule("nightly", schedule_expression="rate(1 hour)")

    async def body() -> None:
        await store.create_bus(bus("default"))
        assert not await store.append_scheduled_event(
            scheduled.arn, TICK, record("e1"), forget_before=FORGET
        )
        await store.put_rule(replace(scheduled, state=RuleState.DISABLED))
        assert not await store.append_scheduled_event(
            scheduled.arn, TICK, record("e1"), forget_before=FORGET
        )
        assert await store.count_events() == 0
        await store.put_rule(scheduled)
        assert await store.append_scheduled_event(
            scheduled.arn, TICK, record("e1"), forget_before=FORGET
        )

    run(store, body)


def test_fire_records_are_per_rule(store: Store) -> None:
    one = rule("one", schedule_expression="rate(1 hour)")
    two = rule("two", schedule_expression="rate(1 hour)")

    async def body() -> None:
        await store.create_bus(bus("default"))
        await store.put_rule(one)
        await store.put_rule(two)
        assert await store.append_scheduled_event(one.arn, TICK, record("e1"), forget_before=FORGET)
        assert await store.append_scheduled_event(two.arn, TICK, record("e2"), forget_before=FORGET)

    run(store, body)


def test_deleting_the_rule_deletes_its_fire_records(store: Store) -> None:
    scheduled = rule("nightly", schedule_expression="rate(1 hour)")

    async def body() -> None:
        await store.create_bus(bus("default"))
        await store.put_rule(scheduled)
        assert await store.append_scheduled_event(
            scheduled.arn, TICK, record("e1"), forget_before=FORGET
        )
        await store.delete_rule(scheduled.arn)
        await store.put_rule(scheduled)  # a new rule of the same name and ARN
        assert await store.append_scheduled_event(
            scheduled.arn, TICK, record("e2"), forget_before=FORGET
        )

    run(store, body)


def test_old_fire_records_are_forgotten_as_new_ticks_fire(store: Store) -> None:
    scheduled = rule("nightly", schedule_expression="rate(1 hour)")
    later = TICK + timedelta(hours=2)

    async def body() -> None:
        await store.create_bus(bus("default"))
        await store.put_rule(scheduled)
        assert await store.append_scheduled_event(
            scheduled.arn, TICK, record("e1"), forget_before=FORGET
        )
        assert await store.append_scheduled_event(
            scheduled.arn, later, record("e2"), forget_before=TICK + timedelta(hours=1)
        )
        # TICK's record is gone (only a node hours late would try it again) ...
        assert await store.append_scheduled_event(
            scheduled.arn, TICK, record("e3"), forget_before=FORGET
        )
        # ... while the tick that forgot it is remembered.
        assert not await store.append_scheduled_event(
            scheduled.arn, later, record("e4"), forget_before=FORGET
        )

    run(store, body)


def test_a_fire_never_forgets_its_own_tick_and_wants_aware_times(store: Store) -> None:
    scheduled = rule("nightly", schedule_expression="rate(1 hour)")

    async def body() -> None:
        await store.create_bus(bus("default"))
        await store.put_rule(scheduled)
        with pytest.raises(ValueError, match="own tick"):
            await store.append_scheduled_event(
                scheduled.arn, TICK, record("e1"), forget_before=TICK + timedelta(seconds=1)
            )
        with pytest.raises(ValueError, match="timezone"):
            await store.append_scheduled_event(
                scheduled.arn, datetime(2024, 1, 1), record("e1"), forget_before=FORGET
            )
        assert await store.count_events() == 0
        assert await store.append_scheduled_event(
            scheduled.arn, TICK, record("e1"), forget_before=TICK
        )

    run(store, body)


def test_a_fire_whose_event_cannot_be_stored_leaves_no_record(store: Store) -> None:
    scheduled = rule("nightly", schedule_expression="rate(1 hour)")

    async def body() -> None:
        await store.create_bus(bus("default"))
        await store.put_rule(scheduled)
        await store.append_events([record("e1")])
        with pytest.raises(ValueError, match="already stored"):
            await store.append_scheduled_event(
                scheduled.arn, TICK, record("e1"), forget_before=FORGET
            )
        assert await store.append_scheduled_event(
            scheduled.arn, TICK, record("e2"), forget_before=FORGET
        )

    run(store, body)
