from __future__ import annotations

import asyncio

import pytest

from busway.delivery.target import Invocation
from busway.delivery.targets.unsupported import UnsupportedTarget, unsupported_kind
from tests.contract.test_targets_contract import invocation_for


@pytest.mark.parametrize(
    ("arn", "kind"),
    [
        ("arn:aws:sns:us-east-1:123456789012:alerts", "sns"),
        ("arn:aws:states:us-east-1:123456789012:stateMachine:flow", "states"),
        ("arn:aws:ecs:us-east-1:123456789012:cluster/c", "ecs"),
        ("arn:aws:kinesis:us-east-1:123456789012:stream/s", "kinesis"),
        ("arn:aws:lambda:us-east-1:123456789012:function:f", "lambda"),
        ("arn:aws:events:us-east-1:123456789012:api-destination/d/1", "api-destination"),
        ("not an arn", "unrecognised"),
    ],
)
def test_the_failure_names_the_kind_of_target(arn: str, kind: str) -> None:
    assert unsupported_kind(arn) == kind
    invocation: Invocation = invocation_for(arn)
    outcome = asyncio.run(UnsupportedTarget().invoke(invocation))
    assert (outcome.delivered, outcome.retryable, outcome.error_code) == (
        False,
        False,
        "NO_RESOURCE",
    )
    assert outcome.error_message == f"busway does not deliver to {kind} targets"
