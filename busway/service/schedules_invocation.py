"""What one tick of a schedule puts in the outbox (pure): its event, delivery and target.

A schedule invocation travels the same durable path as a rule's: an event in the outbox with one
delivery whose ``rule_arn`` is the schedule's ARN, so the dispatcher's retries, RetryPolicy and
dead-letter queue apply unchanged. The stored event body is what the target receives: the
schedule's Input with its context placeholders filled in, except the attempt number, which only
the attempt knows (``render_attempt``). For an EventBridgeParameters target the body is instead
an event envelope whose ``detail`` is the Input, which the event-bus target puts on its bus.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from busway import jsontext
from busway.arns import PARTITION_PATTERN
from busway.errors import ValidationError
from busway.model import Delivery, Event, IngestRecord, Target
from busway.store.schedules import Schedule, ScheduleTarget

__all__ = [
    "ATTEMPT_NUMBER",
    "SCHEDULER_BUS",
    "TARGET_ID",
    "check_input",
    "delivery_target",
    "invocation",
    "is_schedule_arn",
    "render_attempt",
    "render_input",
]

SCHEDULE_ARN: Final = "<aws.scheduler.schedule-arn>"
SCHEDULED_TIME: Final = "<aws.scheduler.scheduled-time>"
EXECUTION_ID: Final = "<aws.scheduler.execution-id>"
ATTEMPT_NUMBER: Final = "<aws.scheduler.attempt-number>"

# Schedule invocations are stored as events of this pseudo bus: no rule matches them, and lists
# of a real bus's events do not show them.
SCHEDULER_BUS: Final = "aws.scheduler"
TARGET_ID: Final = "schedule"  # a schedule has exactly one target
_SOURCE: Final = "aws.scheduler"
_DETAIL_TYPE: Final = "Scheduled Invocation"
# Without Input a target gets an empty JSON object (an SQS message cannot be empty).
_NO_INPUT: Final = "{}"
_SCHEDULE_ARN: Final = re.compile(rf"arn:{PARTITION_PATTERN}:scheduler:")


def is_schedule_arn(arn: str) -> bool:
    return _SCHEDULE_ARN.match(arn) is not None


def render_input(
    text: str, *, schedule_arn: str, scheduled_time: datetime, execution_id: str
) -> str:
    """Fill the placeholders known when the tick fires (plain text substitution, as AWS does)."""
    return (
        text.replace(SCHEDULE_ARN, schedule_arn)
        .replace(SCHEDULED_TIME, _iso_seconds(scheduled_time))
        .replace(EXECUTION_ID, execution_id)
    )


def render_attempt(text: str, attempt: int) -> str:
    return text.replace(ATTEMPT_NUMBER, str(attempt))


def check_input(target: ScheduleTarget) -> None:
    """An EventBridgeParameters target's Input becomes an event's detail: a JSON object once
    the placeholders are filled in. Raises ValidationError otherwise."""
    if target.event_bridge is None or target.input is None:
        return
    sample = render_attempt(
        render_input(
            target.input,
            schedule_arn="arn",
            scheduled_time=datetime(2000, 1, 1, tzinfo=UTC),
            execution_id="id",
        ),
        1,
    )
    try:
        detail = jsontext.loads(sample)
    except (jsontext.JSONDecodeError, ValueError):
        detail = None
    if not isinstance(detail, dict):
        raise ValidationError(
            "The Input of a target with EventBridgeParameters must be a JSON object."
        )


def delivery_target(schedule: Schedule) -> Target:
    """The schedule's target as the dispatcher delivers to it: the stored event body as is."""
    target = schedule.target
    return Target(
        id=TARGET_ID,
        arn=target.arn,
        role_arn=target.role_arn,
        retry_policy=target.retry_policy,
        dead_letter_arn=target.dead_letter_arn,
        sqs_message_group_id=target.sqs_message_group_id,
    )


def invocation(
    schedule: Schedule, tick: datetime, fired_at: datetime, event_id: str
) -> IngestRecord:
    """The event and delivery of the schedule's invocation for ``tick``, due at once."""
    target = schedule.target
    payload = render_input(
        target.input or _NO_INPUT,
        schedule_arn=schedule.arn,
        scheduled_time=tick,
        execution_id=event_id,
    )
    source, detail_type = _SOURCE, _DETAIL_TYPE
    if target.event_bridge is not None:
        source, detail_type = target.event_bridge.source, target.event_bridge.detail_type
        payload = _envelope(schedule, tick, event_id, source, detail_type, payload)
    event = Event(
        id=event_id,
        scope=schedule.scope,
        bus_name=SCHEDULER_BUS,
        source=source,
        detail_type=detail_type,
        time=tick,
        ingested_at=fired_at,
        body=payload.encode(),
        resources=(schedule.arn,),
    )
    return IngestRecord(event, (Delivery(event_id, schedule.arn, TARGET_ID, fired_at),))


def _envelope(
    schedule: Schedule, tick: datetime, event_id: str, source: str, detail_type: str, detail: str
) -> str:
    # The detail is spliced in as text: it may still hold the attempt-number placeholder, which
    # is only valid JSON once filled in.
    head = jsontext.dumps(
        {
            "version": "0",
            "id": event_id,
            "detail-type": detail_type,
            "source": source,
            "account": schedule.scope.account,
            "time": _iso_seconds(tick),
            "region": schedule.scope.region,
            "resources": [schedule.arn],
        }
    )
    return f'{head[:-1]},"detail":{detail}}}'


def _iso_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
