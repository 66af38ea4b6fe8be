"""An IngestService wired to in-memory parts: MemoryStore, a RoutingTable, a FakeClock."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from busway.arns import rule_arn
from busway.clock import FakeClock
from busway.config import Settings
from busway.model import Delivery, Event, Rule, RuleState, Scope, Target
from busway.service.ingest import EntryInput, EntryResult, IngestService
from busway.service.routing import RoutingTable
from busway.store.memory import MemoryStore

SCOPE = Scope("123456789012", "us-east-1")
# Microseconds on purpose: the envelope must drop them.
NOW = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
NOW_TEXT = "2024-01-02T03:04:05Z"


class FixedIds:
    """Event ids 00000000-0000-4000-8000-000000000001, ...002, ... in order."""

    def __init__(self) -> None:
        self.issued = 0

    def __call__(self, now: datetime) -> str:
        self.issued += 1
        return f"00000000-0000-4000-8000-{self.issued:012d}"


def event_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


@dataclass
class Harness:
    store: MemoryStore = field(default_factory=MemoryStore)
    routing: RoutingTable = field(default_factory=RoutingTable)
    clock: FakeClock = field(default_factory=lambda: FakeClock(NOW))
    ids: FixedIds = field(default_factory=FixedIds)
    settings: Settings = field(default_factory=Settings)

    @property
    def service(self) -> IngestService:
        return IngestService(self.store, self.routing, self.clock, self.settings, self.ids)

    def put(self, *entries: EntryInput, scope: Scope = SCOPE) -> list[EntryResult]:
        return asyncio.run(self.service.put_events(scope, entries))

    def event(self, event_id: str) -> Event | None:
        return asyncio.run(self.store.get_event(event_id))

    def count(self) -> int:
        return asyncio.run(self.store.count_events())

    def deliveries(self, event_id: str) -> list[Delivery]:
        return asyncio.run(self.store.list_deliveries(event_id))

    def add_rule(
        self,
        name: str,
        pattern: str,
        target_ids: Sequence[str] = ("t1",),
        *,
        bus: str = "default",
        target_arn: str = "arn:aws:sqs:us-east-1:123456789012:q",
        state: RuleState = RuleState.ENABLED,
    ) -> Rule:
        rule = Rule(
            scope=SCOPE,
            bus_name=bus,
            name=name,
            arn=rule_arn(SCOPE, bus, name),
            state=state,
            created_at=NOW,
            created_by=SCOPE.account,
            event_pattern=pattern,
        )
        self.routing.put_rule(rule)
        self.routing.set_targets(rule, [Target(id=t, arn=target_arn) for t in target_ids])
        return rule


def entry(**members: Any) -> EntryInput:
    """A valid entry unless ``members`` says otherwise."""
    values: dict[str, Any] = {
        "source": "my.app",
        "detail_type": "Order Placed",
        "detail": '{"order":1}',
    }
    values.update(members)
    return EntryInput(**values)
