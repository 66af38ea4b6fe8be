from __future__ import annotations

from busway.delivery.dead_letter import dead_letter_message
from busway.delivery.retry import DeadLetter, Exhausted
from busway.model import Target
from tests.contract.test_targets_contract import RULE_ARN, invocation_for

QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"


def test_the_dead_letter_carries_the_original_event_and_string_attributes() -> None:
    invocation = invocation_for(QUEUE)
    verdict = DeadLetter("TIMEOUT", "no answer", Exhausted.MAXIMUM_EVENT_AGE)
    message = dead_letter_message(invocation.event, RULE_ARN, Target("t", QUEUE), verdict, 7)
    assert message.body == invocation.event.body.decode()
    assert message.attributes == {
        "RULE_ARN": RULE_ARN,
        "TARGET_ARN": QUEUE,
        "ERROR_CODE": "TIMEOUT",
        "ERROR_MESSAGE": "no answer",
        "EXHAUSTED_RETRY_CONDITION": "MaximumEventAgeInSeconds",
        "RETRY_ATTEMPTS": "6",
    }


def test_a_failure_never_retried_has_no_exhausted_condition() -> None:
    invocation = invocation_for(QUEUE)
    verdict = DeadLetter("NO_RESOURCE", "gone", None)
    message = dead_letter_message(invocation.event, RULE_ARN, Target("t", QUEUE), verdict, 1)
    assert "EXHAUSTED_RETRY_CONDITION" not in message.attributes
    assert message.attributes["RETRY_ATTEMPTS"] == "0"
