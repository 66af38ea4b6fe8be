"""A LambdaTarget over in-memory log groups, and invocations of declared functions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from busway.clock import FakeClock
from busway.delivery.target import Invocation
from busway.delivery.targets.lambda_function import LambdaTarget
from busway.functions import FunctionSpec
from busway.model import Event, Scope, Target
from busway.service.logs import LogService
from busway.store.log_groups import EventQuery
from busway.store.memory.log_groups import MemoryLogGroupStore

HANDLERS = Path(__file__).parent / "handlers"
SCOPE = Scope("123456789012", "us-east-1")
EVENT_TIME = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def python_function(name: str, handler: str, **fields: Any) -> FunctionSpec:
    return replace(FunctionSpec(name, handler=handler, paths=(HANDLERS,)), **fields)


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{SCOPE.region}:{SCOPE.account}:function:{name}"


def invocation(arn: str, payload: str) -> Invocation:
    event = Event("e-1", SCOPE, "default", "shop", "Order", EVENT_TIME, EVENT_TIME, b"{}")
    return Invocation(
        event, "arn:aws:events:us-east-1:123456789012:rule/r", Target("t", arn), payload, 1
    )


class Harness:
    def __init__(self, *specs: FunctionSpec) -> None:
        self.logs = LogService(MemoryLogGroupStore(), FakeClock())
        self.target = LambdaTarget({spec.name: spec for spec in specs}, self.logs, FakeClock())

    async def log_lines(self, function: str) -> list[str]:
        events = await self.logs.read_events(
            SCOPE, f"/aws/lambda/{function}", EventQuery(limit=1000)
        )
        return [event.message for event in events]


def run(harness: Harness, body: Callable[[], Awaitable[None]]) -> None:
    """Await the body, then close the target (and its workers) whatever happened."""

    async def main() -> None:
        try:
            await body()
        finally:
            await harness.target.close()

    asyncio.run(main())
