"""A schedule service and firing service on in-memory stores, driven by a FakeClock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from busway.clock import FakeClock
from busway.model import Event, Scope
from busway.service.schedules import ScheduleService, ScheduleSpec
from busway.service.schedules_firing import RandomSource, ScheduleFiring
from busway.store import Store
from busway.store.memory import MemoryStore
from busway.store.memory.schedules import MemoryScheduleStore
from busway.store.schedules import ScheduleStore, ScheduleTarget

SCOPE = Scope("123456789012", "us-east-1")
QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"
ROLE = "arn:aws:iam::123456789012:role/scheduler"


def spec(name: str = "s", expression: str = "rate(5 minutes)", **fields: Any) -> ScheduleSpec:
    target = fields.pop("target", ScheduleTarget(QUEUE, ROLE, input='{"n": 1}'))
    values: dict[str, Any] = {"group_name": "default", "timezone": "UTC", **fields}
    return ScheduleSpec(name=name, expression=expression, target=target, **values)


class FixedRandom(RandomSource):
    """Always the same fraction of the window: 0.0 is its start, 1.0 its end."""

    def __init__(self, fraction: float) -> None:
        self.fraction = fraction

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.fraction


@dataclass
class Rig:
    clock: FakeClock
    outbox: Store
    store: ScheduleStore
    firing: ScheduleFiring
    service: ScheduleService
    wakes: list[datetime] = field(default_factory=list)

    async def events(self) -> list[Event]:
        """Every invocation in the outbox so far, by scheduled time (claimed to read them)."""
        far = datetime(9999, 1, 1, tzinfo=UTC)
        claimed = await self.outbox.claim_deliveries(far, far + timedelta(seconds=1), 10_000)
        self.seen.extend(delivery.event for delivery in claimed)
        return sorted(self.seen, key=lambda event: (event.time, event.ingested_at))

    seen: list[Event] = field(default_factory=list)

    async def run_until(self, until: datetime) -> None:
        """Let time pass to ``until``, firing everything due on the way at its due time."""
        while True:
            due = self.firing.next_due_at()
            if due is None or due > until:
                break
            if due > self.clock.now():
                self.clock.advance(due - self.clock.now())
            await self.firing.fire_due()
        if until > self.clock.now():
            self.clock.advance(until - self.clock.now())
        await self.firing.fire_due()


def make_rig(
    start: datetime,
    *,
    outbox: Store | None = None,
    store: ScheduleStore | None = None,
    rng: RandomSource | None = None,
    clock: FakeClock | None = None,
) -> Rig:
    clock = clock or FakeClock(start)
    outbox = outbox or MemoryStore()
    store = store or MemoryScheduleStore(outbox)
    rig_ref: list[Rig] = []
    firing = ScheduleFiring(
        store,
        clock,
        rng=rng or FixedRandom(0.0),
        on_fired=lambda: rig_ref[0].wakes.append(clock.now()),
    )
    service = ScheduleService(store, clock, listener=firing)
    rig = Rig(clock, outbox, store, firing, service)
    rig_ref.append(rig)
    return rig


def run(body: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(body())
