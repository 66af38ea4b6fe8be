from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from busway.delivery.target import Invocation, Outcome, TargetKind
from busway.model import InputTransformerSpec, RetryPolicy, Target
from busway.service.ingest import EntryInput, IngestService
from busway.store.memory import MemoryStore
from busway.store.protocol import DeliveryOutcome
from tests.support.targets import RecordingQueues, RecordingTarget, eventually
from tests.unit.delivery.rig import DLQ_ARN, QUEUE_ARN, RULE, SCOPE, SETTINGS, T0, Rig, run

SERVER_ERROR = Outcome.failure(
    "ERROR_FROM_TARGET", "HTTP 500 Internal Server Error", retryable=True
)
FORBIDDEN = Outcome.failure("NO_PERMISSIONS", "HTTP 403 Forbidden", retryable=False)


def test_an_event_is_delivered_once_with_its_envelope() -> None:
    rig = Rig()

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.delivered == 1)
            await rig.settled()
            assert await rig.store.list_deliveries(event_id) == []
            # Leases would long have run out: were it still there, it would be delivered again.
            rig.clock.advance(timedelta(hours=1))
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.delivered == 2)
        [first, _] = rig.target.invocations
        stored = await rig.store.get_event(event_id)
        assert stored is not None
        assert first.event == stored
        assert first.payload == stored.body.decode()
        assert (first.rule_arn, first.target.id, first.attempt) == (RULE.arn, "t1", 1)
        assert [i.event.id for i in rig.target.invocations].count(event_id) == 1
        assert rig.dispatcher.counters.attempts == 2

    run(rig, body)


def test_a_retryable_failure_is_retried_then_dead_lettered_with_every_attribute() -> None:
    rig = Rig(RecordingTarget(SERVER_ERROR, SERVER_ERROR, SERVER_ERROR))
    policy = RetryPolicy(maximum_retry_attempts=2)
    # A transformed payload: the dead letter still carries the original event.
    spec = InputTransformerSpec({"n": "$.detail.n"}, '{"number": <n>}')
    rig.set_targets(
        Target(
            "t1", QUEUE_ARN, retry_policy=policy, dead_letter_arn=DLQ_ARN, input_transformer=spec
        )
    )

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            for attempts in (1, 2):
                await eventually(lambda: len(rig.target.invocations) == attempts)  # noqa: B023
                await rig.retry_all()
            await eventually(lambda: len(rig.queues.sent) == 1)
            await rig.settled()
            assert await rig.store.list_deliveries(event_id) == []
        [message] = rig.queues.sent
        stored = await rig.store.get_event(event_id)
        assert stored is not None
        assert message.queue_arn == DLQ_ARN
        assert message.body == stored.body.decode()
        assert message.attributes == {
            "RULE_ARN": RULE.arn,
            "TARGET_ARN": QUEUE_ARN,
            "ERROR_CODE": "ERROR_FROM_TARGET",
            "ERROR_MESSAGE": "HTTP 500 Internal Server Error",
            "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
            "RETRY_ATTEMPTS": "2",
        }
        assert [i.attempt for i in rig.target.invocations] == [1, 2, 3]
        assert {i.event.id for i in rig.target.invocations} == {event_id}
        assert {i.payload for i in rig.target.invocations} == {'{"number": 1}'}
        counters = rig.dispatcher.counters
        assert (counters.retried, counters.dead_lettered, counters.delivered) == (2, 1, 0)

    run(rig, body)


def test_a_retry_waits_for_the_backoff() -> None:
    rig = Rig(RecordingTarget(SERVER_ERROR))

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.retried == 1)
            await rig.settled()
            [pending] = await rig.store.list_deliveries(event_id)
            # Retry 1 waits between 0.5 s and 1 s; the rig's jitter sits in the middle.
            assert pending.due_at == T0 + timedelta(seconds=0.75)
            assert pending.attempts == 1
            rig.clock.advance(timedelta(seconds=0.75))
            rig.dispatcher.wake()
            await eventually(lambda: rig.dispatcher.counters.delivered == 1)
        assert [i.attempt for i in rig.target.invocations] == [1, 2]

    run(rig, body)


def test_a_failure_that_is_not_retryable_goes_straight_to_the_dead_letter_queue() -> None:
    rig = Rig(RecordingTarget(FORBIDDEN))

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: len(rig.queues.sent) == 1)
        [message] = rig.queues.sent
        assert message.attributes == {
            "RULE_ARN": RULE.arn,
            "TARGET_ARN": QUEUE_ARN,
            "ERROR_CODE": "NO_PERMISSIONS",
            "ERROR_MESSAGE": "HTTP 403 Forbidden",
            "RETRY_ATTEMPTS": "0",
        }
        assert len(rig.target.invocations) == 1
        assert rig.dispatcher.counters.retried == 0

    run(rig, body)


def test_an_event_older_than_the_maximum_age_is_dead_lettered_unattempted() -> None:
    rig = Rig(RecordingTarget(SERVER_ERROR))
    policy = RetryPolicy(maximum_event_age_seconds=60)
    rig.set_targets(Target("t1", QUEUE_ARN, retry_policy=policy, dead_letter_arn=DLQ_ARN))

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.retried == 1)
            await rig.settled()
            # busway was down past the event's maximum age: no attempt is made any more.
            rig.clock.advance(timedelta(seconds=61))
            rig.dispatcher.wake()
            await eventually(lambda: len(rig.queues.sent) == 1)
            await rig.settled()
            assert await rig.store.list_deliveries(event_id) == []
        assert len(rig.target.invocations) == 1
        attributes = rig.queues.sent[0].attributes
        assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
        assert attributes["ERROR_CODE"] == "ERROR_FROM_TARGET"
        assert attributes["ERROR_MESSAGE"] == "HTTP 500 Internal Server Error"
        assert attributes["RETRY_ATTEMPTS"] == "0"

    run(rig, body)


def test_retry_after_is_honoured_and_a_negative_one_stops_retrying() -> None:
    later = Outcome.failure("THROTTLING", "HTTP 429", retryable=True, retry_after_seconds=300)
    stop = Outcome.failure("ERROR_FROM_TARGET", "HTTP 503", retryable=True, retry_after_seconds=-1)
    rig = Rig(RecordingTarget(later, stop))

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.retried == 1)
            await rig.settled()
            [pending] = await rig.store.list_deliveries(event_id)
            assert pending.due_at == T0 + timedelta(seconds=300)
            rig.clock.advance(timedelta(seconds=300))
            rig.dispatcher.wake()
            await eventually(lambda: len(rig.queues.sent) == 1)
        attributes = rig.queues.sent[0].attributes
        assert (attributes["ERROR_CODE"], attributes["RETRY_ATTEMPTS"]) == (
            "ERROR_FROM_TARGET",
            "1",
        )
        assert "EXHAUSTED_RETRY_CONDITION" not in attributes

    run(rig, body)


def test_a_delivery_whose_target_was_removed_is_dropped() -> None:
    rig = Rig()

    async def body() -> None:
        [event_id] = await rig.put()
        rig.set_targets(Target("other", QUEUE_ARN))
        async with rig.running():
            await eventually(lambda: rig.dispatcher.counters.dropped == 1)
            await rig.settled()
        assert rig.target.invocations == []
        assert await rig.store.list_deliveries(event_id) == []

    run(rig, body)


def test_the_current_target_configuration_is_used() -> None:
    rig = Rig()

    async def body() -> None:
        await rig.put()
        rig.set_targets(Target("t1", QUEUE_ARN, input='{"changed": true}'))
        async with rig.running():
            await eventually(lambda: rig.dispatcher.counters.delivered == 1)
        assert rig.target.invocations[0].payload == '{"changed": true}'

    run(rig, body)


def test_without_a_dead_letter_queue_a_failed_event_is_dropped() -> None:
    rig = Rig(RecordingTarget(FORBIDDEN))
    rig.set_targets(Target("t1", QUEUE_ARN))

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.dropped == 1)
            await rig.settled()
            assert await rig.store.list_deliveries(event_id) == []
        assert rig.queues.sent == []

    run(rig, body)


def test_a_missing_dead_letter_queue_drops_the_event_and_counts_it() -> None:
    rig = Rig(RecordingTarget(FORBIDDEN), queues=RecordingQueues())

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.dead_letter_failed == 1)
            await rig.settled()
            assert await rig.store.list_deliveries(event_id) == []
        assert rig.dispatcher.counters.dead_lettered == 0

    run(rig, body)


def test_a_dead_letter_queue_that_fails_otherwise_keeps_the_event() -> None:
    broken = RecordingQueues([DLQ_ARN], fail=RuntimeError("disk full"))
    rig = Rig(RecordingTarget(FORBIDDEN, FORBIDDEN), queues=broken)

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: len(rig.target.invocations) == 1)
            await rig.settled()
            [pending] = await rig.store.list_deliveries(event_id)
            assert pending.attempts == 1
            rig.queues.fail = None
            await rig.retry_all()
            await eventually(lambda: len(rig.queues.sent) == 1)
        # The target had another try before its event was dead-lettered.
        assert rig.queues.sent[0].attributes["RETRY_ATTEMPTS"] == "1"
        assert rig.dispatcher.counters.dead_lettered == 1

    run(rig, body)


def test_an_input_that_renders_nothing_is_not_delivered_nor_dead_lettered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = Rig()
    rig.set_targets(Target("t1", QUEUE_ARN, input_path="$.detail.missing", dead_letter_arn=DLQ_ARN))

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.undeliverable == 1)
            await rig.settled()
            assert await rig.store.list_deliveries(event_id) == []
        assert rig.target.invocations == []
        assert rig.queues.sent == []

    with caplog.at_level(logging.INFO, "busway.delivery.dispatcher"):
        run(rig, body)
    # One structured line, as for every failed delivery, at INFO: AWS drops it silently.
    [record] = [r for r in caplog.records if hasattr(r, "outcome")]
    assert record.levelno == logging.INFO
    assert (record.__dict__["outcome"], record.__dict__["target_id"]) == ("undeliverable", "t1")
    assert record.__dict__["target_arn"] == QUEUE_ARN


def test_predefined_placeholders_see_the_rule() -> None:
    rig = Rig()
    spec = InputTransformerSpec({}, '"<aws.events.rule-name> <aws.events.rule-arn>"')
    rig.set_targets(Target("t1", QUEUE_ARN, input_transformer=spec))

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.delivered == 1)
        assert rig.target.invocations[0].payload == f'"orders {RULE.arn}"'

    run(rig, body)


def test_kinds_without_a_target_and_unsupported_arns_fail_with_no_resource() -> None:
    rig = Rig()
    sns = "arn:aws:sns:us-east-1:123456789012:alerts"
    function = "arn:aws:lambda:us-east-1:123456789012:function:f"
    rig.set_targets(
        Target("sns", sns, dead_letter_arn=DLQ_ARN),
        Target("fn", function, dead_letter_arn=DLQ_ARN),
    )

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: len(rig.queues.sent) == 2)
        messages = {m.attributes["TARGET_ARN"]: m.attributes for m in rig.queues.sent}
        assert messages[sns]["ERROR_CODE"] == "NO_RESOURCE"
        assert messages[sns]["ERROR_MESSAGE"] == "busway does not deliver to sns targets"
        assert messages[function]["ERROR_MESSAGE"] == "busway does not deliver to lambda targets"

    run(rig, body)


class Raising:
    async def invoke(self, invocation: Invocation) -> Outcome:
        raise RuntimeError("bug")

    async def close(self) -> None:
        return None


def test_a_target_that_raises_is_retried_not_lost() -> None:
    rig = Rig(targets={TargetKind.QUEUE: Raising()})

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.retried == 1)
            await rig.settled()
        [pending] = await rig.store.list_deliveries(event_id)
        assert pending.attempts == 1

    run(rig, body)


def test_a_target_that_does_not_answer_times_out_and_is_retried() -> None:
    gate = asyncio.Event()  # never set
    settings = replace(SETTINGS, delivery_lease_seconds=1)
    rig = Rig(RecordingTarget(gate=gate), settings=settings)

    async def body() -> None:
        async with rig.running():
            [event_id] = await rig.put()
            await eventually(lambda: rig.dispatcher.counters.retried == 1)
            await rig.settled()
            [pending] = await rig.store.list_deliveries(event_id)
            assert pending.attempts == 1

    run(rig, body)


def test_concurrency_is_bounded() -> None:
    gate = asyncio.Event()
    # No backlog: past the three slots, deliveries wait for claims (test_handoff: the backlog).
    settings = replace(SETTINGS, dispatch_concurrency=3, dispatch_batch=2, dispatch_backlog=0)
    rig = Rig(RecordingTarget(gate=gate), settings=settings)

    async def body() -> None:
        async with rig.running():
            await rig.put(10)
            await eventually(lambda: rig.target.active == 3)
            assert rig.dispatcher.in_flight == 3
            rig.dispatcher.wake()  # nothing more may start while the window is full
            await rig.put(1)
            assert rig.target.active == 3
            gate.set()
            await eventually(lambda: rig.dispatcher.counters.delivered == 11)
        assert rig.target.max_active == 3

    run(rig, body)


class _SlowSettling(MemoryStore):
    """Completions wait for ``gate``: the settlement's write is still running."""

    def __init__(self, gate: asyncio.Event) -> None:
        super().__init__()
        self.gate = gate

    async def complete_deliveries(self, completed: Sequence[int | DeliveryOutcome]) -> None:
        await self.gate.wait()
        await super().complete_deliveries(completed)


def test_an_attempt_that_ended_makes_room_before_its_settlement_is_written() -> None:
    gate = asyncio.Event()
    settings = replace(SETTINGS, dispatch_concurrency=2)
    rig = Rig(settings=settings, store=_SlowSettling(gate))

    async def body() -> None:
        async with rig.running():
            await rig.put(5)
            # Every attempt ran although at most two settlements could be unwritten at once
            # if settling made the room.
            await eventually(lambda: len(rig.target.invocations) == 5)
            assert rig.dispatcher.in_flight == 5  # claimed until the writes are done
            gate.set()
            await rig.settled()
        assert rig.dispatcher.counters.delivered == 5

    run(rig, body)


def test_stop_gives_back_deliveries_still_in_progress() -> None:
    gate = asyncio.Event()
    rig = Rig(RecordingTarget(gate=gate), drain_seconds=0.05)

    async def body() -> None:
        await rig.dispatcher.stop()  # before start: nothing to do
        async with rig.running():
            ids = await rig.put(3)
            await eventually(lambda: rig.target.active == 3)
        assert rig.dispatcher.in_flight == 0
        await rig.dispatcher.stop()  # idempotent
        for event_id in ids:
            [pending] = await rig.store.list_deliveries(event_id)
            assert (pending.due_at, pending.attempts) == (T0, 0)  # due now, attempt not counted
        assert rig.dispatcher.counters.delivered == 0
        # A new dispatcher takes them up at once: nothing was lost.
        gate.set()
        again = Rig(rig.target, store=rig.store, clock=rig.clock)
        async with again.running():
            again.dispatcher.wake()
            await eventually(lambda: again.dispatcher.counters.delivered == 3)

    run(rig, body)


def test_stop_lets_attempts_in_progress_finish() -> None:
    gate = asyncio.Event()
    rig = Rig(RecordingTarget(gate=gate))

    async def body() -> None:
        async with rig.running():
            ids = await rig.put(2)
            await eventually(lambda: rig.target.active == 2)
            stopping = asyncio.create_task(rig.dispatcher.stop())
            await eventually(lambda: rig.dispatcher._stopping)
            gate.set()
            await stopping
        assert rig.dispatcher.counters.delivered == 2
        for event_id in ids:
            assert await rig.store.list_deliveries(event_id) == []

    run(rig, body)


def test_wake_starts_delivery_without_waiting_for_the_poll() -> None:
    rig = Rig()  # polls every 30 s; eventually gives up after 5

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.delivered == 1)
            await rig.settled()  # the loop is idle now, asleep until woken or polled
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.delivered == 2)

    run(rig, body)


def test_the_poll_is_a_backstop_for_commits_nobody_announced() -> None:
    rig = Rig(settings=replace(SETTINGS, dispatch_poll_seconds=0.01))
    silent = IngestService(rig.store, rig.routing, rig.clock, rig.settings)  # no dispatcher to tell
    entry = EntryInput(source="shop", detail_type="OrderPlaced", detail="{}")

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.delivered == 1)
            await rig.settled()
            await silent.put_events(SCOPE, [entry])
            await eventually(lambda: rig.dispatcher.counters.delivered == 2)

    run(rig, body)


def test_start_twice_is_refused() -> None:
    rig = Rig()

    async def body() -> None:
        async with rig.running():
            with pytest.raises(RuntimeError, match="already"):
                await rig.dispatcher.start()

    run(rig, body)
