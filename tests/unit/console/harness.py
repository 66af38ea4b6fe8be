"""One in-process node for console tests: memory stores, the AWS APIs, Busway.* and /console."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from busway.api.app import App, Mount
from busway.api.busway_ops import busway_api
from busway.api.events import events_api
from busway.api.sqs import sqs_api
from busway.clock import FakeClock
from busway.config import Settings
from busway.console import ConsoleServices, console_app
from busway.model import Scope
from busway.service import Services
from busway.service.activity import ActivityService
from busway.service.message_moves import MessageMoves
from busway.service.queues import QueueService
from busway.service.redrive import RedriveService
from busway.service.routing import RoutingTable
from busway.store import DeliveryOutcome, DeliveryState
from busway.store.memory import MemoryStore
from busway.store.memory.connections import MemoryConnectionStore
from busway.store.memory.queues import MemoryQueueStore
from tests.support.asgi import call_raw

ACCOUNT = "123456789012"
REGION = "us-east-1"
SCOPE = Scope(ACCOUNT, REGION)
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/"


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    headers: dict[str, str]
    text: str


class Node:
    """Build it inside the event loop the test runs in."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = MemoryStore()
        self.woken = 0
        settings = Settings(account=ACCOUNT, region=REGION)
        routing = RoutingTable(max_pattern_chars=settings.max_pattern_chars)
        self.services = Services.build(
            self.store, MemoryConnectionStore(), routing, self.clock, settings
        )
        self.queues = QueueService(MemoryQueueStore(), self.clock)
        activity = ActivityService(self.store, self.services.buses)
        redrive = RedriveService(self.store, self.queues, self.clock, wake=self._wake)
        console = ConsoleServices(SCOPE, self.services, self.queues, activity, redrive)
        self.app = App(
            [
                events_api(self.services),
                sqs_api(self.queues, MessageMoves(self.queues, self.clock)),
                busway_api(activity, redrive),
            ],
            account=ACCOUNT,
            mounts=[Mount("/console", console_app(console))],
        )

    def _wake(self) -> None:
        self.woken += 1

    async def aws(self, target: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, _, raw = await call_raw(self.app, target, json.dumps(body).encode())
        return status, json.loads(raw)

    async def ok(self, target: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = await self.aws(target, body)
        assert status == 200, answer
        return answer

    async def get(self, path: str, **query: str) -> Page:
        return await self._http("GET", path, query, b"")

    async def post(self, path: str, form: dict[str, str], **query: str) -> Page:
        return await self._http("POST", path, query, urlencode(form).encode())

    async def _http(self, method: str, path: str, query: dict[str, str], body: bytes) -> Page:
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "query_string": urlencode(query).encode(),
            "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
        }
        sent = False

        async def receive() -> MutableMapping[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        messages: list[MutableMapping[str, Any]] = []

        async def send(message: MutableMapping[str, Any]) -> None:
            messages.append(message)

        await self.app(scope, receive, send)
        start, payload = messages
        headers = {k.decode(): v.decode() for k, v in start["headers"]}
        return Page(start["status"], headers, payload["body"].decode())

    # --- a scenario: a rule with a queue target and a dead-letter queue ---------------------------
    async def rule_to_queue(self, rule: str, queue: str, dlq: str | None = None) -> None:
        await self.ok("AmazonSQS.CreateQueue", {"QueueName": queue})
        target: dict[str, Any] = {
            "Id": "t1",
            "Arn": QUEUE_ARN + queue,
            "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 600},
        }
        if dlq is not None:
            await self.ok("AmazonSQS.CreateQueue", {"QueueName": dlq})
            target["DeadLetterConfig"] = {"Arn": QUEUE_ARN + dlq}
        pattern = '{"source":["shop"],"detail":{"total":[{"numeric":[">",10]}]}}'
        await self.ok("AWSEvents.PutRule", {"Name": rule, "EventPattern": pattern})
        await self.ok("AWSEvents.PutTargets", {"Rule": rule, "Targets": [target]})

    async def put_event(self, total: int = 42) -> str:
        entry = {"Source": "shop", "DetailType": "OrderPlaced", "Detail": f'{{"total":{total}}}'}
        answer = await self.ok("AWSEvents.PutEvents", {"Entries": [entry]})
        event_id: str = answer["Entries"][0]["EventId"]
        return event_id

    async def settle_all(self, state: DeliveryState, error_code: str | None = None) -> None:
        """What a dispatcher would do: every due delivery ends in ``state``."""
        now = self.clock.now()
        claimed = await self.store.claim_deliveries(now, now + timedelta(seconds=60), 100)
        await self.store.complete_deliveries(
            [
                DeliveryOutcome(
                    c.id, c.event.scope, c.event.bus_name, state, c.attempts + 1, error_code
                )
                for c in claimed
            ]
        )
