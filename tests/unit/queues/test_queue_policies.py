"""AddPermission and RemovePermission as policy edits (pure)."""

from __future__ import annotations

import json

import pytest

from busway.service.queue_errors import InvalidParameterValue
from busway.service.queue_policies import with_permission, without_permission

ARN = "arn:aws:sqs:us-east-1:123456789012:q"


def test_a_policy_set_by_hand_keeps_its_statements_and_id() -> None:
    mine = {"Version": "2012-10-17", "Id": "mine", "Statement": [{"Sid": "own", "Effect": "Deny"}]}
    added = json.loads(with_permission(json.dumps(mine), ARN, "l", ["1", "1"], ["*", "*"]))
    assert added["Id"] == "mine"
    assert added["Statement"][0] == mine["Statement"][0]
    assert added["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::1:root"}
    assert added["Statement"][1]["Action"] == "SQS:*"
    kept = without_permission(json.dumps(added), "l")
    assert kept is not None
    assert json.loads(kept) == mine


def test_a_policy_that_is_no_document_is_not_edited() -> None:
    # A Policy stored before SetQueueAttributes checked it.
    with pytest.raises(InvalidParameterValue):
        with_permission("not json", ARN, "l", ["1"], ["*"])
    with pytest.raises(InvalidParameterValue):
        without_permission('{"Statement": "x"}', "l")


def test_several_actions_are_a_list() -> None:
    policy = json.loads(with_permission(None, ARN, "l", ["1"], ["SendMessage", "ReceiveMessage"]))
    assert policy["Statement"][0]["Action"] == ["SQS:SendMessage", "SQS:ReceiveMessage"]
    assert policy["Id"] == f"{ARN}/SQSDefaultPolicy"


def test_a_lone_statement_counts_as_a_list_of_one() -> None:
    mine = {"Version": "2012-10-17", "Statement": {"Sid": "own", "Effect": "Deny"}}
    added = json.loads(with_permission(json.dumps(mine), ARN, "l", ["1"], ["*"]))
    assert [statement["Sid"] for statement in added["Statement"]] == ["own", "l"]
