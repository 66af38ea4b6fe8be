"""``Busway.ListRecentEvents`` and ``Busway.RedriveDeadLetters`` over the in-process app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from busway.store import DeliveryRetry, DeliveryState
from tests.unit.console.harness import ACCOUNT, QUEUE_ARN, RULE_ARN, SCOPE, Node

QUEUE_URL = f"http://localhost/{ACCOUNT}/"


def run(body: Callable[[Node], Awaitable[None]]) -> None:
    async def main() -> None:
        await body(Node())

    asyncio.run(main())


def test_recent_events_show_matched_rules_and_delivery_states() -> None:
    async def body(node: Node) -> None:
        await node.rule_to_queue("big-orders", "sink", dlq="dlq")
        delivered = await node.put_event()
        await node.settle_all(DeliveryState.DELIVERED)
        unmatched = await node.put_event(total=1)
        answer = await node.ok("Busway.ListRecentEvents", {})
        assert [e["Id"] for e in answer["Events"]] == [delivered, unmatched]
        first, second = answer["Events"]
        assert (first["Source"], first["DetailType"]) == ("shop", "OrderPlaced")
        assert first["Time"].endswith("Z")
        assert json.loads(first["Event"])["detail"] == {"total": 42}
        assert first["Deliveries"] == [
            {
                "RuleArn": RULE_ARN + "big-orders",
                "TargetId": "t1",
                "TargetArn": QUEUE_ARN + "sink",
                "State": "DELIVERED",
                "Attempts": 1,
                "NextAttemptAt": None,
                "ErrorCode": None,
            }
        ]
        assert second["Deliveries"] == []
        assert answer["Cursor"].isdigit()

    run(body)


def test_a_retrying_delivery_reports_its_next_attempt() -> None:
    async def body(node: Node) -> None:
        await node.rule_to_queue("big-orders", "sink")
        await node.put_event()
        now = node.clock.now()
        [claimed] = await node.store.claim_deliveries(now, now + timedelta(seconds=60), 10)
        due = now + timedelta(seconds=30, milliseconds=250)
        retry = DeliveryRetry(claimed.id, claimed.lease_until, due, 1, "THROTTLING", "slow")
        await node.store.retry_deliveries([retry])
        [event] = (await node.ok("Busway.ListRecentEvents", {}))["Events"]
        [delivery] = event["Deliveries"]
        assert delivery["State"] == "RETRYING"
        assert delivery["Attempts"] == 1
        assert delivery["NextAttemptAt"] == "2024-01-02T03:04:35.250Z"
        assert delivery["ErrorCode"] == "THROTTLING"

    run(body)


def test_the_cursor_returns_only_newer_events() -> None:
    async def body(node: Node) -> None:
        await node.ok("AWSEvents.CreateEventBus", {"Name": "orders"})
        first = await node.ok("Busway.ListRecentEvents", {"EventBusName": "orders"})
        assert first["Events"] == []
        entry = {"Source": "shop", "DetailType": "X", "Detail": "{}", "EventBusName": "orders"}
        await node.ok("AWSEvents.PutEvents", {"Entries": [entry, entry, entry]})
        await node.put_event()  # on the default bus: not in this bus's activity
        page = {"EventBusName": "orders", "After": first["Cursor"], "Limit": 2}
        second = await node.ok("Busway.ListRecentEvents", page)
        assert len(second["Events"]) == 2
        third = await node.ok("Busway.ListRecentEvents", {**page, "After": second["Cursor"]})
        assert len(third["Events"]) == 1
        arn = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders"
        by_arn = await node.ok("Busway.ListRecentEvents", {"EventBusName": arn, "Limit": 100})
        assert [e["Id"] for e in by_arn["Events"]] == [
            e["Id"] for e in second["Events"] + third["Events"]
        ]

    run(body)


@pytest.mark.parametrize(
    ("request_body", "code", "message"),
    [
        (
            {"Limit": 0},
            "ValidationException",
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        (
            {"Limit": 101},
            "ValidationException",
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 100",
        ),
        ({"After": "x1"}, "ValidationException", "Invalid cursor: x1"),
        (
            {"Limit": "ten"},
            "SerializationException",
            "Value for member Limit is not a valid integer.",
        ),
        (
            {"EventBusName": "missing"},
            "ResourceNotFoundException",
            "Event bus missing does not exist.",
        ),
    ],
)
def test_list_recent_events_errors_are_aws_shaped(
    request_body: dict[str, Any], code: str, message: str
) -> None:
    async def body(node: Node) -> None:
        status, answer = await node.aws("Busway.ListRecentEvents", request_body)
        assert (status, answer) == (400, {"__type": code, "message": message})

    run(body)


async def _dead_letter(node: Node, event_id: str, rule: str, target_arn: str) -> None:
    """The message busway's dispatcher puts on a dead-letter queue."""
    event = await node.store.get_event(event_id)
    assert event is not None
    attributes = {"RULE_ARN": RULE_ARN + rule, "TARGET_ARN": target_arn, "ERROR_CODE": "X"}
    await node.queues.send_to_queue(QUEUE_ARN + "dlq", event.body.decode(), attributes=attributes)


def test_redrive_delivers_dead_letters_again_and_leaves_the_others() -> None:
    async def body(node: Node) -> None:
        await node.rule_to_queue("big-orders", "sink", dlq="dlq")
        event_id = await node.put_event()
        await node.settle_all(DeliveryState.DEAD_LETTERED, "ERROR_FROM_TARGET")
        await _dead_letter(node, event_id, "big-orders", QUEUE_ARN + "sink")
        await _dead_letter(node, event_id, "gone", QUEUE_ARN + "sink")  # rule deleted since
        await node.queues.send_to_queue(QUEUE_ARN + "dlq", "not a dead letter")
        node.clock.advance(timedelta(days=2))  # older than the target's maximum event age
        answer = await node.ok("Busway.RedriveDeadLetters", {"QueueUrl": QUEUE_URL + "dlq"})
        assert answer == {"Redriven": 1, "Skipped": 2}
        assert node.woken == 1
        [delivery] = await node.store.list_deliveries(event_id)
        assert (delivery.rule_arn, delivery.target_id, delivery.attempts) == (
            RULE_ARN + "big-orders",
            "t1",
            0,
        )
        assert delivery.due_at == node.clock.now()
        event = await node.store.get_event(event_id)
        assert event is not None
        assert event.ingested_at == node.clock.now()  # its age counts from the redrive
        left = await node.queues.peek(SCOPE, "dlq", 10)
        assert sorted(m.body for m in left)[0] == "not a dead letter"
        assert all(m.visible_at <= node.clock.now() for m in left)  # visible again at once
        [activity] = (await node.ok("Busway.ListRecentEvents", {}))["Events"]
        assert [d["State"] for d in activity["Deliveries"]] == ["PENDING"]

    run(body)


@pytest.mark.parametrize(
    ("request_body", "status", "code", "message"),
    [
        (
            {"QueueUrl": QUEUE_URL + "missing"},
            400,
            "QueueDoesNotExist",
            "The specified queue does not exist.",
        ),
        (
            {"QueueUrl": QUEUE_URL + "dlq", "MaxMessages": 0},
            400,
            "ValidationException",
            "1 validation error detected: Value '0' at 'maxMessages' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1",
        ),
        (
            {"QueueUrl": QUEUE_URL + "dlq", "MaxMessages": 10001},
            400,
            "ValidationException",
            "1 validation error detected: Value '10001' at 'maxMessages' failed to satisfy "
            "constraint: Member must have value less than or equal to 10000",
        ),
    ],
)
def test_redrive_errors_are_aws_shaped(
    request_body: dict[str, Any], status: int, code: str, message: str
) -> None:
    async def body(node: Node) -> None:
        await node.ok("AmazonSQS.CreateQueue", {"QueueName": "dlq"})
        answer = await node.aws("Busway.RedriveDeadLetters", request_body)
        assert answer == (status, {"__type": code, "message": message})

    run(body)


def test_redrive_stops_at_max_messages() -> None:
    async def body(node: Node) -> None:
        await node.rule_to_queue("big-orders", "sink", dlq="dlq")
        for _ in range(12):
            event_id = await node.put_event()
            await _dead_letter(node, event_id, "big-orders", QUEUE_ARN + "sink")
        await node.settle_all(DeliveryState.DEAD_LETTERED)
        request = {"QueueUrl": QUEUE_URL + "dlq", "MaxMessages": 11}
        assert await node.ok("Busway.RedriveDeadLetters", request) == {
            "Redriven": 11,
            "Skipped": 0,
        }
        request = {"QueueUrl": QUEUE_URL + "dlq"}
        assert await node.ok("Busway.RedriveDeadLetters", request) == {
            "Redriven": 1,
            "Skipped": 0,
        }

    run(body)
