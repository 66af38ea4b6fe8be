"""RuleScheduleService with a FakeClock: when ticks fire, what they emit, exactly once."""

from __future__ import annotations

import asyncio
import json
import pathlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from busway.clock import FakeClock
from busway.config import Settings
from busway.model import Event, IngestRecord, Rule, RuleState, Scope, Target
from busway.service.ingest import EntryInput, IngestService
from busway.service.routing import RoutingTable
from busway.service.rule_schedules import GRACE, RuleScheduleService
from busway.service.rules import RuleService
from busway.service.targets import TargetService
from busway.store import Store
from busway.store.memory import MemoryStore
from busway.store.protocol import ClaimedDelivery
from busway.store.sqlite import SqliteStore

SCOPE = Scope("111122223333", "eu-west-1")
START = datetime(2024, 5, 1, 11, 58, 30, tzinfo=UTC)
QUEUE = "arn:aws:sqs:eu-west-1:111122223333:q"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class Ids:
    """Event ids e-1, e-2, ... in the order they are issued (fired or not)."""

    def __init__(self, prefix: str = "e") -> None:
        self.prefix = prefix
        self.issued: list[str] = []

    def __call__(self, now: datetime) -> str:
        self.issued.append(f"{self.prefix}-{len(self.issued) + 1}")
        return self.issued[-1]


class Handoff:
    """The dispatcher as the service sees it: only ``wake`` is used."""

    def __init__(self) -> None:
        self.wakes = 0

    def reserve(self, count: int) -> datetime | None:
        return None

    def accept(self, claimed: Sequence[ClaimedDelivery]) -> None:
        raise AssertionError("nothing was reserved")

    def unreserve(self, count: int) -> None:
        raise AssertionError("nothing was reserved")

    def wake(self) -> None:
        self.wakes += 1


@dataclass
class Rig:
    """A node's worth of rule services over one store, as ``busway.node`` wires them."""

    store: Store
    clock: FakeClock = field(default_factory=lambda: FakeClock(START))
    ids: Ids = field(default_factory=Ids)
    handoff: Handoff = field(default_factory=Handoff)

    def __post_init__(self) -> None:
        settings = Settings()
        self.routing = RoutingTable()
        self.rules = RuleService(self.store, self.routing, self.clock, settings)
        self.targets = TargetService(self.store, self.routing, self.clock, settings)
        self.ingest = IngestService(self.store, self.routing, self.clock, settings)
        self.service = RuleScheduleService(
            self.store, self.routing, self.clock, dispatch=self.handoff, id_factory=self.ids
        )

    async def load(self) -> None:
        """What a node does at start-up: the routing table from the store."""
        self.routing.load(
            await self.store.all_buses(),
            await self.store.all_rules(),
            await self.store.all_targets(),
        )

    async def rule(self, name: str, schedule: str, *targets: str, **fields: Any) -> str:
        rule = await self.rules.put(SCOPE, name, schedule_expression=schedule, **fields)
        if targets:
            await self.targets.put(SCOPE, name, [Target(target_id, QUEUE) for target_id in targets])
        return rule.arn

    async def fire_at(self, moment: datetime) -> int:
        self.clock.advance(moment - self.clock.now())
        return await self.service.fire_due()

    async def fired(self) -> list[Event]:
        """The events the service stored, in the order their ids were issued."""
        found = [await self.store.get_event(event_id) for event_id in self.ids.issued]
        return [event for event in found if event is not None]

    async def ticks(self) -> list[datetime]:
        return [event.time for event in await self.fired()]


def run(store: Store, body: Callable[[Rig], Awaitable[None]]) -> None:
    async def main() -> None:
        await store.open()
        try:
            await body(Rig(store))
        finally:
            await store.close()

    asyncio.run(main())


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Store:
    if request.param == "memory":
        return MemoryStore()
    return SqliteStore(tmp_path / "busway.db")


def test_a_cron_rule_fires_at_the_start_of_each_selected_minute(store: Store) -> None:
    async def body(rig: Rig) -> None:
        await rig.rule("every-minute", "cron(* * * * ? *)", "t1")
        assert await rig.fire_at(START) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 11, 58, 59, 999999)) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 1
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59, 40)) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 12, 0, 0, 300000)) == 1
        assert await rig.ticks() == [utc(2024, 5, 1, 11, 59), utc(2024, 5, 1, 12, 0)]

    run(store, body)


def test_the_scheduled_event_goes_to_the_rules_targets(store: Store) -> None:
    async def body(rig: Rig) -> None:
        arn = await rig.rule("nightly", "cron(0 0 * * ? *)", "t1", "t2")
        assert await rig.fire_at(utc(2024, 5, 2, 0, 0, 0, 250000)) == 1
        [event] = await rig.fired()
        assert json.loads(event.body) == {
            "version": "0",
            "id": "e-1",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "111122223333",
            "time": "2024-05-02T00:00:00Z",
            "region": "eu-west-1",
            "resources": [arn],
            "detail": {},
        }
        # AWS's key order (spec 2.1), as PutEvents' envelopes have it
        assert list(json.loads(event.body)) == [
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail",
        ]
        assert (event.source, event.detail_type, event.bus_name) == (
            "aws.events",
            "Scheduled Event",
            "default",
        )
        assert (event.scope, event.resources, event.time) == (SCOPE, (arn,), utc(2024, 5, 2))
        assert event.ingested_at == utc(2024, 5, 2, 0, 0, 0, 250000)
        deliveries = await rig.store.list_deliveries("e-1")
        assert [(d.rule_arn, d.target_id) for d in deliveries] == [(arn, "t1"), (arn, "t2")]
        assert all(d.due_at == event.ingested_at for d in deliveries)
        assert rig.handoff.wakes == 1

    run(store, body)


def test_a_rule_without_targets_still_fires_but_wakes_nobody(store: Store) -> None:
    async def body(rig: Rig) -> None:
        await rig.rule("lonely", "rate(1 minute)")
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 1
        assert await rig.store.list_deliveries("e-1") == []
        assert rig.handoff.wakes == 0

    run(store, body)


def test_rate_counts_from_the_minute_of_creation(store: Store) -> None:
    async def body(rig: Rig) -> None:
        rig.clock.advance(utc(2024, 5, 1, 10, 7, 42) - START)
        await rig.rule("five", "rate(5 minutes)", "t")
        assert await rig.service.fire_due() == 0
        # 10:07 + 5 minutes: 4 min 18 s after creation, at the start of a minute
        assert rig.service.next_tick() == utc(2024, 5, 1, 10, 12)
        assert rig.service.seconds_until_next() == 60  # at most a minute, for clock changes
        assert await rig.fire_at(utc(2024, 5, 1, 10, 10)) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 10, 11, 30)) == 0
        assert rig.service.seconds_until_next() == pytest.approx(30, abs=0.01)
        assert await rig.fire_at(utc(2024, 5, 1, 10, 12, 0, 500)) == 1
        assert await rig.fire_at(utc(2024, 5, 1, 10, 16, 59)) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 10, 17, 0, 800000)) == 1
        assert await rig.ticks() == [utc(2024, 5, 1, 10, 12), utc(2024, 5, 1, 10, 17)]

    run(store, body)


def test_rate_keeps_counting_from_creation_when_the_rule_is_replaced(store: Store) -> None:
    async def body(rig: Rig) -> None:
        rig.clock.advance(utc(2024, 5, 1, 10, 0, 30) - START)
        await rig.rule("hourly", "rate(1 hour)", "t")
        rig.clock.advance(timedelta(minutes=20))
        await rig.rule("hourly", "rate(1 hour)", "t", description="changed")
        await rig.rule("hourly", "rate(2 hours)", "t")
        assert await rig.fire_at(utc(2024, 5, 1, 11, 0)) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 12, 0)) == 1

    run(store, body)


def test_disabled_rules_do_not_fire_and_enabling_skips_the_ticks_missed(store: Store) -> None:
    async def body(rig: Rig) -> None:
        await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        await rig.rules.disable(SCOPE, "every-minute")
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 12, 0)) == 0
        rig.clock.advance(timedelta(seconds=10))
        await rig.rules.enable(SCOPE, "every-minute")
        assert await rig.service.fire_due() == 0  # 12:00 passed while it was disabled
        assert await rig.fire_at(utc(2024, 5, 1, 12, 1)) == 1
        assert await rig.ticks() == [utc(2024, 5, 1, 12, 1)]

    run(store, body)


def test_a_rule_disabled_elsewhere_is_not_fired_by_a_stale_view(store: Store) -> None:
    """Another node disabled the rule: the store refuses the fire this node still plans."""

    async def body(rig: Rig) -> None:
        arn = await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        await rig.service.fire_due()
        rule = await rig.store.get_rule(SCOPE, "default", "every-minute")
        assert rule is not None
        await rig.store.put_rule(replace(rule, state=RuleState.DISABLED))  # not via routing
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 0
        assert await rig.fired() == []
        assert arn

    run(store, body)


def test_a_deleted_rule_stops_firing(store: Store) -> None:
    async def body(rig: Rig) -> None:
        await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 1
        await rig.targets.remove(SCOPE, "every-minute", ["t"])
        await rig.rules.delete(SCOPE, "every-minute")
        assert await rig.fire_at(utc(2024, 5, 1, 12, 0)) == 0
        assert rig.service.next_tick() is None

    run(store, body)


def test_a_rule_put_while_running_starts_with_the_next_tick(store: Store) -> None:
    async def body(rig: Rig) -> None:
        await rig.service.fire_due()
        rig.clock.advance(utc(2024, 5, 1, 12, 0, 30) - START)
        await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        assert await rig.service.fire_due() == 0  # not 12:00, which came before the rule
        assert await rig.fire_at(utc(2024, 5, 1, 12, 1)) == 1

    run(store, body)


def test_changing_the_expression_reschedules(store: Store) -> None:
    async def body(rig: Rig) -> None:
        await rig.rule("r", "cron(0 12 * * ? *)", "t")
        await rig.service.fire_due()
        assert rig.service.next_tick() == utc(2024, 5, 1, 12)
        await rig.rule("r", "cron(30 12 * * ? *)", "t")
        assert await rig.fire_at(utc(2024, 5, 1, 12)) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 12, 30)) == 1

    run(store, body)


def test_missed_ticks_are_not_replayed(store: Store) -> None:
    async def body(rig: Rig) -> None:
        await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        assert await rig.fire_at(utc(2024, 5, 1, 12, 0)) == 1
        # The loop did not run for a while (a suspended machine): 12:01 ... 12:04 are gone.
        assert await rig.fire_at(utc(2024, 5, 1, 12, 5, 30)) == 1
        assert await rig.fire_at(utc(2024, 5, 1, 12, 20)) == 1
        assert await rig.ticks() == [
            utc(2024, 5, 1, 12, 0),
            utc(2024, 5, 1, 12, 5),
            utc(2024, 5, 1, 12, 20),
        ]

    run(store, body)


def test_a_tick_fires_late_only_within_its_minute(store: Store) -> None:
    async def body(rig: Rig) -> None:
        await rig.rule("hourly", "cron(0 * * * ? *)", "t")
        await rig.service.fire_due()
        assert await rig.fire_at(utc(2024, 5, 1, 12, 0) + GRACE) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 13, 0, 59, 999999)) == 1
        assert await rig.ticks() == [utc(2024, 5, 1, 13)]

    run(store, body)


def test_a_failed_write_is_tried_again_within_the_grace() -> None:
    class FlakyStore(MemoryStore):
        failures = 1

        async def append_scheduled_event(
            self, rule_arn: str, tick: datetime, record: IngestRecord, *, forget_before: datetime
        ) -> bool:
            if self.failures:
                self.failures -= 1
                raise OSError("disk full")
            return await super().append_scheduled_event(
                rule_arn, tick, record, forget_before=forget_before
            )

    async def body(rig: Rig) -> None:
        await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 0
        assert rig.service.next_tick() == utc(2024, 5, 1, 11, 59, 1)
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59, 0, 500000)) == 0
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59, 1)) == 1
        assert await rig.ticks() == [utc(2024, 5, 1, 11, 59)]

    run(FlakyStore(), body)


def test_scheduled_events_reach_no_other_rule_and_bus_events_no_schedule_only_rule(
    store: Store,
) -> None:
    async def body(rig: Rig) -> None:
        scheduled = await rig.rule("scheduled", "cron(* * * * ? *)", "t")
        both = await rig.rule(
            "both", "cron(0 0 1 1 ? *)", "t", event_pattern='{"source": ["app.orders"]}'
        )
        await rig.rules.put(SCOPE, "spy", event_pattern='{"source": ["aws.events"]}')
        await rig.targets.put(SCOPE, "spy", [Target("t", QUEUE)])
        spy = "arn:aws:events:eu-west-1:111122223333:rule/spy"

        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 1
        deliveries = await rig.store.list_deliveries("e-1")
        assert [d.rule_arn for d in deliveries] == [scheduled]

        [result] = await rig.ingest.put_events(SCOPE, [EntryInput("app.orders", "Order", "{}")])
        assert result.event_id is not None
        deliveries = await rig.store.list_deliveries(result.event_id)
        assert [d.rule_arn for d in deliveries] == [both]  # not the schedule-only rule
        envelope = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
        routed = rig.routing.route(SCOPE, "default", envelope)
        assert [arn for arn, _ in routed] == [spy]  # the spy would match, were it shown

    run(store, body)


def test_restart_never_double_fires(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "busway.db"
    clock = FakeClock(START)

    async def first_run() -> None:
        store = SqliteStore(path)
        await store.open()
        rig = Rig(store, clock)
        await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59, 0, 200000)) == 1
        await store.close()

    async def second_run(moment: datetime, expected: int) -> None:
        store = SqliteStore(path)
        await store.open()
        rig = Rig(store, clock, Ids(f"restart-{moment.isoformat()}"))
        await rig.load()
        assert await rig.fire_at(moment) == expected
        await store.close()

    asyncio.run(first_run())
    # Restarted within the minute it fired: 11:59 is not fired again.
    asyncio.run(second_run(utc(2024, 5, 1, 11, 59, 20), 0))
    # Down from 11:59:20 to 12:00:10: 12:00 came while it was down, and still fires.
    asyncio.run(second_run(utc(2024, 5, 1, 12, 0, 10), 1))
    # ... once: another restart in that minute finds it fired.
    asyncio.run(second_run(utc(2024, 5, 1, 12, 0, 40), 0))
    # Down for five minutes: only the current minute's tick, none of those missed.
    asyncio.run(second_run(utc(2024, 5, 1, 12, 6, 5), 1))

    async def count() -> int:
        store = SqliteStore(path)
        await store.open()
        try:
            return await store.count_events()
        finally:
            await store.close()

    assert asyncio.run(count()) == 3


def test_two_services_on_one_store_fire_each_tick_once(store: Store) -> None:
    async def body(rig: Rig) -> None:
        await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        other = Rig(rig.store, rig.clock, Ids("other"))
        await other.load()
        for minute in (59, 60, 61):
            moment = utc(2024, 5, 1, 11, 0) + timedelta(minutes=minute, milliseconds=5)
            rig.clock.advance(moment - rig.clock.now())
            counts = await asyncio.gather(rig.service.fire_due(), other.service.fire_due())
            assert sorted(counts) == [0, 1]
        assert await rig.store.count_events() == 3

    run(store, body)


def test_the_loop_sleeps_until_the_tick_and_wakes_on_rule_changes() -> None:
    async def body(rig: Rig) -> None:
        await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        task = asyncio.create_task(rig.service.run())
        try:
            await _until(lambda: rig.service.next_tick() is not None)
            assert rig.service.next_tick() == utc(2024, 5, 1, 11, 59)
            assert rig.service.seconds_until_next() == pytest.approx(30, abs=0.01)
            # The fake clock jumps past the tick; a rule change wakes the sleeping loop.
            rig.clock.advance(timedelta(seconds=30, milliseconds=100))
            await rig.rule("other", "rate(1 day)")
            await _until(lambda: rig.service.next_tick() == utc(2024, 5, 1, 12))
            assert await rig.ticks() == [utc(2024, 5, 1, 11, 59)]
            assert rig.service.seconds_until_next() == pytest.approx(59.9, abs=0.01)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    run(MemoryStore(), body)


async def _until(condition: Callable[[], bool]) -> None:
    """Let the loop run until ``condition`` holds (bounded by the test timeout)."""
    # Polling: the conditions are the service's state, which signals nothing to a test.
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.001)


def test_a_failed_read_of_the_rules_is_tried_again() -> None:
    class FlakyStore(MemoryStore):
        failures = 0

        async def all_rules(self) -> list[Rule]:
            if self.failures:
                self.failures -= 1
                raise OSError("database is locked")
            return await super().all_rules()

    flaky = FlakyStore()

    async def body(rig: Rig) -> None:
        await rig.rule("every-minute", "cron(* * * * ? *)", "t")
        flaky.failures = 1
        with pytest.raises(OSError, match="locked"):
            await rig.service.fire_due()
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 1

    run(flaky, body)


def test_rules_put_after_the_first_read_are_followed_without_reading_every_rule(
    store: Store,
) -> None:
    async def body(rig: Rig) -> None:
        reads = 0
        all_rules = rig.store.all_rules

        async def counted() -> list[Rule]:
            nonlocal reads
            reads += 1
            return await all_rules()

        rig.store.all_rules = counted  # type: ignore[method-assign]
        await rig.fire_at(START)
        for number in range(20):
            await rig.rule(f"r{number}", "cron(* * * * ? *)")
        await rig.rule("r0", "cron(0 0 * * ? *)")  # a changed schedule is followed too
        await rig.rules.disable(SCOPE, "r1")
        await rig.rules.delete(SCOPE, "r2")
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 17
        assert reads == 1

    run(store, body)


def test_a_fired_tick_is_reported_to_telemetry_as_routed(store: Store) -> None:
    class Routed:
        def __init__(self) -> None:
            self.records: list[IngestRecord] = []

        def put_events(self, entries: int, failed_entries: int) -> None:
            raise AssertionError("a tick is no PutEvents request")

        def routed(self, records: Sequence[IngestRecord]) -> None:
            self.records.extend(records)

    async def body(rig: Rig) -> None:
        telemetry = Routed()
        rig.service = RuleScheduleService(
            rig.store, rig.routing, rig.clock, id_factory=rig.ids, telemetry=telemetry
        )
        arn = await rig.rule("every-minute", "cron(* * * * ? *)", "t1")
        assert await rig.fire_at(utc(2024, 5, 1, 11, 59)) == 1
        [record] = telemetry.records
        assert [(d.rule_arn, d.target_id) for d in record.deliveries] == [(arn, "t1")]

    run(store, body)
