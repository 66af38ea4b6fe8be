"""The console's pages through the in-process ASGI app: what they show and what forms do."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from busway.store import DeliveryState
from tests.unit.console.harness import QUEUE_ARN, SCOPE, Node

EVENT = """{"id": "1", "detail-type": "OrderPlaced", "source": "shop", "account": "123456789012",
"time": "2024-05-06T07:08:09Z", "region": "us-east-1", "resources": [], "detail": {"total": 42}}"""


def run(body: Callable[[Node], Awaitable[None]]) -> None:
    async def main() -> None:
        await body(Node())

    asyncio.run(main())


def test_buses_link_to_their_rules_and_rules_to_their_targets() -> None:
    async def body(node: Node) -> None:
        await node.rule_to_queue("big-orders", "sink", dlq="dlq")
        buses = await node.get("/console")
        assert buses.status == 200
        assert buses.headers["content-type"] == "text/html; charset=utf-8"
        assert '<a href="/console/bus?name=default">default</a>' in buses.text
        assert '<html lang="en">' in buses.text
        bus = await node.get("/console/bus", name="default")
        assert '<a href="/console/rule?bus=default&amp;name=big-orders">big-orders</a>' in bus.text
        assert '<th scope="col">Event pattern</th>' in bus.text
        rule = await node.get("/console/rule", bus="default", name="big-orders")
        text = html.unescape(rule.text)
        assert '  "source": [\n    "shop"\n  ]' in text  # pretty-printed
        assert "2 retries, events up to 600 s old" in text
        assert f'<a href="/console/queue?name=dlq">{QUEUE_ARN}dlq</a>' in text
        assert "ENABLED" in text

    run(body)


def test_a_rule_without_a_retry_policy_shows_aws_defaults() -> None:
    async def body(node: Node) -> None:
        await node.ok("AWSEvents.PutRule", {"Name": "r", "ScheduleExpression": "rate(5 minutes)"})
        target = {"Id": "t", "Arn": QUEUE_ARN + "q"}
        await node.ok("AWSEvents.PutTargets", {"Rule": "r", "Targets": [target]})
        text = (await node.get("/console/rule", name="r")).text
        assert "rate(5 minutes)" in text
        assert "185 retries, events up to 86400 s old (default)" in text
        policy = {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60}
        target = {**target, "RetryPolicy": policy}
        await node.ok("AWSEvents.PutTargets", {"Rule": "r", "Targets": [target]})
        text = (await node.get("/console/rule", name="r")).text
        assert "1 retry, events up to 60 s old" in text

    run(body)


def test_missing_things_are_404_pages_with_the_aws_message() -> None:
    async def body(node: Node) -> None:
        missing_bus = await node.get("/console/bus", name="nope")
        assert missing_bus.status == 404
        assert "Event bus nope does not exist." in missing_bus.text
        missing_rule = await node.get("/console/rule", name="nope")
        assert missing_rule.status == 404
        assert "Rule nope does not exist on EventBus default." in missing_rule.text
        assert (await node.get("/console/queue", name="nope")).status == 404
        assert (await node.get("/console/elsewhere")).status == 404
        assert (await node.get("/console/static/../app.py")).status == 404
        assert (await node.get("/console/bus")).status == 400

    run(body)


def test_activity_shows_recent_events_and_their_deliveries() -> None:
    async def body(node: Node) -> None:
        await node.rule_to_queue("big-orders", "sink", dlq="dlq")
        event_id = await node.put_event()
        await node.settle_all(DeliveryState.DEAD_LETTERED, "ERROR_FROM_TARGET")
        page = await node.get("/console/activity", bus="default")
        assert page.status == 200
        assert event_id in page.text
        assert "big-orders → t1: " in page.text
        assert '<strong class="state-dead-lettered">dead-lettered</strong>' in page.text
        assert "(1 attempt, ERROR_FROM_TARGET)" in page.text
        assert 'data-bus="default"' in page.text
        assert '<script src="/console/static/activity.js"></script>' in page.text
        script = await node.get("/console/static/activity.js")
        assert script.headers["content-type"] == "text/javascript; charset=utf-8"
        assert "Busway.ListRecentEvents" in script.text

    run(body)


@pytest.mark.parametrize(
    ("pattern", "shown"),
    [
        ('{"detail": {"total": [{"numeric": [">", 10]}]}}', "Match:"),
        ('{"source": ["other"]}', "No match:"),
        (
            '{"source": "shop"}',
            "InvalidEventPatternException",
        ),
    ],
)
def test_the_sandbox_judges_like_test_event_pattern(pattern: str, shown: str) -> None:
    async def body(node: Node) -> None:
        page = await node.post("/console/sandbox", {"event": EVENT, "pattern": pattern})
        assert page.status == 200
        assert shown in page.text
        assert f"{pattern}</textarea>" in html.unescape(page.text)  # kept as typed

    run(body)


def test_the_sandbox_shows_aws_exact_error_message() -> None:
    async def body(node: Node) -> None:
        pattern = '{"source": "shop"}'
        status, answer = await node.aws(
            "AWSEvents.TestEventPattern", {"Event": EVENT, "EventPattern": pattern}
        )
        assert status == 400
        page = await node.post("/console/sandbox", {"event": EVENT, "pattern": pattern})
        assert f"<pre>{answer['message']}</pre>" in html.unescape(page.text)
        bad_event = await node.post("/console/sandbox", {"event": "{}", "pattern": pattern})
        assert "Parameter Event is not valid." in bad_event.text

    run(body)


def test_a_form_past_the_limit_is_a_400_page() -> None:
    async def body(node: Node) -> None:
        page = await node.post("/console/sandbox", {"event": "x" * 600_000, "pattern": "{}"})
        assert page.status == 400
        assert "The form is larger than 524288 bytes." in page.text

    run(body)


def test_queue_page_peeks_without_receiving_and_purges() -> None:
    async def body(node: Node) -> None:
        await node.ok("AmazonSQS.CreateQueue", {"QueueName": "q"})
        await node.queues.send_to_queue(QUEUE_ARN + "q", '{"n":1}', attributes={"K": "v"})
        listing = await node.get("/console/queues")
        assert '<a href="/console/queue?name=q">q</a>' in listing.text
        for _ in range(2):  # looking twice changes nothing
            page = await node.get("/console/queue", name="q")
            assert '<td id="count-visible">1</td>' in page.text
            assert "K: v" in page.text
        [message] = await node.queues.peek(SCOPE, "q", 10)
        assert message.receive_count == 0
        purged = await node.post("/console/queue/purge", {}, name="q")
        assert purged.status == 303
        location = urlsplit(purged.headers["location"])
        assert location.path == "/console/queue"
        assert parse_qs(location.query)["notice"] == ["Purged q."]
        assert await node.queues.peek(SCOPE, "q", 10) == []
        again = await node.post("/console/queue/purge", {}, name="q")
        assert again.status == 403
        assert "PurgeQueueInProgress" in again.text

    run(body)


def test_redrive_form_sends_dead_letters_back() -> None:
    async def body(node: Node) -> None:
        await node.rule_to_queue("big-orders", "sink", dlq="dlq")
        event_id = await node.put_event()
        await node.settle_all(DeliveryState.DEAD_LETTERED)
        event = await node.store.get_event(event_id)
        assert event is not None
        attributes = {
            "RULE_ARN": "arn:aws:events:us-east-1:123456789012:rule/big-orders",
            "TARGET_ARN": QUEUE_ARN + "sink",
        }
        await node.queues.send_to_queue(
            QUEUE_ARN + "dlq", event.body.decode(), attributes=attributes
        )
        answer = await node.post("/console/queue/redrive", {"max_messages": "10"}, name="dlq")
        assert answer.status == 303
        notice = parse_qs(urlsplit(answer.headers["location"]).query)["notice"]
        assert notice == ["Redriven: 1. Left on the queue: 0."]
        assert len(await node.store.list_deliveries(event_id)) == 1
        bad = await node.post("/console/queue/redrive", {"max_messages": "0"}, name="dlq")
        assert bad.status == 400

    run(body)
