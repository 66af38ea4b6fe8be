"""boto3, unchanged, against a running busway: the calls an EventBridge app makes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import events_client, sqs_client
from tests.support.server import BuswayServer


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = exc.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_bus_rule_targets_lifecycle(events: Any, unique: str) -> None:
    bus_arn = events.create_event_bus(Name=unique, Description="orders")["EventBusArn"]
    assert bus_arn == f"arn:aws:events:us-east-1:000000000000:event-bus/{unique}"
    pattern = {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}
    rule_arn = events.put_rule(Name="big", EventBusName=unique, EventPattern=json.dumps(pattern))[
        "RuleArn"
    ]
    assert rule_arn == f"arn:aws:events:us-east-1:000000000000:rule/{unique}/big"
    events.put_targets(
        Rule="big",
        EventBusName=unique,
        Targets=[
            {
                "Id": "t1",
                "Arn": "arn:aws:sqs:us-east-1:000000000000:orders",
                "InputTransformer": {
                    "InputPathsMap": {"total": "$.detail.total"},
                    "InputTemplate": '{"total": <total>}',
                },
                "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 600},
            }
        ],
    )
    described = events.describe_rule(Name="big", EventBusName=unique)
    assert described["Arn"] == rule_arn
    assert described["EventBusName"] == unique
    targets = events.list_targets_by_rule(Rule="big", EventBusName=unique)["Targets"]
    assert targets[0]["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 600}
    assert events.list_rule_names_by_target(
        TargetArn="arn:aws:sqs:us-east-1:000000000000:orders", EventBusName=unique
    )["RuleNames"] == ["big"]

    events.disable_rule(Name="big", EventBusName=unique)
    assert events.describe_rule(Name="big", EventBusName=unique)["State"] == "DISABLED"
    with pytest.raises(ClientError) as exc:
        events.delete_rule(Name="big", EventBusName=unique)
    assert _error(exc) == (
        "ValidationException",
        "Rule can't be deleted since it has targets.",
        400,
    )
    events.remove_targets(Rule="big", EventBusName=unique, Ids=["t1"])
    events.delete_rule(Name="big", EventBusName=unique)
    events.delete_event_bus(Name=unique)
    with pytest.raises(ClientError) as exc:
        events.describe_event_bus(Name=unique)
    assert _error(exc) == ("ResourceNotFoundException", f"Event bus {unique} does not exist.", 400)


def test_paginators_walk_every_rule(events: Any, unique: str) -> None:
    events.create_event_bus(Name=unique)
    names = [f"r{i:03d}" for i in range(23)]
    for name in names:
        events.put_rule(Name=name, EventBusName=unique, EventPattern='{"source":["x"]}')
    paginator = events.get_paginator("list_rules")
    pages = list(paginator.paginate(EventBusName=unique, PaginationConfig={"PageSize": 5}))
    assert len(pages) == 5
    assert [rule["Name"] for page in pages for rule in page["Rules"]] == names


def test_put_events_reports_each_entry(events: Any) -> None:
    answer = events.put_events(
        Entries=[
            {"Source": "app", "DetailType": "T", "Detail": '{"n": 1}'},
            {"Source": "app", "DetailType": "T"},
            {"Source": "app", "DetailType": "T", "Detail": "[1]"},
            {"Source": "app", "DetailType": "T", "Detail": "{}", "EventBusName": "nowhere"},
        ]
    )
    assert answer["FailedEntryCount"] == 2
    first, second, third, fourth = answer["Entries"]
    assert set(first) == {"EventId"}
    assert second == {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument.",
    }
    assert third == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    assert set(fourth) == {"EventId"}  # unknown bus: accepted and dropped, as AWS does


def test_put_events_over_ten_entries_is_refused(events: Any) -> None:
    entries = [{"Source": "app", "DetailType": "T", "Detail": "{}"}] * 11
    with pytest.raises(ClientError) as exc:
        events.put_events(Entries=entries)
    code, message, status = _error(exc)
    assert (code, status) == ("ValidationException", 400)
    assert "Member must have length less than or equal to 10" in message


def test_test_event_pattern(events: Any) -> None:
    event = {
        "id": "1",
        "account": "123456789012",
        "source": "shop",
        "time": "2024-01-01T00:00:00Z",
        "region": "us-east-1",
        "detail-type": "Order",
        "detail": {"total": 250},
    }
    pattern = {"detail": {"total": [{"numeric": [">", 100]}]}}
    result = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))
    assert result["Result"] is True
    with pytest.raises(ClientError) as exc:
        events.test_event_pattern(EventPattern='{"a": []}', Event=json.dumps(event))
    assert _error(exc) == (
        "InvalidEventPatternException",
        'Event pattern is not valid. Reason: Empty arrays are not allowed\n at [Source: (String)"'
        '{"a": []}"; line: 1, column: 9]',
        400,
    )


def test_invalid_pattern_on_put_rule(events: Any, unique: str) -> None:
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name=unique, EventPattern='{"int": 42}')
    assert _error(exc)[0] == "InvalidEventPatternException"
    assert _error(exc)[1].startswith('Event pattern is not valid. Reason: "int" must be an object')


def test_tags_on_buses_and_rules(events: Any, unique: str) -> None:
    bus_arn = events.create_event_bus(Name=unique, Tags=[{"Key": "team", "Value": "a"}])[
        "EventBusArn"
    ]
    events.tag_resource(ResourceARN=bus_arn, Tags=[{"Key": "env", "Value": "dev"}])
    events.untag_resource(ResourceARN=bus_arn, TagKeys=["team", "missing"])
    assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [
        {"Key": "env", "Value": "dev"}
    ]


def test_permissions_show_as_policy(events: Any, unique: str) -> None:
    events.create_event_bus(Name=unique)
    events.put_permission(
        EventBusName=unique, Action="events:PutEvents", Principal="111122223333", StatementId="s1"
    )
    policy = json.loads(events.describe_event_bus(Name=unique)["Policy"])
    assert policy["Statement"][0]["Sid"] == "s1"
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    events.remove_permission(EventBusName=unique, StatementId="s1")
    assert "Policy" not in events.describe_event_bus(Name=unique)


def test_region_comes_from_the_signature(server: BuswayServer, unique: str) -> None:
    eu = events_client(server.endpoint, region="eu-west-1")
    arn = eu.create_event_bus(Name=unique)["EventBusArn"]
    assert arn.startswith("arn:aws:events:eu-west-1:")
    us = events_client(server.endpoint)
    with pytest.raises(ClientError) as exc:
        us.describe_event_bus(Name=unique)
    assert _error(exc)[0] == "ResourceNotFoundException"


def test_unknown_operation_and_bad_body(server: BuswayServer) -> None:
    import urllib.request

    def post(target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 - loopback http
            server.endpoint + "/",
            data=body,
            headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    status, body = post("AWSEvents.FlyToTheMoon", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    status, body = post("AWSEvents.ListEventBuses", b"{not json")
    assert (status, body["__type"]) == (400, "SerializationException")
    for levels in (1001, 100_000):  # past the request limit, and past what the decoder takes
        status, body = post("AWSEvents.ListEventBuses", b"[" * levels + b"]" * levels)
        assert (status, body["__type"]) == (400, "SerializationException")


def _nested_detail(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def test_detail_nested_a_thousand_levels_is_delivered(server: BuswayServer, unique: str) -> None:
    events, sqs = events_client(server.endpoint), sqs_client(server.endpoint)
    queue_url = sqs.create_queue(QueueName=unique)["QueueUrl"]
    events.put_rule(Name=unique, EventPattern=json.dumps({"source": [unique]}))
    events.put_targets(
        Rule=unique, Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:us-east-1:000000000000:{unique}"}]
    )
    detail = _nested_detail(1000)
    answer = events.put_events(Entries=[{"Source": unique, "DetailType": "T", "Detail": detail}])
    assert answer["FailedEntryCount"] == 0
    received = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10)["Messages"]
    assert received[0]["Body"].endswith(f'"detail":{detail}}}')


def test_detail_nested_deeper_than_a_thousand_levels_is_malformed(events: Any) -> None:
    for levels in (1001, 5000):
        entry = {"Source": "app", "DetailType": "T", "Detail": _nested_detail(levels)}
        answer = events.put_events(Entries=[entry])
        assert answer["Entries"] == [
            {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
        ]


def test_test_event_pattern_takes_an_event_with_a_detail_put_events_takes(events: Any) -> None:
    event = {"id": "1", "account": "1", "source": "s", "time": "t", "region": "r"}
    text = json.dumps({**event, "detail-type": "T"})[:-1] + ', "detail": %s}'
    result = events.test_event_pattern(
        EventPattern='{"source": ["s"]}', Event=text % _nested_detail(1000)
    )
    assert result["Result"] is True
    with pytest.raises(ClientError) as exc:
        events.test_event_pattern(
            EventPattern='{"source": ["s"]}', Event=text % _nested_detail(1001)
        )
    assert _error(exc) == ("ValidationException", "Parameter Event is not valid.", 400)


def test_partner_event_sources_answer_as_a_region_without_them(events: Any) -> None:
    with pytest.raises(events.exceptions.OperationDisabledException):
        events.list_event_sources()
    with pytest.raises(events.exceptions.OperationDisabledException) as exc:
        events.put_partner_events(
            Entries=[{"Source": "aws.partner/acme.com/1/x", "DetailType": "T", "Detail": "{}"}]
        )
    assert _error(exc) == (
        "OperationDisabledException",
        "Partner event sources are not available on this busway node.",
        400,
    )


def test_arns_name_the_partition_of_the_region(server: BuswayServer, unique: str) -> None:
    events = events_client(server.endpoint, "cn-north-1")
    sqs = sqs_client(server.endpoint, "cn-north-1")
    account = "000000000000"
    url = sqs.create_queue(QueueName=unique)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    assert queue_arn["Attributes"]["QueueArn"] == f"arn:aws-cn:sqs:cn-north-1:{account}:{unique}"
    rule_arn = events.put_rule(Name=unique, EventPattern=json.dumps({"source": [unique]}))
    assert rule_arn["RuleArn"] == f"arn:aws-cn:events:cn-north-1:{account}:rule/{unique}"
    target = {"Id": "q", "Arn": f"arn:aws-cn:sqs:cn-north-1:{account}:{unique}"}
    events.put_targets(Rule=unique, Targets=[target])
    events.put_events(Entries=[{"Source": unique, "DetailType": "T", "Detail": "{}"}])
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
    gov = events_client(server.endpoint, "us-gov-west-1").describe_event_bus()
    assert gov["Arn"] == f"arn:aws-us-gov:events:us-gov-west-1:{account}:event-bus/default"
