"""An in-process events API over a MemoryStore, called the way botocore calls it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from busway.api.app import App
from busway.api.awsjson import JsonService
from busway.api.events.buses import bus_operations
from busway.api.events.permissions import permission_operations
from busway.api.events.rules import rule_operations
from busway.api.events.tags import tag_operations
from busway.api.events.targets import target_operations
from busway.clock import FakeClock
from busway.config import Settings
from busway.model import Scope
from busway.service.buses import BusService
from busway.service.permissions import PermissionService
from busway.service.routing import RoutingTable
from busway.service.rules import RuleService
from busway.service.tags import TagService
from busway.service.targets import TargetService
from busway.store.memory import MemoryStore
from tests.support.asgi import call

ACCOUNT = "123456789012"
REGION = "us-east-1"
SCOPE = Scope(ACCOUNT, REGION)


@dataclass
class Events:
    """The events API of one fresh node; each call runs to completion before returning."""

    settings: Settings = field(default_factory=Settings)
    store: MemoryStore = field(default_factory=MemoryStore)
    clock: FakeClock = field(default_factory=FakeClock)

    def __post_init__(self) -> None:
        self.routing = RoutingTable(max_pattern_chars=self.settings.max_pattern_chars)
        args = (self.store, self.routing, self.clock)
        operations = {
            **bus_operations(BusService(*args)),
            **rule_operations(RuleService(*args, self.settings)),
            **target_operations(TargetService(*args, self.settings)),
            **tag_operations(TagService(*args)),
            **permission_operations(PermissionService(*args)),
        }
        service = JsonService("AWSEvents", "application/x-amz-json-1.1", operations)
        self.app = App([service], account=ACCOUNT)

    def __call__(
        self, operation: str, body: dict[str, Any] | None = None, *, region: str = REGION
    ) -> tuple[int, dict[str, Any]]:
        return asyncio.run(call(self.app, operation, body or {}, region=region))

    def ok(self, operation: str, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        status, answer = self(operation, body, **kw)
        assert status == 200, answer
        return answer

    def error(self, operation: str, body: dict[str, Any] | None = None) -> tuple[str, str]:
        status, answer = self(operation, body)
        assert status == 400, answer
        return answer["__type"], answer["message"]

    def routed(self, event: dict[str, Any], bus: str = "default") -> list[tuple[str, str]]:
        """(rule ARN, target id) pairs the routing table sends the event to."""
        return [(arn, target.id) for arn, target in self.routing.route(SCOPE, bus, event)]


@pytest.fixture
def events() -> Events:
    return Events()


def event(source: str = "app.orders", detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """An envelope as the routing table sees it."""
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Order Placed",
        "source": source,
        "account": ACCOUNT,
        "time": "2024-01-02T03:04:05Z",
        "region": REGION,
        "resources": [],
        "detail": detail or {},
    }
