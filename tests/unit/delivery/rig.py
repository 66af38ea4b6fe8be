"""A Dispatcher wired to in-memory parts: a store, one rule, recording targets and queues."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from busway.arns import rule_arn
from busway.clock import FakeClock
from busway.config import Settings
from busway.delivery.dispatcher import Dispatcher
from busway.delivery.target import DeliveryTarget, TargetKind
from busway.model import Rule, RuleState, Scope, Target
from busway.service.ingest import EntryInput, IngestService
from busway.service.routing import RoutingTable
from busway.store import Store
from busway.store.memory import MemoryStore
from tests.support.targets import RecordingQueues, RecordingTarget, eventually

SCOPE = Scope("123456789012", "us-east-1")
T0 = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"
RULE = Rule(
    scope=SCOPE,
    bus_name="default",
    name="orders",
    arn=rule_arn(SCOPE, "default", "orders"),
    state=RuleState.ENABLED,
    created_at=T0,
    created_by=SCOPE.account,
    event_pattern='{"source": ["shop"]}',
)
# A long poll: deliveries that start within a test's few seconds were started by wake().
SETTINGS = Settings(dispatch_poll_seconds=30.0)
# Longer than any backoff wait (640 s at most): advancing by it makes every retry due.
PAST_ANY_RETRY = timedelta(seconds=700)


@dataclass
class Rig:
    target: RecordingTarget = field(default_factory=RecordingTarget)
    settings: Settings = SETTINGS
    store: Store = field(default_factory=MemoryStore)
    clock: FakeClock = field(default_factory=lambda: FakeClock(T0))
    routing: RoutingTable = field(default_factory=RoutingTable)
    queues: RecordingQueues = field(default_factory=lambda: RecordingQueues([DLQ_ARN]))
    drain_seconds: float = 5.0
    targets: dict[TargetKind, DeliveryTarget] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.targets.setdefault(TargetKind.QUEUE, self.target)
        self.dispatcher = Dispatcher(
            self.store,
            self.routing,
            self.targets,
            self.queues,
            self.clock,
            self.settings,
            _SeededJitter(),
            drain_seconds=self.drain_seconds,
        )
        self.ingest = IngestService(
            self.store, self.routing, self.clock, self.settings, dispatch=self.dispatcher
        )
        self.routing.put_rule(RULE)
        self.set_targets(Target("t1", QUEUE_ARN, dead_letter_arn=DLQ_ARN))

    def set_targets(self, *targets: Target) -> None:
        self.routing.set_targets(RULE, targets)

    async def put(self, count: int = 1, *, detail: str = '{"n": 1}') -> list[str]:
        """Put ``count`` events from ``shop`` (which the rule matches); their ids."""
        entry = EntryInput(source="shop", detail_type="OrderPlaced", detail=detail)
        results = await self.ingest.put_events(SCOPE, [entry] * count)
        return [result.event_id for result in results if result.event_id is not None]

    async def settled(self) -> None:
        """Wait until nothing is claimed and unsettled."""
        await eventually(lambda: self.dispatcher.in_flight == 0)

    async def retry_all(self) -> None:
        """Let the scheduled retries fall due and tell the dispatcher."""
        await self.settled()
        self.clock.advance(PAST_ANY_RETRY)
        self.dispatcher.wake()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Dispatcher]:
        await self.dispatcher.start()
        try:
            yield self.dispatcher
        finally:
            await self.dispatcher.stop()


class _SeededJitter:
    """Jitter at its midpoint: waits in tests are predictable."""

    def random(self) -> float:
        return 0.5


def run(rig: Rig, body: Callable[[], Awaitable[None]]) -> None:
    """Open the rig's store around the body, in one event loop."""

    async def main() -> None:
        await rig.store.open()
        try:
            await body()
        finally:
            await rig.store.close()

    asyncio.run(main())
