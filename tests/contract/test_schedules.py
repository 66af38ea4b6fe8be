"""The ``ScheduleStore`` contract, held by the in-memory store and SQLite (a real file)."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from busway.errors import ResourceNotFound
from busway.model import Delivery, Event, IngestRecord, RetryPolicy, Scope, Target
from busway.store import Store
from busway.store.memory import MemoryStore
from busway.store.memory.schedules import MemoryScheduleStore
from busway.store.schedules import (
    EventBridgeTarget,
    Schedule,
    ScheduleFire,
    ScheduleGroup,
    ScheduleState,
    ScheduleStore,
    ScheduleTarget,
)
from busway.store.sqlite import SqliteStore
from busway.store.sqlite.schedules import SqliteScheduleStore

SCOPE = Scope("123456789012", "us-east-1")
OTHER = Scope("210987654321", "eu-west-1")
T0 = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


@dataclass
class Stores:
    schedules: ScheduleStore
    outbox: Store


Body = Callable[[Stores], Awaitable[None]]


@asynccontextmanager
async def _memory(_: pathlib.Path) -> AsyncIterator[Stores]:
    outbox = MemoryStore()
    yield Stores(MemoryScheduleStore(outbox), outbox)


@asynccontextmanager
async def _sqlite(tmp_path: pathlib.Path) -> AsyncIterator[Stores]:
    outbox = SqliteStore(tmp_path / "busway.db")
    await outbox.open()
    try:
        yield Stores(SqliteScheduleStore(outbox.database), outbox)
    finally:
        await outbox.close()


_STORES = {"memory": _memory, "sqlite": _sqlite}


@pytest.fixture(params=sorted(_STORES))
def run(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Callable[[Body], None]:
    def runner(body: Body) -> None:
        async def main() -> None:
            async with _STORES[request.param](tmp_path) as stores:
                await body(stores)

        asyncio.run(main())

    return runner


def group(name: str, scope: Scope = SCOPE) -> ScheduleGroup:
    arn = f"arn:aws:scheduler:{scope.region}:{scope.account}:schedule-group/{name}"
    return ScheduleGroup(scope, name, arn, T0, T0)


def schedule(
    name: str, group_name: str = "default", scope: Scope = SCOPE, **fields: object
) -> Schedule:
    arn = f"arn:aws:scheduler:{scope.region}:{scope.account}:schedule/{group_name}/{name}"
    made = Schedule(
        scope=scope,
        group_name=group_name,
        name=name,
        arn=arn,
        expression="rate(5 minutes)",
        timezone="UTC",
        target=ScheduleTarget("arn:aws:sqs:us-east-1:123456789012:q", "arn:aws:iam::1:role/r"),
        created_at=T0,
        modified_at=T0,
    )
    return replace(made, **fields)  # type: ignore[arg-type]


def fire_of(item: Schedule, tick: datetime, event_id: str) -> tuple[ScheduleFire, IngestRecord]:
    target = Target("schedule", item.target.arn)
    event = Event(
        id=event_id,
        scope=item.scope,
        bus_name="aws.scheduler",
        source="aws.scheduler",
        detail_type="Scheduled Invocation",
        time=tick,
        ingested_at=tick,
        body=b'{"n":1}',
        resources=(item.arn,),
    )
    record = IngestRecord(event, (Delivery(event_id, item.arn, "schedule", tick),))
    return ScheduleFire(item.arn, tick, tick, event_id, target), record


def test_groups_are_created_once_listed_by_name_and_scoped(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        assert await store.create_group(group("b"))
        assert await store.create_group(group("a"))
        assert not await store.create_group(replace(group("a"), modified_at=T0 + timedelta(1)))
        assert await store.create_group(group("a", OTHER))
        assert await store.get_group(SCOPE, "a") == group("a")
        assert await store.get_group(SCOPE, "zz") is None
        assert [g.name for g in await store.list_groups(SCOPE)] == ["a", "b"]
        assert [g.name for g in await store.list_groups(SCOPE, after="a")] == ["b"]
        assert [g.name for g in await store.list_groups(SCOPE, prefix="b")] == ["b"]
        assert [g.name for g in await store.list_groups(SCOPE, limit=1)] == ["a"]
        assert await store.list_groups(SCOPE, limit=0) == []
        assert await store.count_groups(SCOPE) == 2
        assert await store.count_groups(OTHER) == 1

    run(body)


def test_schedules_round_trip_every_field(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        await store.create_group(group("default"))
        full = schedule(
            "full",
            expression="cron(0 9 ? * MON-FRI *)",
            timezone="Europe/Berlin",
            state=ScheduleState.DISABLED,
            flexible_window_minutes=15,
            start_date=T0,
            end_date=T0 + timedelta(days=30),
            description="weekday mornings",
            kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k",
            delete_after_completion=True,
            target=ScheduleTarget(
                arn="arn:aws:events:us-east-1:123456789012:event-bus/b",
                role_arn="arn:aws:iam::123456789012:role/r",
                input='{"big": 123456789012345678901234567890}',
                retry_policy=RetryPolicy(3, 120),
                dead_letter_arn="arn:aws:sqs:us-east-1:123456789012:dlq",
                sqs_message_group_id="g",
                event_bridge=EventBridgeTarget("my.app", "Tick"),
                other_parameters={"KinesisParameters": {"PartitionKey": "k"}},
            ),
        )
        assert await store.create_schedule(full)
        assert await store.get_schedule(SCOPE, "default", "full") == full
        assert await store.all_schedules() == [full]

    run(body)


def test_create_schedule_needs_its_group_and_a_free_name(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        with pytest.raises(ResourceNotFound):
            await store.create_schedule(schedule("s", "nope"))
        await store.create_group(group("default"))
        assert await store.create_schedule(schedule("s"))
        assert not await store.create_schedule(schedule("s", expression="rate(1 hour)"))
        stored = await store.get_schedule(SCOPE, "default", "s")
        assert stored is not None
        assert stored.expression == "rate(5 minutes)"
        assert await store.count_schedules(SCOPE) == 1
        assert await store.count_schedules(OTHER) == 0

    run(body)


def test_update_replaces_an_existing_schedule_only(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        await store.create_group(group("default"))
        assert not await store.update_schedule(schedule("s"))
        await store.create_schedule(schedule("s", description="old"))
        changed = schedule("s", state=ScheduleState.DISABLED)
        assert await store.update_schedule(changed)
        assert await store.get_schedule(SCOPE, "default", "s") == changed
        listed = await store.list_schedules(SCOPE, state=ScheduleState.DISABLED)
        assert listed == [changed]

    run(body)


def test_schedules_list_by_group_then_name_with_filters(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        for name in ("default", "g2"):
            await store.create_group(group(name))
        await store.create_group(group("default", OTHER))
        for group_name, name in (("g2", "a"), ("default", "b"), ("default", "a"), ("g2", "c")):
            await store.create_schedule(schedule(name, group_name))
        await store.create_schedule(schedule("a", "default", OTHER))
        await store.create_schedule(schedule("d", state=ScheduleState.DISABLED))

        async def keys(**filters: object) -> list[tuple[str, str]]:
            found = await store.list_schedules(SCOPE, **filters)  # type: ignore[arg-type]
            return [s.key for s in found]

        everything = [
            ("default", "a"),
            ("default", "b"),
            ("default", "d"),
            ("g2", "a"),
            ("g2", "c"),
        ]
        assert await keys() == everything
        assert await keys(group="g2") == [("g2", "a"), ("g2", "c")]
        assert await keys(prefix="a") == [("default", "a"), ("g2", "a")]
        assert await keys(state=ScheduleState.ENABLED) == [k for k in everything if k[1] != "d"]
        assert await keys(state=ScheduleState.DISABLED) == [("default", "d")]
        assert await keys(after=("default", "d"), limit=1) == [("g2", "a")]
        assert await keys(limit=0) == []

    run(body)


def test_deleting_a_group_deletes_its_schedules_and_tags(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        for name in ("default", "g"):
            await store.create_group(group(name))
        await store.create_schedule(schedule("a", "g"))
        await store.create_schedule(schedule("b", "g"))
        await store.create_schedule(schedule("a"))
        await store.tag(group("g").arn, {"team": "x", "env": "dev"})
        deleted = await store.delete_group(SCOPE, "g")
        assert deleted == sorted([schedule("a", "g").arn, schedule("b", "g").arn])
        assert await store.get_group(SCOPE, "g") is None
        assert await store.list_schedules(SCOPE, group="g") == []
        assert await store.get_tags(group("g").arn) == {}
        assert [s.key for s in await store.list_schedules(SCOPE)] == [("default", "a")]
        assert await store.delete_group(SCOPE, "g") == []

    run(body)


def test_tags_are_added_overwritten_and_removed(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        arn = group("g").arn
        await store.tag(arn, {"b": "1", "a": "2"})
        await store.tag(arn, {"b": "3"})
        assert await store.get_tags(arn) == {"a": "2", "b": "3"}
        await store.untag(arn, ["a", "missing"])
        assert await store.get_tags(arn) == {"b": "3"}

    run(body)


def test_delete_schedule_says_whether_there_was_one(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        await store.create_group(group("default"))
        await store.create_schedule(schedule("s"))
        assert await store.delete_schedule(SCOPE, "default", "s")
        assert not await store.delete_schedule(SCOPE, "default", "s")
        assert await store.get_schedule(SCOPE, "default", "s") is None

    run(body)


def test_a_tick_fires_once_with_its_event_and_delivery(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        await store.create_group(group("default"))
        item = schedule("s")
        await store.create_schedule(item)
        fire, record = fire_of(item, T0, "e-1")
        assert await store.fire(fire, record)
        again, second = fire_of(item, T0, "e-2")
        assert not await store.fire(again, second)
        assert await stores.outbox.get_event("e-1") is not None
        assert await stores.outbox.get_event("e-2") is None
        [delivery] = await stores.outbox.list_deliveries("e-1")
        assert (delivery.rule_arn, delivery.target_id) == (item.arn, "schedule")
        assert await store.get_schedule(SCOPE, "default", "s") == item
        later, third = fire_of(item, T0 + timedelta(minutes=5), "e-3")
        assert await store.fire(later, third)

    run(body)


def test_the_last_fire_can_delete_its_schedule(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        await store.create_group(group("default"))
        item = schedule("once", expression="at(2024-05-06T07:08:09)")
        await store.create_schedule(item)
        fire, record = fire_of(item, T0, "e-1")
        assert await store.fire(fire, record, delete_schedule=True)
        assert await store.get_schedule(SCOPE, "default", "once") is None
        assert await stores.outbox.get_event("e-1") is not None

    run(body)


def test_pending_fire_targets_follow_the_outbox(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        await store.create_group(group("default"))
        item = schedule("s")
        await store.create_schedule(item)
        fire, record = fire_of(item, T0, "e-1")
        await store.fire(fire, record)
        assert await store.pending_fire_targets() == {}  # a live schedule resolves by itself
        await store.delete_schedule(SCOPE, "default", "s")
        assert await store.pending_fire_targets() == {item.arn: fire.target}
        claimed = await stores.outbox.claim_deliveries(
            T0 + timedelta(seconds=1), T0 + timedelta(minutes=1), 10
        )
        await stores.outbox.complete_deliveries([c.id for c in claimed])
        assert await store.pending_fire_targets() == {}

    run(body)


def test_pruning_forgets_old_fires_only(run: Callable[[Body], None]) -> None:
    async def body(stores: Stores) -> None:
        store = stores.schedules
        await store.create_group(group("default"))
        item = schedule("s")
        await store.create_schedule(item)
        for index in range(3):
            fire, record = fire_of(item, T0 + timedelta(minutes=5 * index), f"e-{index}")
            await store.fire(fire, record)
        assert await store.prune_fires(T0 + timedelta(minutes=10)) == 2
        # A pruned key can be taken again; a kept one cannot.
        fire, record = fire_of(item, T0 + timedelta(minutes=10), "e-x")
        assert not await store.fire(fire, record)
        fire, record = fire_of(item, T0, "e-y")
        assert await store.fire(fire, record)

    run(body)
