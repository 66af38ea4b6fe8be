"""The message EventBridge puts on a target's dead-letter queue (spec 6.4, sqs.md 5) (pure).

The body is the original event, the envelope JSON exactly as stored, not what Input /
InputPath / InputTransformer made of it: sqs.md 5 says "the original event JSON", and it is what
lets a consumer of the DLQ re-drive the event. The attributes, all of type String, say where and
why it failed.

A schedule's invocation (EventBridge Scheduler) dead-letters with Scheduler's own attributes,
as its user guide lists them ("Retrieve the dead-letter event"): SCHEDULE_ARN where a rule's
names RULE_ARN, and the invocation's EXECUTION_ID, SCHEDULED_TIME and IS_PAYLOAD_TRUNCATED; its
body is what the target was sent, the attempt number filled in as of the last attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from busway.delivery.retry import DeadLetter
from busway.model import Event, Target
from busway.service.schedules_invocation import is_schedule_arn, render_attempt

__all__ = ["DeadLetterMessage", "dead_letter_message"]


@dataclass(frozen=True, slots=True)
class DeadLetterMessage:
    body: str
    attributes: dict[str, str]


def dead_letter_message(
    event: Event, rule_arn: str, target: Target, verdict: DeadLetter, attempts: int
) -> DeadLetterMessage:
    """``attempts`` made in all; ``RETRY_ATTEMPTS`` counts those after the first."""
    attributes = {
        "RULE_ARN": rule_arn,
        "TARGET_ARN": target.arn,
        "ERROR_CODE": verdict.error_code,
        "ERROR_MESSAGE": verdict.error_message,
        "RETRY_ATTEMPTS": str(max(attempts - 1, 0)),
    }
    if verdict.exhausted is not None:  # only when a retry limit ended delivery
        attributes["EXHAUSTED_RETRY_CONDITION"] = verdict.exhausted.value
    body = event.body.decode()
    if is_schedule_arn(rule_arn):
        attributes = _scheduler_attributes(attributes, event)
        body = render_attempt(body, max(attempts, 1))
    return DeadLetterMessage(body, attributes)


def _scheduler_attributes(attributes: dict[str, str], event: Event) -> dict[str, str]:
    """A schedule invocation's event is its execution: its id, and its time the tick's."""
    scheduler = {"SCHEDULE_ARN": attributes.pop("RULE_ARN"), **attributes}
    scheduler["EXECUTION_ID"] = event.id
    scheduler["SCHEDULED_TIME"] = event.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    scheduler["IS_PAYLOAD_TRUNCATED"] = "false"  # busway sends the payload whole
    return scheduler
