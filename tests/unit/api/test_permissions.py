from __future__ import annotations

import json
from typing import Any

from tests.unit.api.conftest import ACCOUNT, Events

DEFAULT_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"


def policy(events: Events, bus: str = "default") -> Any:
    described = events.ok("DescribeEventBus", {"Name": bus})
    return json.loads(described["Policy"]) if "Policy" in described else None


def grant(events: Events, sid: str, principal: str = "111122223333", **members: Any) -> None:
    body = {"Action": "events:PutEvents", "Principal": principal, "StatementId": sid, **members}
    events.ok("PutPermission", body)


def test_put_permission_records_aws_statement(events: Events) -> None:
    grant(events, "one")
    assert policy(events) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "one",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "events:PutEvents",
                "Resource": DEFAULT_ARN,
            }
        ],
    }


def test_policy_appears_in_list_event_buses(events: Events) -> None:
    grant(events, "one")
    (bus,) = events.ok("ListEventBuses")["EventBuses"]
    assert json.loads(bus["Policy"])["Statement"][0]["Sid"] == "one"


def test_organization_grant(events: Events) -> None:
    condition = {"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1234567890"}
    grant(events, "org", principal="*", Condition=condition)
    (statement,) = policy(events)["Statement"]
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}}


def test_condition_needs_star_principal(events: Events) -> None:
    condition = {"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1"}
    body = {
        "Action": "events:PutEvents",
        "Principal": "111122223333",
        "StatementId": "s",
        "Condition": condition,
    }
    assert events.error("PutPermission", body) == (
        "ValidationException",
        "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set.",
    )


def test_same_sid_replaces_statement(events: Events) -> None:
    grant(events, "one")
    grant(events, "two")
    grant(events, "one", principal="444455556666")
    statements = policy(events)["Statement"]
    assert [s["Sid"] for s in statements] == ["two", "one"]
    assert statements[1]["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}


def test_whole_policy_document(events: Events) -> None:
    events.ok("CreateEventBus", {"Name": "shop"})
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "doc", "Effect": "Allow", "Principal": "*", "Action": "events:*"}],
    }
    events.ok("PutPermission", {"EventBusName": "shop", "Policy": json.dumps(document)})
    assert policy(events, "shop") == document
    assert events.error("PutPermission", {"Policy": "{nope"}) == (
        "ValidationException",
        "Policy is not a valid JSON policy document.",
    )


def test_policy_length_limit(events: Events) -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Sid": "x" * 10_300}]}
    assert events.error("PutPermission", {"Policy": json.dumps(document)}) == (
        "PolicyLengthExceededException",
        "The policy of event bus default would exceed 10240 characters.",
    )


def test_statement_members(events: Events) -> None:
    assert events.error("PutPermission", {"Action": "events:PutEvents", "StatementId": "s"}) == (
        "ValidationException",
        "Parameter Principal must be specified.",
    )
    body = {"Action": "events:PutRule", "Principal": "111122223333", "StatementId": "s"}
    assert events.error("PutPermission", body) == (
        "ValidationException",
        "Provided value in parameter 'action' is not supported.",
    )
    body = {"Action": "PutEvents", "Principal": "1234", "StatementId": "bad id"}
    code, message = events.error("PutPermission", body)
    assert code == "ValidationException"
    assert message.startswith("3 validation errors detected: Value 'PutEvents' at 'action'")
    assert "Value '1234' at 'principal'" in message
    assert "Value 'bad id' at 'statementId'" in message


def test_put_permission_unknown_bus(events: Events) -> None:
    body = {
        "EventBusName": "nope",
        "Action": "events:PutEvents",
        "Principal": "111122223333",
        "StatementId": "s",
    }
    assert events.error("PutPermission", body) == (
        "ResourceNotFoundException",
        "Event bus nope does not exist.",
    )


def test_remove_permission(events: Events) -> None:
    grant(events, "one")
    grant(events, "two")
    events.ok("RemovePermission", {"StatementId": "one"})
    assert [s["Sid"] for s in policy(events)["Statement"]] == ["two"]
    events.ok("RemovePermission", {"StatementId": "two"})
    assert policy(events) is None


def test_remove_all_permissions(events: Events) -> None:
    grant(events, "one")
    grant(events, "two")
    events.ok("RemovePermission", {"RemoveAllPermissions": True})
    assert policy(events) is None


def test_remove_unknown_statement(events: Events) -> None:
    assert events.error("RemovePermission", {"StatementId": "one"}) == (
        "ResourceNotFoundException",
        "Statement with the provided id does not exist.",  # no policy at all, as on AWS
    )
    grant(events, "one")
    assert events.error("RemovePermission", {"StatementId": "other"}) == (
        "ResourceNotFoundException",
        "Statement with the provided id does not exist.",
    )


def test_remove_needs_a_statement_id(events: Events) -> None:
    assert events.error("RemovePermission", {}) == (
        "ValidationException",
        "Parameter StatementId must be specified.",
    )


def test_remove_permission_unknown_bus(events: Events) -> None:
    assert events.error("RemovePermission", {"EventBusName": "nope", "StatementId": "s"}) == (
        "ResourceNotFoundException",
        "Event bus nope does not exist.",
    )
