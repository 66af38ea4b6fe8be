from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.api.conftest import ACCOUNT, Events

BUS_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders"
START = 1704164645  # FakeClock's start, 2024-01-02T03:04:05Z


def test_default_bus_exists_without_being_created(events: Events) -> None:
    answer = events.ok("DescribeEventBus")
    assert answer == {
        "Name": "default",
        "Arn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default",
        "CreationTime": START,
        "LastModifiedTime": START,
    }


def test_default_bus_keeps_the_time_it_was_first_seen(events: Events) -> None:
    events.ok("ListEventBuses")
    events.clock.advance(timedelta(hours=1))
    assert events.ok("DescribeEventBus", {"Name": "default"})["CreationTime"] == START


def test_default_bus_is_per_region(events: Events) -> None:
    answer = events.ok("DescribeEventBus", region="eu-west-1")
    assert answer["Arn"] == f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/default"


def test_create_echoes_only_what_was_set(events: Events) -> None:
    assert events.ok("CreateEventBus", {"Name": "orders"}) == {"EventBusArn": BUS_ARN}


def test_create_with_everything_and_describe(events: Events) -> None:
    dlq = "arn:aws:sqs:us-east-1:123456789012:dlq"
    answer = events.ok(
        "CreateEventBus",
        {
            "Name": "orders",
            "Description": "all orders",
            "KmsKeyIdentifier": "alias/orders",
            "DeadLetterConfig": {"Arn": dlq},
            "LogConfig": {"IncludeDetail": "FULL", "Level": "INFO"},
        },
    )
    assert answer == {
        "EventBusArn": BUS_ARN,
        "Description": "all orders",
        "KmsKeyIdentifier": "alias/orders",
        "DeadLetterConfig": {"Arn": dlq},
        "LogConfig": {"IncludeDetail": "FULL", "Level": "INFO"},
    }
    described = events.ok("DescribeEventBus", {"Name": BUS_ARN})
    assert described["Name"] == "orders"
    assert described["DeadLetterConfig"] == {"Arn": dlq}
    assert described["CreationTime"] == START
    assert "Policy" not in described


def test_create_twice_is_refused(events: Events) -> None:
    events.ok("CreateEventBus", {"Name": "orders"})
    assert events.error("CreateEventBus", {"Name": "orders"}) == (
        "ResourceAlreadyExistsException",
        "Event bus orders already exists.",
    )


def test_default_cannot_be_created(events: Events) -> None:
    assert events.error("CreateEventBus", {"Name": "default"}) == (
        "ResourceAlreadyExistsException",
        "Event bus default already exists.",
    )


def test_create_validates_members(events: Events) -> None:
    code, message = events.error(
        "CreateEventBus",
        {"Name": "bad name!", "LogConfig": {"Level": "LOUD"}, "Description": "x" * 513},
    )
    assert code == "ValidationException"
    assert message == (
        "3 validation errors detected: "
        "Value 'bad name!' at 'name' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+; "
        f"Value '{'x' * 513}' at 'description' failed to satisfy constraint: "
        "Member must have length less than or equal to 512; "
        "Value 'LOUD' at 'logConfig.level' failed to satisfy constraint: "
        "Member must satisfy enum value set: [OFF, ERROR, INFO, TRACE]"
    )


def test_create_requires_a_name(events: Events) -> None:
    assert events.error("CreateEventBus", {}) == (
        "ValidationException",
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
        "Member must not be null",
    )


def test_partner_style_names_need_an_event_source(events: Events) -> None:
    assert events.error("CreateEventBus", {"Name": "a/b"}) == (
        "ValidationException",
        "Event bus name must not contain '/'.",
    )
    source = "aws.partner/acme.com/123/orders"
    assert events.error("CreateEventBus", {"Name": source, "EventSourceName": source}) == (
        "ResourceNotFoundException",
        f"Event source {source} does not exist.",
    )


@pytest.mark.parametrize("name", ["aws.partner/acme.com/123/orders", "aws.orders"])
def test_custom_bus_names_may_not_start_with_aws_dot(events: Events, name: str) -> None:
    assert events.error("CreateEventBus", {"Name": name}) == (
        "ValidationException",
        "EventBus name starting with 'aws.' is not valid.",
    )
    assert events.error("DescribeEventBus", {"Name": name})[0] == "ResourceNotFoundException"


def test_describe_unknown_bus(events: Events) -> None:
    assert events.error("DescribeEventBus", {"Name": "nope"}) == (
        "ResourceNotFoundException",
        "Event bus nope does not exist.",
    )


def test_update_changes_given_members_only(events: Events) -> None:
    events.ok("CreateEventBus", {"Name": "orders", "Description": "old", "KmsKeyIdentifier": "k"})
    events.clock.advance(timedelta(seconds=10))
    answer = events.ok("UpdateEventBus", {"Name": "orders", "Description": "new"})
    assert answer == {
        "Arn": BUS_ARN,
        "Name": "orders",
        "Description": "new",
        "KmsKeyIdentifier": "k",
    }
    described = events.ok("DescribeEventBus", {"Name": "orders"})
    assert described["LastModifiedTime"] == START + 10
    assert described["CreationTime"] == START


def test_update_without_name_updates_the_default_bus(events: Events) -> None:
    answer = events.ok("UpdateEventBus", {"Description": "main"})
    assert answer["Name"] == "default"
    assert events.ok("DescribeEventBus")["Description"] == "main"


def test_update_unknown_bus(events: Events) -> None:
    assert events.error("UpdateEventBus", {"Name": "nope"}) == (
        "ResourceNotFoundException",
        "Event bus nope does not exist.",
    )


def test_delete_bus_and_its_rules(events: Events) -> None:
    events.ok("CreateEventBus", {"Name": "orders"})
    pattern = '{"source": ["app.orders"]}'
    events.ok("PutRule", {"Name": "r", "EventBusName": "orders", "EventPattern": pattern})
    events.ok("DeleteEventBus", {"Name": "orders"})
    assert events.error("DescribeEventBus", {"Name": "orders"})[0] == "ResourceNotFoundException"
    # Re-created, the bus starts empty.
    events.ok("CreateEventBus", {"Name": "orders"})
    assert events.ok("ListRules", {"EventBusName": "orders"}) == {"Rules": []}


def test_delete_default_is_refused(events: Events) -> None:
    assert events.error("DeleteEventBus", {"Name": "default"}) == (
        "ValidationException",
        "Cannot delete event bus default.",
    )


def test_delete_unknown_bus_succeeds(events: Events) -> None:
    # As AWS answered in the recording the spec cites (see BusService.delete).
    assert events.ok("DeleteEventBus", {"Name": "never-was"}) == {}
    events.ok("CreateEventBus", {"Name": "once"})
    events.ok("DeleteEventBus", {"Name": "once"})
    assert events.ok("DeleteEventBus", {"Name": "once"}) == {}


def test_list_includes_default_and_filters_by_prefix(events: Events) -> None:
    for name in ("orders", "billing", "orders-eu"):
        events.ok("CreateEventBus", {"Name": name})
    names = [bus["Name"] for bus in events.ok("ListEventBuses")["EventBuses"]]
    assert names == ["billing", "default", "orders", "orders-eu"]
    listed = events.ok("ListEventBuses", {"NamePrefix": "orders"})["EventBuses"]
    assert [bus["Name"] for bus in listed] == ["orders", "orders-eu"]
    assert listed[0] == {
        "Name": "orders",
        "Arn": BUS_ARN,
        "CreationTime": START,
        "LastModifiedTime": START,
    }


def test_list_pages_with_limit_and_token(events: Events) -> None:
    for index in range(5):
        events.ok("CreateEventBus", {"Name": f"bus-{index}"})
    seen: list[str] = []
    request: dict[str, object] = {"Limit": 2}
    pages = 0
    while True:
        answer = events.ok("ListEventBuses", request)
        pages += 1
        seen += [bus["Name"] for bus in answer["EventBuses"]]
        if "NextToken" not in answer:
            break
        request = {"Limit": 2, "NextToken": answer["NextToken"]}
    assert seen == ["bus-0", "bus-1", "bus-2", "bus-3", "bus-4", "default"]
    assert pages == 3


def test_list_limit_bounds_and_bad_token(events: Events) -> None:
    assert events.error("ListEventBuses", {"Limit": 0}) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )
    assert events.error("ListEventBuses", {"NextToken": "garbage!"}) == (
        "ValidationException",
        "The NextToken provided is not valid.",
    )
