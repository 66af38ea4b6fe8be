"""Schedule invocations through the real Dispatcher: retries, attempt numbers, dead letters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from busway.config import Settings
from busway.delivery.dispatcher import Dispatcher
from busway.delivery.schedules import ResolveTargets, ScheduledAttempts
from busway.delivery.target import Outcome, TargetKind
from busway.model import RetryPolicy, Scope, Target
from busway.service.routing import RoutingTable
from busway.store.schedules import ScheduleTarget
from tests.support.targets import RecordingQueues, RecordingTarget, eventually
from tests.unit.scheduler.support import QUEUE, ROLE, SCOPE, make_rig, run, spec

T0 = datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC)
DLQ = "arn:aws:sqs:us-east-1:123456789012:dlq"
ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/s"
# A long poll: every delivery in these tests was started by wake().
SETTINGS = Settings(dispatch_poll_seconds=30.0)
INPUT = '{"attempt": <aws.scheduler.attempt-number>, "arn": "<aws.scheduler.schedule-arn>"}'


class Jitter:
    def random(self) -> float:
        return 0.5


def test_retries_fill_in_the_attempt_number_and_end_in_the_dead_letter_queue() -> None:
    async def body() -> None:
        rig = make_rig(T0)
        failure = Outcome.failure("THROTTLING", "slow down", retryable=True)
        recording = RecordingTarget(failure, failure, failure)
        queues = RecordingQueues([DLQ])
        dispatcher = Dispatcher(
            rig.outbox,
            ResolveTargets(RoutingTable(), rig.firing),
            {TargetKind.QUEUE: ScheduledAttempts(recording)},
            queues,
            rig.clock,
            SETTINGS,
            Jitter(),
            drain_seconds=5.0,
        )
        target = ScheduleTarget(
            QUEUE, ROLE, input=INPUT, retry_policy=RetryPolicy(1, 3600), dead_letter_arn=DLQ
        )
        await rig.service.create_schedule(
            SCOPE, spec(expression="at(2024-05-01T12:01:00)", target=target)
        )
        await dispatcher.start()
        try:
            await rig.run_until(T0 + timedelta(minutes=1))
            dispatcher.wake()
            await eventually(lambda: len(recording.invocations) == 1)
            await eventually(lambda: dispatcher.in_flight == 0)
            rig.clock.advance(timedelta(seconds=700))
            dispatcher.wake()
            await eventually(lambda: len(queues.sent) == 1)
        finally:
            await dispatcher.stop()
        payloads = [json.loads(i.payload) for i in recording.invocations]
        assert payloads == [{"attempt": 1, "arn": ARN}, {"attempt": 2, "arn": ARN}]
        assert all(i.rule_arn == ARN for i in recording.invocations)
        [dead] = queues.sent
        [execution_id] = {i.event.id for i in recording.invocations}
        # Scheduler's own dead-letter attributes, as its user guide lists them.
        assert dead.attributes == {
            "SCHEDULE_ARN": ARN,
            "TARGET_ARN": QUEUE,
            "ERROR_CODE": "THROTTLING",
            "ERROR_MESSAGE": "slow down",
            "RETRY_ATTEMPTS": "1",
            "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
            "EXECUTION_ID": execution_id,
            "SCHEDULED_TIME": "2024-05-01T12:01:00Z",
            "IS_PAYLOAD_TRUNCATED": "false",
        }
        assert json.loads(dead.body) == {"attempt": 2, "arn": ARN}

    run(body)


class Rules:
    def __init__(self, target: Target) -> None:
        self.asked: list[str] = []
        self._target = target

    def target(self, scope: Scope, bus_name: str, rule_arn: str, target_id: str) -> Target | None:
        self.asked.append(rule_arn)
        return self._target


def test_resolution_goes_by_arn() -> None:
    rule_target = Target("t", QUEUE)
    rules = Rules(rule_target)
    schedules = Rules(Target("schedule", DLQ))
    resolve = ResolveTargets(rules, schedules)
    rule = "arn:aws:events:us-east-1:123456789012:rule/r"
    assert resolve.target(SCOPE, "default", rule, "t") is rule_target
    assert resolve.target(SCOPE, "aws.scheduler", ARN, "schedule") == Target("schedule", DLQ)
    assert (rules.asked, schedules.asked) == ([rule], [ARN])
