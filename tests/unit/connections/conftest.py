"""The connection and API destination operations of one fresh in-process node."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest

from busway.api.app import App
from busway.api.awsjson import JsonService
from busway.api.events.api_destinations import api_destination_operations
from busway.api.events.connections import connection_operations
from busway.clock import FakeClock
from busway.config import Settings
from busway.service.api_destinations import ApiDestinationService
from busway.service.connections import ConnectionService
from busway.store.connections import Connection
from busway.store.memory.connections import MemoryConnectionStore
from tests.support.asgi import call

ACCOUNT = "123456789012"
REGION = "us-east-1"
BASIC = {"BasicAuthParameters": {"Username": "user", "Password": "s3cret"}}


@dataclass
class Api:
    settings: Settings = field(default_factory=Settings)
    store: MemoryConnectionStore = field(default_factory=MemoryConnectionStore)
    clock: FakeClock = field(default_factory=FakeClock)
    # The connections handed to the node's authorizer (an OAuth token fetch), in order.
    authorizing: list[Connection] = field(default_factory=list)

    def __post_init__(self) -> None:
        counter = itertools.count(1)

        def new_id() -> str:
            return f"00000000-0000-0000-0000-{next(counter):012d}"

        args = (self.store, self.clock, self.settings, new_id)
        operations = {
            **connection_operations(ConnectionService(*args, authorize=self.authorizing.append)),
            **api_destination_operations(ApiDestinationService(*args)),
        }
        service = JsonService("AWSEvents", "application/x-amz-json-1.1", operations)
        self.app = App([service], account=ACCOUNT)

    def __call__(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return asyncio.run(call(self.app, operation, body, region=REGION))

    def ok(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = self(operation, body)
        assert status == 200, answer
        return answer

    def error(self, operation: str, body: dict[str, Any]) -> tuple[str, str]:
        status, answer = self(operation, body)
        assert status == 400, answer
        return answer["__type"], answer["message"]

    def stored(self, arn: str) -> Connection:
        """A connection as the store holds it, secrets included."""
        found = asyncio.run(self.store.get_connection_by_arn(arn))
        assert found is not None
        return found

    def connection(self, name: str = "conn", **body: Any) -> dict[str, Any]:
        request = {"Name": name, "AuthorizationType": "BASIC", "AuthParameters": BASIC, **body}
        return self.ok("CreateConnection", request)

    def destination(self, name: str = "dest", **body: Any) -> dict[str, Any]:
        if "ConnectionArn" not in body:
            body["ConnectionArn"] = self.connection(f"{name}-conn")["ConnectionArn"]
        request = {
            "Name": name,
            "InvocationEndpoint": "https://example.com/orders/*",
            "HttpMethod": "POST",
            **body,
        }
        return self.ok("CreateApiDestination", request)


@pytest.fixture
def api() -> Api:
    return Api()
