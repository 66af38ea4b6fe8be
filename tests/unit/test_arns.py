from __future__ import annotations

import pytest

from busway.arns import bus_arn, partition, rule_arn
from busway.model import Scope
from busway.service.queue_names import split_queue_arn
from busway.service.redrive import parse_rule_arn
from busway.service.schedules_invocation import is_schedule_arn


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
    ],
)
def test_partition_of_a_region(region: str, expected: str) -> None:
    assert partition(region) == expected


def test_arns_are_read_back_in_any_partition() -> None:
    scope = Scope("123456789012", "cn-north-1")
    assert bus_arn(scope, "orders") == "arn:aws-cn:events:cn-north-1:123456789012:event-bus/orders"
    rule = parse_rule_arn(rule_arn(scope, "orders", "r"))
    assert rule is not None
    assert (rule.scope, rule.bus_name, rule.name) == (scope, "orders", "r")
    assert split_queue_arn("arn:aws-cn:sqs:cn-north-1:123456789012:q") == (scope, "q")
    assert split_queue_arn("arn:other:sqs:cn-north-1:123456789012:q") is None
    assert is_schedule_arn("arn:aws-cn:scheduler:cn-north-1:123456789012:schedule/default/s")
