"""Service behaviour the API tests do not reach easily: default bus, scans across store pages."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

import pytest

from busway.clock import FakeClock
from busway.config import Settings
from busway.errors import LimitExceeded
from busway.model import Scope, Target
from busway.service.buses import BusService, bus_name_of
from busway.service.routing import RoutingTable
from busway.service.rules import RuleService
from busway.service.targets import TargetService
from busway.store.memory import MemoryStore

T = TypeVar("T")
SCOPE = Scope("123456789012", "us-east-1")
QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"


def run(awaitable: Awaitable[T]) -> T:
    async def wait() -> T:
        return await awaitable

    return asyncio.run(wait())


def services(settings: Settings | None = None) -> tuple[BusService, RuleService, TargetService]:
    store, routing, clock = MemoryStore(), RoutingTable(), FakeClock()
    chosen = settings or Settings()
    return (
        BusService(store, routing, clock),
        RuleService(store, routing, clock, chosen),
        TargetService(store, routing, clock, chosen),
    )


def test_bus_name_of_takes_the_name_from_any_bus_arn() -> None:
    assert bus_name_of("orders") == "orders"
    assert bus_name_of("arn:aws:events:us-east-1:123456789012:event-bus/orders") == "orders"
    # Another account's or region's ARN: the name counts, looked up in the caller's scope.
    assert bus_name_of("arn:aws-cn:events:cn-north-1:999999999999:event-bus/x") == "x"


def test_default_bus_is_stored_once() -> None:
    store, routing, clock = MemoryStore(), RoutingTable(), FakeClock()
    buses = BusService(store, routing, clock)
    first = run(buses.ensure_default(SCOPE))
    clock.advance(timedelta(days=1))
    assert run(buses.ensure_default(SCOPE)) == first
    assert run(store.get_bus(SCOPE, "default")) == first
    assert routing.has_bus(SCOPE, "default")


def test_rule_names_by_target_scans_past_one_store_page() -> None:
    _, rules, targets = services()
    for index in range(130):
        name = f"rule-{index:03}"
        run(rules.put(SCOPE, name, event_pattern='{"source": ["a"]}'))
        if index % 10 == 9:
            run(targets.put(SCOPE, name, [Target(id="t", arn=QUEUE)]))
    first = run(rules.names_by_target(SCOPE, QUEUE, limit=10))
    assert first.items == [f"rule-{index:03}" for index in range(9, 100, 10)]
    second = run(rules.names_by_target(SCOPE, QUEUE, limit=10, next_token=first.next_token))
    assert second.items == ["rule-109", "rule-119", "rule-129"]
    assert second.next_token is None


def test_wildcard_quota_counts_across_store_pages() -> None:
    _, rules, _ = services(Settings(max_wildcard_rules_per_bus=2))
    for index in range(120):
        run(rules.put(SCOPE, f"plain-{index:03}", event_pattern='{"source": ["a"]}'))
    wildcard = '{"source": [{"anything-but": {"wildcard": "a*"}}]}'
    run(rules.put(SCOPE, "w1", event_pattern=wildcard))
    run(rules.put(SCOPE, "w2", event_pattern='{"detail": {"x": [{"wildcard": "*z"}]}}'))
    with pytest.raises(LimitExceeded, match=r"^The requested resource exceeds the maximum"):
        run(rules.put(SCOPE, "w3", event_pattern=wildcard))
