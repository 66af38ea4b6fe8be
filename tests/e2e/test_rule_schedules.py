"""Scheduled rules through a real server: boto3's put_rule validation and a real tick."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import REGION, sqs_client
from tests.support.schedules import INVALID_SCHEDULES, VALID_SCHEDULES
from tests.support.server import BuswayServer

# A rate(1 minute) rule first fires at the start of the minute after the one it was made in.
FIRST_TICK_WITHIN_S = 90


@pytest.mark.parametrize("expression", VALID_SCHEDULES)
def test_put_rule_accepts(events: Any, unique: str, expression: str) -> None:
    arn = events.put_rule(Name=unique, ScheduleExpression=expression)["RuleArn"]
    described = events.describe_rule(Name=unique)
    assert (described["Arn"], described["ScheduleExpression"]) == (arn, expression)
    listed = events.list_rules(NamePrefix=unique)["Rules"]
    assert [rule["ScheduleExpression"] for rule in listed] == [expression]
    events.delete_rule(Name=unique)


@pytest.mark.parametrize("expression", [e for e in INVALID_SCHEDULES if e])
def test_put_rule_refuses(events: Any, unique: str, expression: str) -> None:
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name=unique, ScheduleExpression=expression)
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "Parameter ScheduleExpression is not valid.",
    )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert events.list_rules(NamePrefix=unique)["Rules"] == []


def test_put_rule_refuses_a_schedule_on_a_custom_bus(events: Any, unique: str) -> None:
    events.create_event_bus(Name=unique)
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name=unique, EventBusName=unique, ScheduleExpression="rate(5 minutes)")
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "ScheduleExpression is supported only on the default event bus.",
    )


def test_a_rate_rule_delivers_its_scheduled_event_to_a_queue(
    server: BuswayServer, events: Any, unique: str
) -> None:
    sqs = sqs_client(server.endpoint)
    url = sqs.create_queue(QueueName=unique)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    rule_arn = events.put_rule(Name=unique, ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(Rule=unique, Targets=[{"Id": "queue", "Arn": queue_arn}])
    # Another rule on the default bus that would match the scheduled event, were it shown to it.
    spy_url = sqs.create_queue(QueueName=f"{unique}-spy")["QueueUrl"]
    spy_arn = sqs.get_queue_attributes(QueueUrl=spy_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name=f"{unique}-spy", EventPattern=json.dumps({"resources": [rule_arn]}))
    events.put_targets(Rule=f"{unique}-spy", Targets=[{"Id": "spy", "Arn": spy_arn}])

    message = _receive(sqs, url, FIRST_TICK_WITHIN_S)
    envelope = json.loads(message["Body"])
    assert list(envelope) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert {key: envelope[key] for key in ("version", "detail-type", "source", "detail")} == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "detail": {},
    }
    assert (envelope["account"], envelope["region"]) == (rule_arn.split(":")[4], REGION)
    assert envelope["resources"] == [rule_arn]
    assert envelope["time"].endswith(":00Z")  # the start of the minute
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    # The tick went to the rule's own target alone.
    assert sqs.receive_message(QueueUrl=spy_url, WaitTimeSeconds=1).get("Messages", []) == []
    events.remove_targets(Rule=unique, Ids=["queue"])
    events.delete_rule(Name=unique)


def _receive(sqs: Any, url: str, within_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        wait = max(1, min(20, int(deadline - time.monotonic())))
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait).get("Messages", [])
        if messages:
            message: dict[str, Any] = messages[0]
            return message
    raise AssertionError(f"no scheduled event arrived on {url} within {within_s}s")
