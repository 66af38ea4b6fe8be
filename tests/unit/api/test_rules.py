from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import pytest

from busway.config import Settings
from tests.support.schedules import INVALID_SCHEDULES, VALID_SCHEDULES
from tests.unit.api.conftest import ACCOUNT, SCOPE, Events, event

PATTERN = '{"source": ["app.orders"]}'
RULE_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/orders"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"


def put_rule(events: Events, name: str = "orders", **members: object) -> str:
    body = {"Name": name, "EventPattern": PATTERN, **members}
    arn: str = events.ok("PutRule", body)["RuleArn"]
    return arn


def test_put_and_describe(events: Events) -> None:
    assert put_rule(events, Description="new orders") == RULE_ARN
    assert events.ok("DescribeRule", {"Name": "orders"}) == {
        "Name": "orders",
        "Arn": RULE_ARN,
        "EventPattern": PATTERN,
        "State": "ENABLED",
        "Description": "new orders",
        "EventBusName": "default",
        "CreatedBy": ACCOUNT,
    }


def test_rule_on_custom_bus_by_arn(events: Events) -> None:
    bus_arn = events.ok("CreateEventBus", {"Name": "shop"})["EventBusArn"]
    arn = put_rule(events, EventBusName=bus_arn)
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/shop/orders"
    described = events.ok("DescribeRule", {"Name": "orders", "EventBusName": "shop"})
    assert described["EventBusName"] == "shop"
    assert events.error("DescribeRule", {"Name": "orders"}) == (
        "ResourceNotFoundException",
        "Rule orders does not exist on EventBus default.",
    )


def test_put_replaces_every_field_but_keeps_targets(events: Events) -> None:
    put_rule(events, Description="d", RoleArn="arn:aws:iam::123456789012:role/r", State="DISABLED")
    events.ok("PutTargets", {"Rule": "orders", "Targets": [{"Id": "t", "Arn": QUEUE}]})
    put_rule(events)
    described = events.ok("DescribeRule", {"Name": "orders"})
    assert "Description" not in described
    assert "RoleArn" not in described
    assert described["State"] == "ENABLED"
    assert len(events.ok("ListTargetsByRule", {"Rule": "orders"})["Targets"]) == 1


def test_tags_only_at_creation(events: Events) -> None:
    put_rule(events, Tags=[{"Key": "team", "Value": "a"}])
    put_rule(events, Tags=[{"Key": "team", "Value": "b"}, {"Key": "x", "Value": "y"}])
    tags = events.ok("ListTagsForResource", {"ResourceARN": RULE_ARN})["Tags"]
    assert tags == [{"Key": "team", "Value": "a"}]


def test_pattern_or_schedule_required(events: Events) -> None:
    assert events.error("PutRule", {"Name": "r"}) == (
        "ValidationException",
        "Parameter(s) EventPattern or ScheduleExpression must be specified.",
    )


def test_schedule_only_on_default_bus(events: Events) -> None:
    events.ok("CreateEventBus", {"Name": "shop"})
    body = {"Name": "r", "EventBusName": "shop", "ScheduleExpression": "rate(5 minutes)"}
    assert events.error("PutRule", body) == (
        "ValidationException",
        "ScheduleExpression is supported only on the default event bus.",
    )


def test_invalid_schedule(events: Events) -> None:
    assert events.error("PutRule", {"Name": "r", "ScheduleExpression": "rate(5 minute)"}) == (
        "ValidationException",
        "Parameter ScheduleExpression is not valid.",
    )


@pytest.mark.parametrize("expression", VALID_SCHEDULES)
def test_valid_schedules_are_stored_and_described(events: Events, expression: str) -> None:
    arn = events.ok("PutRule", {"Name": "r", "ScheduleExpression": expression})["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r"
    assert events.ok("DescribeRule", {"Name": "r"}) == {
        "Name": "r",
        "Arn": arn,
        "ScheduleExpression": expression,
        "State": "ENABLED",
        "EventBusName": "default",
        "CreatedBy": ACCOUNT,
    }
    [listed] = events.ok("ListRules", {})["Rules"]
    assert listed["ScheduleExpression"] == expression
    assert "EventPattern" not in listed


@pytest.mark.parametrize("expression", INVALID_SCHEDULES)
def test_invalid_schedules_are_refused_and_nothing_is_stored(
    events: Events, expression: str
) -> None:
    body = {"Name": "r", "ScheduleExpression": expression, "EventPattern": PATTERN}
    assert events.error("PutRule", body) == (
        "ValidationException",
        "Parameter ScheduleExpression is not valid.",
    )
    assert events.ok("ListRules", {})["Rules"] == []


def test_a_rule_with_a_pattern_and_a_schedule(events: Events) -> None:
    put_rule(events, ScheduleExpression="rate(1 hour)")
    described = events.ok("DescribeRule", {"Name": "orders"})
    assert (described["EventPattern"], described["ScheduleExpression"]) == (
        PATTERN,
        "rate(1 hour)",
    )
    events.ok("PutTargets", {"Rule": "orders", "Targets": [{"Id": "t", "Arn": QUEUE}]})
    assert events.routed(event()) == [(RULE_ARN, "t")]
    # Replacing the rule without a schedule drops it, as every omitted member.
    put_rule(events)
    assert "ScheduleExpression" not in events.ok("DescribeRule", {"Name": "orders"})


def test_a_schedule_only_rule_matches_no_event(events: Events) -> None:
    events.ok("PutRule", {"Name": "orders", "ScheduleExpression": "rate(1 hour)"})
    events.ok("PutTargets", {"Rule": "orders", "Targets": [{"Id": "t", "Arn": QUEUE}]})
    assert events.routed(event()) == []
    assert events.routed({"source": "aws.events", "detail-type": "Scheduled Event"}) == []


def test_schedule_longer_than_the_model_allows(events: Events) -> None:
    code, message = events.error("PutRule", {"Name": "r", "ScheduleExpression": "x" * 257})
    assert code == "ValidationException"
    assert message == (
        f"1 validation error detected: Value '{'x' * 257}' at 'scheduleExpression' failed to "
        "satisfy constraint: Member must have length less than or equal to 256"
    )


def test_schedule_on_a_custom_bus_is_refused_even_when_valid(events: Events) -> None:
    events.ok("CreateEventBus", {"Name": "shop"})
    for expression in ("rate(5 minutes)", "cron(0 12 * * ? *)", "rate(5 minute)"):
        body = {
            "Name": "r",
            "EventBusName": "shop",
            "ScheduleExpression": expression,
            "EventPattern": PATTERN,
        }
        assert events.error("PutRule", body) == (
            "ValidationException",
            "ScheduleExpression is supported only on the default event bus.",
        )
    assert events.ok("ListRules", {"EventBusName": "shop"})["Rules"] == []


def test_invalid_pattern(events: Events) -> None:
    code, message = events.error("PutRule", {"Name": "r", "EventPattern": "[1]"})
    assert (code, message) == (
        "InvalidEventPatternException",
        "Event pattern is not valid. Reason: Filter is not an object\n"
        ' at [Source: (String)"[1]"; line: 1, column: 2]',
    )


def test_pattern_over_the_quota_is_invalid(events: Events) -> None:
    pattern = json.dumps({"source": ["x" * 2100]})
    code, message = events.error("PutRule", {"Name": "r", "EventPattern": pattern})
    assert code == "InvalidEventPatternException"
    assert message.startswith("Event pattern is not valid. Reason: Event pattern is too long")


def test_put_rule_member_constraints(events: Events) -> None:
    code, message = events.error(
        "PutRule",
        {"Name": "r" * 65, "EventPattern": PATTERN, "State": "ON", "EventBusName": "a b"},
    )
    assert code == "ValidationException"
    assert message == (
        "3 validation errors detected: "
        f"Value '{'r' * 65}' at 'name' failed to satisfy constraint: "
        "Member must have length less than or equal to 64; "
        "Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: "
        "[ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]; "
        "Value 'a b' at 'eventBusName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
        "(arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+"
    )


def test_put_rule_on_unknown_bus(events: Events) -> None:
    assert events.error("PutRule", {"Name": "r", "EventPattern": PATTERN, "EventBusName": "x"}) == (
        "ResourceNotFoundException",
        "Event bus x does not exist.",
    )


def test_rules_per_bus_quota() -> None:
    events = Events(settings=Settings(max_rules_per_bus=2))
    put_rule(events, "a")
    put_rule(events, "b")
    put_rule(events, "b")  # replacing is not adding
    assert events.error("PutRule", {"Name": "c", "EventPattern": PATTERN}) == (
        "LimitExceededException",
        "The requested resource exceeds the maximum number allowed.",
    )


def test_wildcard_rules_quota() -> None:
    events = Events(settings=Settings(max_wildcard_rules_per_bus=1))
    wildcard = '{"source": [{"wildcard": "app.*"}]}'
    put_rule(events, "a", EventPattern=wildcard)
    put_rule(events, "a", EventPattern=wildcard)  # replacing is not adding
    put_rule(events, "plain")
    assert events.error("PutRule", {"Name": "b", "EventPattern": wildcard}) == (
        "LimitExceededException",
        "The requested resource exceeds the maximum number allowed.",
    )


def test_enable_disable(events: Events) -> None:
    put_rule(events)
    events.ok("DisableRule", {"Name": "orders"})
    assert events.ok("DescribeRule", {"Name": "orders"})["State"] == "DISABLED"
    events.ok("EnableRule", {"Name": "orders"})
    assert events.ok("DescribeRule", {"Name": "orders"})["State"] == "ENABLED"


@pytest.mark.parametrize("operation", ["EnableRule", "DisableRule", "DescribeRule"])
def test_unknown_rule(events: Events, operation: str) -> None:
    assert events.error(operation, {"Name": "nope"}) == (
        "ResourceNotFoundException",
        "Rule nope does not exist on EventBus default.",
    )


def test_delete_rule(events: Events) -> None:
    put_rule(events)
    events.ok("DeleteRule", {"Name": "orders"})
    assert events.error("DescribeRule", {"Name": "orders"})[0] == "ResourceNotFoundException"


def test_delete_missing_rule_on_existing_bus_succeeds(events: Events) -> None:
    assert events.ok("DeleteRule", {"Name": "nope"}) == {}


def test_delete_rule_on_unknown_bus(events: Events) -> None:
    assert events.error("DeleteRule", {"Name": "r", "EventBusName": "nope"}) == (
        "ResourceNotFoundException",
        "Event bus nope does not exist.",
    )


def test_delete_rule_with_targets_is_refused(events: Events) -> None:
    put_rule(events)
    events.ok("PutTargets", {"Rule": "orders", "Targets": [{"Id": "t", "Arn": QUEUE}]})
    assert events.error("DeleteRule", {"Name": "orders", "Force": True}) == (
        "ValidationException",
        "Rule can't be deleted since it has targets.",
    )


MANAGED_REFUSED: list[tuple[str, dict[str, Any]]] = [
    ("PutRule", {"Name": "orders", "EventPattern": PATTERN}),
    ("EnableRule", {"Name": "orders"}),
    ("DisableRule", {"Name": "orders"}),
    ("DeleteRule", {"Name": "orders"}),
    ("PutTargets", {"Rule": "orders", "Targets": [{"Id": "t", "Arn": QUEUE}]}),
    ("RemoveTargets", {"Rule": "orders", "Ids": ["t"]}),
    ("TagResource", {"ResourceARN": RULE_ARN, "Tags": [{"Key": "k", "Value": "v"}]}),
    ("UntagResource", {"ResourceARN": RULE_ARN, "TagKeys": ["k"]}),
]


def make_managed(events: Events) -> None:
    """A rule as an archive would create it: owned by the service, not by the caller."""
    put_rule(events)
    stored = asyncio.run(events.store.get_rule(SCOPE, "default", "orders"))
    assert stored is not None
    asyncio.run(events.store.put_rule(replace(stored, managed_by="events.amazonaws.com")))


@pytest.mark.parametrize(("operation", "body"), MANAGED_REFUSED)
def test_managed_rules_are_refused(events: Events, operation: str, body: dict[str, Any]) -> None:
    make_managed(events)
    assert events.error(operation, body) == (
        "ManagedRuleException",
        "Rule orders is managed by events.amazonaws.com and cannot be changed by you.",
    )


def test_managed_rules_yield_to_force(events: Events) -> None:
    make_managed(events)
    assert events.ok("DescribeRule", {"Name": "orders"})["ManagedBy"] == "events.amazonaws.com"
    events.ok("RemoveTargets", {"Rule": "orders", "Ids": ["t"], "Force": True})
    events.ok("DeleteRule", {"Name": "orders", "Force": True})
    assert events.ok("ListRules") == {"Rules": []}


def test_list_rules_sorted_with_prefix(events: Events) -> None:
    for name in ("b-rule", "a-rule", "a-other"):
        put_rule(events, name)
    listed = events.ok("ListRules")["Rules"]
    assert [rule["Name"] for rule in listed] == ["a-other", "a-rule", "b-rule"]
    assert "CreatedBy" not in listed[0]
    assert listed[0]["EventBusName"] == "default"
    prefixed = events.ok("ListRules", {"NamePrefix": "a-"})["Rules"]
    assert [rule["Name"] for rule in prefixed] == ["a-other", "a-rule"]


def test_list_rules_pages(events: Events) -> None:
    names = [f"rule-{index:02}" for index in range(7)]
    for name in reversed(names):
        put_rule(events, name)
    seen: list[str] = []
    token = None
    while True:
        body: dict[str, object] = {"Limit": 3}
        if token:
            body["NextToken"] = token
        answer = events.ok("ListRules", body)
        seen += [rule["Name"] for rule in answer["Rules"]]
        token = answer.get("NextToken")
        if token is None:
            break
    assert seen == names


def test_list_rules_on_unknown_bus(events: Events) -> None:
    assert events.error("ListRules", {"EventBusName": "nope"}) == (
        "ResourceNotFoundException",
        "Event bus nope does not exist.",
    )


def test_list_rule_names_by_target(events: Events) -> None:
    other = "arn:aws:sqs:us-east-1:123456789012:other"
    for name in ("c", "a", "b", "d"):
        put_rule(events, name)
        arn = QUEUE if name != "b" else other
        events.ok("PutTargets", {"Rule": name, "Targets": [{"Id": "t", "Arn": arn}]})
    first = events.ok("ListRuleNamesByTarget", {"TargetArn": QUEUE, "Limit": 2})
    assert first["RuleNames"] == ["a", "c"]
    second = events.ok(
        "ListRuleNamesByTarget", {"TargetArn": QUEUE, "Limit": 2, "NextToken": first["NextToken"]}
    )
    assert second == {"RuleNames": ["d"]}
    assert events.ok("ListRuleNamesByTarget", {"TargetArn": other}) == {"RuleNames": ["b"]}


def test_list_rule_names_by_target_only_on_that_bus(events: Events) -> None:
    events.ok("CreateEventBus", {"Name": "shop"})
    put_rule(events, "r", EventBusName="shop")
    events.ok(
        "PutTargets",
        {"Rule": "r", "EventBusName": "shop", "Targets": [{"Id": "t", "Arn": QUEUE}]},
    )
    assert events.ok("ListRuleNamesByTarget", {"TargetArn": QUEUE}) == {"RuleNames": []}
    answer = events.ok("ListRuleNamesByTarget", {"TargetArn": QUEUE, "EventBusName": "shop"})
    assert answer == {"RuleNames": ["r"]}


def test_routing_follows_rule_changes(events: Events) -> None:
    put_rule(events)
    events.ok("PutTargets", {"Rule": "orders", "Targets": [{"Id": "t", "Arn": QUEUE}]})
    assert events.routed(event()) == [(RULE_ARN, "t")]
    assert events.routed(event(source="app.other")) == []
    events.ok("DisableRule", {"Name": "orders"})
    assert events.routed(event()) == []
    events.ok("EnableRule", {"Name": "orders"})
    assert events.routed(event()) == [(RULE_ARN, "t")]
    put_rule(events, EventPattern='{"source": ["app.other"]}')
    assert events.routed(event()) == []
    assert events.routed(event(source="app.other")) == [(RULE_ARN, "t")]
    events.ok("RemoveTargets", {"Rule": "orders", "Ids": ["t"]})
    events.ok("DeleteRule", {"Name": "orders"})
    assert events.routed(event(source="app.other")) == []


def test_routing_drops_a_deleted_bus(events: Events) -> None:
    events.ok("CreateEventBus", {"Name": "shop"})
    put_rule(events, EventBusName="shop")
    events.ok(
        "PutTargets",
        {"Rule": "orders", "EventBusName": "shop", "Targets": [{"Id": "t", "Arn": QUEUE}]},
    )
    assert len(events.routed(event(), bus="shop")) == 1
    events.ok("DeleteEventBus", {"Name": "shop"})
    assert events.routed(event(), bus="shop") == []
    assert not events.routing.has_bus(SCOPE, "shop")
