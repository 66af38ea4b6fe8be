"""Builders of domain records and a runner for async test bodies (there is no pytest-asyncio)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from busway import arns
from busway.model import Delivery, Event, EventBus, IngestRecord, Rule, RuleState, Scope, Target
from busway.store import Store

SCOPE = Scope("123456789012", "us-east-1")
OTHER_SCOPE = Scope("210987654321", "eu-west-1")
T0 = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def run(store: Store, body: Callable[[], Awaitable[None]]) -> None:
    """Open the store, await the body, close the store, all in one event loop."""

    async def main() -> None:
        await store.open()
        try:
            await body()
        finally:
            await store.close()

    asyncio.run(main())


def bus(name: str, scope: Scope = SCOPE, **fields: Any) -> EventBus:
    made = EventBus(scope, name, arns.bus_arn(scope, name), created_at=T0, modified_at=T0)
    return replace(made, **fields)


def rule(name: str, bus_name: str = "default", scope: Scope = SCOPE, **fields: Any) -> Rule:
    arn = arns.rule_arn(scope, bus_name, name)
    made = Rule(scope, bus_name, name, arn, RuleState.ENABLED, T0, created_by=scope.account)
    return replace(made, **fields)


def target(target_id: str, **fields: Any) -> Target:
    made = Target(target_id, f"arn:aws:sqs:us-east-1:123456789012:{target_id}")
    return replace(made, **fields)


def record(event_id: str, *targets: tuple[str, str], offset_s: int = 0) -> IngestRecord:
    """An event with one delivery per (rule ARN, target id)."""
    at = T0 + timedelta(seconds=offset_s)
    event = Event(
        id=event_id,
        scope=SCOPE,
        bus_name="default",
        source="shop",
        detail_type="OrderPlaced",
        time=at,
        ingested_at=at + timedelta(microseconds=1),
        body=b'{"id":"' + event_id.encode() + b'","detail":{"n":1}}',
    )
    deliveries = tuple(Delivery(event_id, arn, tid, at) for arn, tid in targets)
    return IngestRecord(event, deliveries)
