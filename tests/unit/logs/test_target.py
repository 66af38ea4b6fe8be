"""LogGroupTarget: one delivery, one log event, in a stream of the delivery's own."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

from busway.clock import FakeClock
from busway.delivery.target import Invocation, Outcome
from busway.delivery.targets.log_group import LogGroupTarget, log_entry, stream_name
from busway.model import Event, InputTransformerSpec, Target
from busway.service.logs import LogService
from busway.store.log_groups import EventQuery, LogEvent, NewLogEvent
from busway.store.memory.log_groups import MemoryLogGroupStore
from tests.unit.logs.support import SCOPE

TIME = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
TIME_MS = 1_714_979_289_000
ENVELOPE = '{"version":"0","id":"e-1","time":"2024-05-06T07:08:09Z","detail":{}}'
TRANSFORMER = InputTransformerSpec({}, '{"timestamp":<t>,"message":<m>}')


def arn(group: str) -> str:
    return f"arn:aws:logs:us-east-1:123456789012:log-group:{group}"


def invocation_of(target: Target, payload: str, attempt: int = 1) -> Invocation:
    event = Event("e-1", SCOPE, "default", "shop", "Order", TIME, TIME, ENVELOPE.encode())
    return Invocation(
        event, "arn:aws:events:us-east-1:123456789012:rule/r", target, payload, attempt
    )


def deliver(
    group: str, payload: str, *, transformed: bool = False, create: bool = True
) -> tuple[Outcome, list[LogEvent]]:
    logs = LogService(MemoryLogGroupStore(), FakeClock())
    target = Target("t", arn(group), input_transformer=TRANSFORMER if transformed else None)
    invocation = invocation_of(target, payload)

    async def main() -> tuple[Outcome, list[LogEvent]]:
        if create:
            await logs.create_group(SCOPE, group)
        outcome = await LogGroupTarget(logs).invoke(invocation)
        found = await logs.get_group(SCOPE, group) if outcome.delivered else None
        read = await logs.read_events(SCOPE, group, EventQuery(limit=10)) if found else []
        return outcome, read

    return asyncio.run(main())


def test_the_event_is_the_message_stamped_with_the_event_time() -> None:
    outcome, events = deliver("/app/orders", ENVELOPE)
    assert outcome.delivered
    assert [(e.timestamp, e.message) for e in events] == [(TIME_MS, ENVELOPE)]


def test_each_delivery_has_its_own_stream_and_keeps_it_on_retries() -> None:
    # Two targets of one rule on one group: two streams, as AWS wrote them.
    logs = LogService(MemoryLogGroupStore(), FakeClock())
    first, second = Target("1", arn("/g")), Target("2", arn("/g"))
    invocations = [
        invocation_of(first, ENVELOPE),
        invocation_of(second, ENVELOPE),
        invocation_of(first, ENVELOPE, attempt=2),
    ]

    async def main() -> list[LogEvent]:
        await logs.create_group(SCOPE, "/g")
        for invocation in invocations:
            assert (await LogGroupTarget(logs).invoke(invocation)).delivered
        return await logs.read_events(SCOPE, "/g", EventQuery(limit=10))

    streams = [event.stream_name for event in asyncio.run(main())]
    one, two = stream_name(invocations[0]), stream_name(invocations[1])
    assert one != two
    assert sorted(streams) == sorted([one, one, two])
    assert str(uuid.UUID(one)) == one


def test_a_missing_group_is_no_resource() -> None:
    outcome, _ = deliver("/app/orders", ENVELOPE, create=False)
    assert (outcome.error_code, outcome.retryable) == ("NO_RESOURCE", False)


def test_aws_events_groups_are_created_on_first_delivery() -> None:
    outcome, events = deliver("/aws/events/orders", ENVELOPE, create=False)
    assert outcome.delivered
    assert [e.message for e in events] == [ENVELOPE]


def test_a_transformed_payload_gives_timestamp_and_message() -> None:
    payload = json.dumps({"timestamp": "2024-05-06T07:08:10Z", "message": "order placed"})
    outcome, events = deliver("/app/orders", payload, transformed=True)
    assert outcome.delivered
    assert [(e.timestamp, e.message) for e in events] == [(TIME_MS + 1000, "order placed")]


def test_a_bad_transformed_payload_fails_without_retry() -> None:
    outcome, _ = deliver("/app/orders", '"just text"', transformed=True)
    assert (outcome.error_code, outcome.retryable) == ("INVALID_PARAMETER", False)


def test_log_entry_rules() -> None:
    def entry(payload: str) -> NewLogEvent | str:
        return log_entry(payload, transformed=True, event_time=TIME)

    assert entry('{"timestamp":5,"message":"m"}') == NewLogEvent(5, "m")
    assert entry('{"message":{"a":1}}') == NewLogEvent(TIME_MS, '{"a":1}')
    assert entry('{"timestamp":"2024-05-06T07:08:09","message":"m"}') == NewLogEvent(TIME_MS, "m")
    assert entry("not json") == "the transformed input is not JSON"
    assert "must be" in str(entry('{"timestamp":5}'))
    assert "ISO 8601" in str(entry('{"timestamp":"soon","message":"m"}'))
    assert "epoch milliseconds" in str(entry('{"timestamp":true,"message":"m"}'))
    untransformed = log_entry("plain", transformed=False, event_time=TIME)
    assert untransformed == NewLogEvent(TIME_MS, "plain")


def test_a_non_log_group_arn_is_no_resource() -> None:
    logs = LogService(MemoryLogGroupStore(), FakeClock())
    event = Event("e-1", SCOPE, "default", "s", "d", TIME, TIME, b"{}")
    target = Target("t", "arn:aws:logs:us-east-1:123456789012:destination:x")
    invocation = Invocation(event, "rule", target, "{}", 1)
    outcome = asyncio.run(LogGroupTarget(logs).invoke(invocation))
    assert outcome.error_code == "NO_RESOURCE"
