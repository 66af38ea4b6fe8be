from __future__ import annotations

from typing import Any

import pytest

from busway.config import Settings
from tests.unit.api.conftest import ACCOUNT, Events, event

QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"
RULE_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/orders"
NO_FAILURES = {"FailedEntryCount": 0, "FailedEntries": []}


@pytest.fixture
def rule(events: Events) -> Events:
    events.ok("PutRule", {"Name": "orders", "EventPattern": '{"source": ["app.orders"]}'})
    return events


def put(events: Events, *targets: dict[str, Any]) -> dict[str, Any]:
    return events.ok("PutTargets", {"Rule": "orders", "Targets": list(targets)})


def put_error(events: Events, *targets: dict[str, Any]) -> tuple[str, str]:
    return events.error("PutTargets", {"Rule": "orders", "Targets": list(targets)})


def listed(events: Events) -> list[dict[str, Any]]:
    targets: list[dict[str, Any]] = events.ok("ListTargetsByRule", {"Rule": "orders"})["Targets"]
    return targets


def test_put_and_list(rule: Events) -> None:
    assert put(rule, {"Id": "b", "Arn": QUEUE}, {"Id": "a", "Arn": QUEUE}) == NO_FAILURES
    assert listed(rule) == [{"Id": "a", "Arn": QUEUE}, {"Id": "b", "Arn": QUEUE}]


def test_every_member_round_trips(rule: Events) -> None:
    target = {
        "Id": "full",
        "Arn": QUEUE,
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "InputTransformer": {
            "InputPathsMap": {"src": "$.source"},
            "InputTemplate": '{"from": <src>, "rule": <aws.events.rule-name>}',
        },
        "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 60},
        "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:dlq"},
        "SqsParameters": {"MessageGroupId": "g"},
        "HttpParameters": {
            "PathParameterValues": ["p"],
            "HeaderParameters": {"X-Key": "v"},
            "QueryStringParameters": {"q": "1"},
        },
    }
    put(rule, target)
    assert listed(rule) == [target]


def test_unknown_kind_parameters_are_echoed_as_sent(rule: Events) -> None:
    ecs = {
        "TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/t:1",
        "TaskCount": 2,
        "NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["s-1"]}},
    }
    kinesis = {"PartitionKeyPath": "$.id"}
    role = "arn:aws:iam::123456789012:role/events"
    put(
        rule,
        {
            "Id": "ecs",
            "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
            "RoleArn": role,
            "EcsParameters": ecs,
        },
        {
            "Id": "k",
            "Arn": "arn:aws:kinesis:us-east-1:1:stream/s",
            "RoleArn": role,
            "KinesisParameters": kinesis,
        },
    )
    assert [target.get("EcsParameters") for target in listed(rule)] == [ecs, None]
    assert listed(rule)[1]["KinesisParameters"] == kinesis


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:events:us-east-1:123456789012:api-destination/d/0b1c",
        "arn:aws:states:us-east-1:123456789012:stateMachine:workflow",
        "arn:aws:codebuild:us-east-1:123456789012:project/p",
        "arn:aws:codepipeline:us-east-1:123456789012:pipeline",
        "arn:aws:kinesis:us-east-1:123456789012:stream/s",
        "arn:aws:events:us-east-1:210987654321:event-bus/default",
        "arn:aws:events:eu-west-1:123456789012:event-bus/default",
    ],
)
def test_targets_invoked_through_a_role_need_one(rule: Events, arn: str) -> None:
    assert put_error(rule, {"Id": "t", "Arn": arn}) == (
        "ValidationException",
        f"RoleArn is required for target {arn}.",
    )
    assert listed(rule) == []
    put(rule, {"Id": "t", "Arn": arn, "RoleArn": "arn:aws:iam::123456789012:role/events"})


def test_targets_of_this_account_and_region_need_no_role(rule: Events) -> None:
    put(
        rule,
        {"Id": "q", "Arn": QUEUE},
        {"Id": "b", "Arn": "arn:aws:events:us-east-1:123456789012:event-bus/audit"},
        {"Id": "l", "Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/x"},
    )
    assert len(listed(rule)) == 3


ECS = "arn:aws:ecs:us-east-1:123456789012:cluster/c"
ROLE = "arn:aws:iam::123456789012:role/events"


@pytest.mark.parametrize(
    ("ecs", "member", "label"),
    [
        ({"NetworkConfiguration": "abc"}, "NetworkConfiguration", "structure"),
        ({"PlacementConstraints": [5]}, "PlacementConstraints", "structure"),
        ({"TaskCount": "2"}, "TaskCount", "integer"),
        ({"Tags": {"a": 1}}, "Tags", "list"),
        ({"EnableECSManagedTags": "yes"}, "EnableECSManagedTags", "boolean"),
    ],
)
def test_kept_parameter_blocks_must_fit_the_model(
    rule: Events, ecs: dict[str, Any], member: str, label: str
) -> None:
    # Stored as sent, they broke every later ListTargetsByRule in boto3.
    block = {"TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/t:1", **ecs}
    target = {"Id": "e", "Arn": ECS, "RoleArn": ROLE, "EcsParameters": block}
    assert put_error(rule, target) == (
        "SerializationException",
        f"Value for member {member} is not a valid {label}.",
    )
    assert listed(rule) == []


def test_kept_parameter_blocks_lose_members_the_model_does_not_know(rule: Events) -> None:
    block = {
        "TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/t:1",
        "Zzz": 1,
        "NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["s-1"], "Extra": True}},
    }
    put(rule, {"Id": "e", "Arn": ECS, "RoleArn": ROLE, "EcsParameters": block})
    assert listed(rule)[0]["EcsParameters"] == {
        "TaskDefinitionArn": block["TaskDefinitionArn"],
        "NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["s-1"]}},
    }


def test_unknown_kind_required_members(rule: Events) -> None:
    code, message = put_error(rule, {"Id": "k", "Arn": QUEUE, "KinesisParameters": {}})
    assert (code, message) == (
        "ValidationException",
        "1 validation error detected: Value null at "
        "'targets.1.member.kinesisParameters.partitionKeyPath' failed to satisfy constraint: "
        "Member must not be null",
    )


def test_input_round_trips(rule: Events) -> None:
    put(
        rule,
        {"Id": "i", "Arn": QUEUE, "Input": '{"a": 1}'},
        {"Id": "p", "Arn": QUEUE, "InputPath": "$.detail"},
    )
    assert listed(rule) == [
        {"Id": "i", "Arn": QUEUE, "Input": '{"a": 1}'},
        {"Id": "p", "Arn": QUEUE, "InputPath": "$.detail"},
    ]


def test_upsert_by_id(rule: Events) -> None:
    put(rule, {"Id": "t", "Arn": QUEUE, "Input": '"one"'})
    put(rule, {"Id": "t", "Arn": QUEUE})
    assert listed(rule) == [{"Id": "t", "Arn": QUEUE}]


def test_same_id_twice_last_wins(rule: Events) -> None:
    put(
        rule,
        {"Id": "t", "Arn": QUEUE, "Input": '"first"'},
        {"Id": "t", "Arn": QUEUE, "Input": '"last"'},
    )
    assert listed(rule) == [{"Id": "t", "Arn": QUEUE, "Input": '"last"'}]


def test_more_than_five_targets_fails_the_whole_call(rule: Events) -> None:
    put(rule, *({"Id": f"t{index}", "Arn": QUEUE} for index in range(4)))
    assert put_error(rule, {"Id": "t4", "Arn": QUEUE}, {"Id": "t5", "Arn": QUEUE}) == (
        "LimitExceededException",
        "The requested resource exceeds the maximum number allowed.",
    )
    assert len(listed(rule)) == 4
    put(rule, {"Id": "t0", "Arn": QUEUE}, {"Id": "t4", "Arn": QUEUE})  # replacing is not adding
    assert len(listed(rule)) == 5


def test_only_one_input_kind(rule: Events) -> None:
    assert put_error(rule, {"Id": "t", "Arn": QUEUE, "Input": "{}", "InputPath": "$.detail"}) == (
        "ValidationException",
        "Only one of Input, InputPath, or InputTransformer must be provided for target t.",
    )


def test_invalid_placeholder(rule: Events) -> None:
    transformer = {"InputPathsMap": {"a": "$.source"}, "InputTemplate": '{"x": <a>, "y": <b>}'}
    assert put_error(rule, {"Id": "t", "Arn": QUEUE, "InputTransformer": transformer}) == (
        "ValidationException",
        "InputTemplate for target t contains invalid placeholder b.",
    )


def test_input_must_be_json(rule: Events) -> None:
    assert put_error(rule, {"Id": "t", "Arn": QUEUE, "Input": "{not json"}) == (
        "ValidationException",
        "Input for target t is not a valid JSON text.",
    )


def test_id_and_arn_constraints(rule: Events) -> None:
    code, message = put_error(rule, {"Id": "bad id", "Arn": ""}, {"Arn": QUEUE})
    assert code == "ValidationException"
    assert message == (
        "3 validation errors detected: "
        "Value 'bad id' at 'targets.1.member.id' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+; "
        "Value '' at 'targets.1.member.arn' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value null at 'targets.2.member.id' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_retry_policy_and_input_lengths(rule: Events) -> None:
    code, message = put_error(
        rule,
        {
            "Id": "t",
            "Arn": QUEUE,
            "InputPath": "$." + "a" * 255,
            "RetryPolicy": {"MaximumRetryAttempts": 186, "MaximumEventAgeInSeconds": 59},
        },
    )
    assert code == "ValidationException"
    assert message == (
        "3 validation errors detected: "
        f"Value '$.{'a' * 255}' at 'targets.1.member.inputPath' failed to satisfy constraint: "
        "Member must have length less than or equal to 256; "
        "Value '186' at 'targets.1.member.retryPolicy.maximumRetryAttempts' failed to satisfy "
        "constraint: Member must have value less than or equal to 185; "
        "Value '59' at 'targets.1.member.retryPolicy.maximumEventAgeInSeconds' failed to "
        "satisfy constraint: Member must have value greater than or equal to 60"
    )


def test_http_parameter_constraints(rule: Events) -> None:
    http = {"PathParameterValues": [" "], "HeaderParameters": {"Bad Key": "v"}}
    code, message = put_error(rule, {"Id": "t", "Arn": QUEUE, "HttpParameters": http})
    assert code == "ValidationException"
    assert message == (
        "2 validation errors detected: "
        "Value ' ' at 'targets.1.member.httpParameters.pathParameterValues.1.member' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: ^(?!\\s*$).+; "
        "Value '{Bad Key=v}' at 'targets.1.member.httpParameters.headerParameters' failed to "
        "satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular "
        "expression pattern: ^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$]"
    )


def test_sqs_message_group_length(rule: Events) -> None:
    code, message = put_error(
        rule, {"Id": "t", "Arn": QUEUE, "SqsParameters": {"MessageGroupId": "g" * 101}}
    )
    assert code == "ValidationException"
    assert "'targets.1.member.sqsParameters.messageGroupId'" in message


def test_fifo_queue_target_needs_a_message_group(rule: Events) -> None:
    fifo = "arn:aws:sqs:us-east-1:123456789012:orders.fifo"
    for target in ({"Id": "f", "Arn": fifo}, {"Id": "f", "Arn": fifo, "SqsParameters": {}}):
        assert put_error(rule, {"Id": "ok", "Arn": QUEUE}, target) == (
            "ValidationException",
            "Parameter(s) SqsParameters must be specified for target: f.",
        )
    assert listed(rule) == []  # the whole call is refused
    put(rule, {"Id": "f", "Arn": fifo, "SqsParameters": {"MessageGroupId": "g"}})
    assert [target["Id"] for target in listed(rule)] == ["f"]


@pytest.mark.parametrize(
    ("dead_letter", "message"),
    [
        # AWS's texts: as CloudTrail recorded it, and as a lint project recorded it on AWS.
        (
            "arn:aws:sqs:us-east-1:123456789012:dlq.fifo",
            "SQS FIFO is not supported by Dead Letter Queues.",
        ),
        (
            "arn:aws:sns:us-east-1:123456789012:topic",
            "sns is not supported as a dead letter resource",
        ),
        (
            "garbage",
            "Parameter garbage is not valid. Reason: Provided Arn is not in correct format.",
        ),
    ],
)
def test_dead_letter_queue_must_be_a_standard_queue(
    rule: Events, dead_letter: str, message: str
) -> None:
    target = {"Id": "t", "Arn": QUEUE, "DeadLetterConfig": {"Arn": dead_letter}}
    assert put_error(rule, target) == ("ValidationException", message)
    assert listed(rule) == []


@pytest.mark.parametrize("arn", ["x", "arn", "arn:aws:sqs:us-east-1:123456789012", "arn::sqs:::q"])
def test_a_target_arn_must_be_an_arn(rule: Events, arn: str) -> None:
    # AWS's text, quoted from a real answer (terraform-provider-aws #37773).
    assert put_error(rule, {"Id": "t", "Arn": arn}) == (
        "ValidationException",
        f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format.",
    )
    put(rule, {"Id": "s3", "Arn": "arn:aws:s3:::bucket"})  # region and account may be empty


def test_targets_list_required_and_bounded(rule: Events) -> None:
    assert rule.error("PutTargets", {"Rule": "orders", "Targets": []}) == (
        "ValidationException",
        "1 validation error detected: Value '[]' at 'targets' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    )


def test_put_targets_on_unknown_rule(events: Events) -> None:
    assert put_error(events, {"Id": "t", "Arn": QUEUE}) == (
        "ResourceNotFoundException",
        "Rule orders does not exist on EventBus default.",
    )


def test_remove_targets(rule: Events) -> None:
    put(rule, {"Id": "a", "Arn": QUEUE}, {"Id": "b", "Arn": QUEUE})
    answer = rule.ok("RemoveTargets", {"Rule": "orders", "Ids": ["a", "never-there"]})
    assert answer == NO_FAILURES
    assert listed(rule) == [{"Id": "b", "Arn": QUEUE}]


def test_remove_targets_validates_ids(rule: Events) -> None:
    assert rule.error("RemoveTargets", {"Rule": "orders", "Ids": ["ok", "not ok"]}) == (
        "ValidationException",
        "1 validation error detected: Value 'not ok' at 'ids.2.member' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
    )


def test_remove_targets_on_unknown_rule(events: Events) -> None:
    assert events.error("RemoveTargets", {"Rule": "orders", "Ids": ["a"]}) == (
        "ResourceNotFoundException",
        "Rule orders does not exist on EventBus default.",
    )


def test_list_targets_pages() -> None:
    events = Events(settings=Settings(max_targets_per_rule=10))
    events.ok("PutRule", {"Name": "orders", "EventPattern": '{"source": ["app.orders"]}'})
    put(events, *({"Id": f"t{index}", "Arn": QUEUE} for index in range(7)))
    seen: list[str] = []
    body: dict[str, Any] = {"Rule": "orders", "Limit": 3}
    while True:
        answer = events.ok("ListTargetsByRule", body)
        seen += [target["Id"] for target in answer["Targets"]]
        if "NextToken" not in answer:
            break
        body = {**body, "NextToken": answer["NextToken"]}
    assert seen == [f"t{index}" for index in range(7)]


def test_list_targets_on_unknown_rule(events: Events) -> None:
    assert events.error("ListTargetsByRule", {"Rule": "nope"}) == (
        "ResourceNotFoundException",
        "Rule nope does not exist on EventBus default.",
    )


def test_routing_follows_targets(rule: Events) -> None:
    assert rule.routed(event()) == []
    put(rule, {"Id": "a", "Arn": QUEUE}, {"Id": "b", "Arn": QUEUE})
    assert rule.routed(event()) == [(RULE_ARN, "a"), (RULE_ARN, "b")]
    rule.ok("RemoveTargets", {"Rule": "orders", "Ids": ["a"]})
    assert rule.routed(event()) == [(RULE_ARN, "b")]
    rule.ok("RemoveTargets", {"Rule": "orders", "Ids": ["b"]})
    assert rule.routed(event()) == []


def test_a_long_bad_header_value_is_refused_at_once(events: Events) -> None:
    """The model's header pattern backtracks exponentially; busway must not hang on it."""
    events.ok("PutRule", {"Name": "r", "EventPattern": '{"source": ["s"]}'})
    target = {
        "Id": "t",
        "Arn": "arn:aws:events:us-east-1:123456789012:api-destination/d/x",
        "HttpParameters": {"HeaderParameters": {"X-Bad": "a " * 2000 + "\x01"}},
    }
    code, message = events.error("PutTargets", {"Rule": "r", "Targets": [target]})
    assert code == "ValidationException"
    assert "Map value must satisfy constraint" in message
