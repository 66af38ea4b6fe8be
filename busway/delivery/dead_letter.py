"""The message EventBridge puts on a target's dead-letter queue (spec 6.4, sqs.md 5) (pure).

The body is the original event, the envelope JSON exactly as stored, not what Input /
InputPath / InputTransformer made of it: sqs.md 5 says "the original event JSON", and it is what
lets a consumer of the DLQ re-drive the event. The attributes, all of type String, say where and
why it failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from busway.delivery.retry import DeadLetter
from busway.model import Event, Target

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
    return DeadLetterMessage(event.body.decode(), attributes)
