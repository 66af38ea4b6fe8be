"""EventBridge Scheduler through boto3's ``scheduler`` client against a real busway server."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import REGION, aws_client, events_client, sqs_client
from tests.support.server import BuswayServer

ROLE = "arn:aws:iam::123456789012:role/scheduler"
ACCOUNT = "000000000000"  # busway's default account


def scheduler_client(endpoint: str, region: str = REGION) -> Any:
    return aws_client("scheduler", endpoint, region)


@pytest.fixture
def scheduler(server: BuswayServer) -> Any:
    return scheduler_client(server.endpoint)


@pytest.fixture
def sqs(server: BuswayServer) -> Any:
    return sqs_client(server.endpoint)


def make_queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def target(arn: str, **members: Any) -> dict[str, Any]:
    return {"Arn": arn, "RoleArn": ROLE, **members}


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_groups_and_their_tags(scheduler: Any, unique: str) -> None:
    arn = scheduler.create_schedule_group(Name=unique, Tags=[{"Key": "team", "Value": "a"}])[
        "ScheduleGroupArn"
    ]
    assert arn == f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/{unique}"
    group = scheduler.get_schedule_group(Name=unique)
    assert (group["Arn"], group["Name"], group["State"]) == (arn, unique, "ACTIVE")
    assert isinstance(group["CreationDate"], datetime)
    scheduler.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    scheduler.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "env", "Value": "dev"}
    ]
    names = [
        g["Name"]
        for page in scheduler.get_paginator("list_schedule_groups").paginate(
            PaginationConfig={"PageSize": 1}
        )
        for g in page["ScheduleGroups"]
    ]
    assert "default" in names
    assert unique in names
    assert names == sorted(names)


def test_schedule_lifecycle(scheduler: Any, sqs: Any, unique: str) -> None:
    _, queue_arn = make_queue(sqs, unique)
    scheduler.create_schedule_group(Name=unique)
    arn = scheduler.create_schedule(
        Name="nightly",
        GroupName=unique,
        ScheduleExpression="cron(0 2 * * ? *)",
        ScheduleExpressionTimezone="Europe/Berlin",
        StartDate=datetime(2030, 1, 1, tzinfo=UTC),
        Description="every night",
        State="DISABLED",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        Target=target(
            queue_arn,
            Input='{"job": "backup"}',
            RetryPolicy={"MaximumRetryAttempts": 3},
            DeadLetterConfig={"Arn": queue_arn},
        ),
        ActionAfterCompletion="DELETE",
    )["ScheduleArn"]
    assert arn == f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{unique}/nightly"
    got = scheduler.get_schedule(Name="nightly", GroupName=unique)
    assert got["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert got["StartDate"] == datetime(2030, 1, 1, tzinfo=UTC)
    assert got["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert got["Target"]["RetryPolicy"] == {
        "MaximumEventAgeInSeconds": 86400,
        "MaximumRetryAttempts": 3,
    }
    assert (got["State"], got["ActionAfterCompletion"]) == ("DISABLED", "DELETE")
    # UpdateSchedule replaces the whole schedule: what it leaves out reverts to its default.
    scheduler.update_schedule(
        Name="nightly",
        GroupName=unique,
        ScheduleExpression="rate(2 minute)",  # AWS takes a unit that disagrees with the value
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target(queue_arn),
    )
    updated = scheduler.get_schedule(Name="nightly", GroupName=unique)
    assert updated["ScheduleExpression"] == "rate(2 minute)"
    assert updated["ScheduleExpressionTimezone"] == "UTC"
    assert updated["State"] == "ENABLED"
    assert updated["ActionAfterCompletion"] == "NONE"
    assert "StartDate" not in updated
    assert "Description" not in updated
    assert "DeadLetterConfig" not in updated["Target"]
    assert updated["CreationDate"] == got["CreationDate"]
    assert updated["LastModificationDate"] >= got["LastModificationDate"]
    scheduler.delete_schedule(Name="nightly", GroupName=unique)
    with pytest.raises(ClientError) as raised:
        scheduler.get_schedule(Name="nightly", GroupName=unique)
    assert error_of(raised)[:2] == ("ResourceNotFoundException", 404)


def test_a_retry_with_the_same_client_token_is_answered_like_the_first_call(
    scheduler: Any, sqs: Any, unique: str
) -> None:
    _, queue_arn = make_queue(sqs, unique)
    create = {
        "Name": unique,
        "ScheduleExpression": "rate(1 day)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": target(queue_arn),
        "ClientToken": f"{unique}-create",
    }
    arn = scheduler.create_schedule(**create)["ScheduleArn"]
    assert scheduler.create_schedule(**create)["ScheduleArn"] == arn
    with pytest.raises(ClientError) as raised:
        scheduler.create_schedule(**{**create, "ClientToken": f"{unique}-other"})
    assert error_of(raised)[:2] == ("ConflictException", 409)
    scheduler.delete_schedule(Name=unique, ClientToken=f"{unique}-delete")
    scheduler.delete_schedule(Name=unique, ClientToken=f"{unique}-delete")
    with pytest.raises(ClientError) as raised:
        scheduler.delete_schedule(Name=unique)
    assert error_of(raised)[:2] == ("ResourceNotFoundException", 404)


def test_list_schedules_pages_and_filters(scheduler: Any, sqs: Any, unique: str) -> None:
    _, queue_arn = make_queue(sqs, unique)
    scheduler.create_schedule_group(Name=unique)
    for index in range(5):
        scheduler.create_schedule(
            Name=f"s{index}",
            GroupName=unique,
            ScheduleExpression="rate(1 hour)",
            State="DISABLED" if index == 4 else "ENABLED",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target=target(queue_arn),
        )
    pages = list(
        scheduler.get_paginator("list_schedules").paginate(
            GroupName=unique, PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(page["Schedules"]) for page in pages] == [2, 2, 1]
    summaries = [s for page in pages for s in page["Schedules"]]
    assert [s["Name"] for s in summaries] == [f"s{i}" for i in range(5)]
    assert summaries[0]["Target"] == {"Arn": queue_arn}
    assert summaries[0]["GroupName"] == unique
    disabled = scheduler.list_schedules(GroupName=unique, State="DISABLED")["Schedules"]
    assert [s["Name"] for s in disabled] == ["s4"]
    prefixed = scheduler.list_schedules(GroupName=unique, NamePrefix="s1")["Schedules"]
    assert [s["Name"] for s in prefixed] == ["s1"]
    # Deleting the group deletes its schedules.
    scheduler.delete_schedule_group(Name=unique)
    with pytest.raises(ClientError) as raised:
        scheduler.get_schedule(Name="s0", GroupName=unique)
    assert error_of(raised)[:2] == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as raised:
        scheduler.list_schedules(GroupName=unique)
    assert error_of(raised)[:2] == ("ResourceNotFoundException", 404)


def test_errors_carry_the_models_status(scheduler: Any, sqs: Any, unique: str) -> None:
    _, queue_arn = make_queue(sqs, unique)

    def create(**members: Any) -> tuple[str, int, str]:
        arguments = {
            "Name": unique,
            "ScheduleExpression": "rate(5 minutes)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": target(queue_arn),
            **members,
        }
        with pytest.raises(ClientError) as raised:
            scheduler.create_schedule(**arguments)
        return error_of(raised)

    scheduler.create_schedule(
        Name=unique,
        ScheduleExpression="rate(5 minutes)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target(queue_arn),
    )
    assert create() == ("ConflictException", 409, f"Schedule {unique} already exists.")
    assert create(Name="x", GroupName="nope") == (
        "ResourceNotFoundException",
        404,
        "Schedule group nope does not exist.",
    )
    code, status, message = create(Name="x", ScheduleExpression="rate(5 minutess)")
    assert (code, status, message) == (
        "ValidationException",
        400,
        "Invalid Schedule Expression rate(5 minutess).",
    )
    code, status, message = create(
        Name="x", Target=target("arn:aws:scheduler:::aws-sdk:sqs:sendMessage")
    )
    assert (code, status) == ("ValidationException", 400)
    assert "Universal targets are not supported" in message
    code, status, message = create(Name="bad name!")
    assert (code, status) == ("ValidationException", 400)
    assert "at 'name' failed to satisfy constraint" in message
    code, status, message = create(Name="x", State="PAUSED")
    assert (code, status) == ("ValidationException", 400)
    assert "Member must satisfy enum value set: [ENABLED, DISABLED]" in message
    code, status, _ = create(Name="x", ScheduleExpressionTimezone="Mars/Olympus")
    assert (code, status) == ("ValidationException", 400)
    with pytest.raises(ClientError) as raised:
        scheduler.delete_schedule_group(Name="default")
    assert error_of(raised)[:2] == ("ValidationException", 400)
    with pytest.raises(ClientError) as raised:
        scheduler.create_schedule_group(Name="default")
    assert error_of(raised)[:2] == ("ConflictException", 409)
    missing = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/{unique}-missing"
    with pytest.raises(ClientError) as raised:
        scheduler.list_tags_for_resource(ResourceArn=missing)
    assert error_of(raised)[:2] == ("ResourceNotFoundException", 404)


def test_schedules_live_in_the_region_of_the_credential_scope(
    server: BuswayServer, sqs: Any, unique: str
) -> None:
    _, queue_arn = make_queue(sqs, unique)
    ireland = scheduler_client(server.endpoint, "eu-west-1")
    arn = ireland.create_schedule(
        Name=unique,
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target(queue_arn),
    )["ScheduleArn"]
    assert arn.startswith("arn:aws:scheduler:eu-west-1:")
    with pytest.raises(ClientError) as raised:
        scheduler_client(server.endpoint).get_schedule(Name=unique)
    assert error_of(raised)[:2] == ("ResourceNotFoundException", 404)


def _at_seconds_ahead(seconds: int) -> datetime:
    """A whole second at least ``seconds`` ahead."""
    return (datetime.now(UTC) + timedelta(seconds=seconds + 1)).replace(microsecond=0)


def _receive(sqs: Any, url: str, *, within: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        messages: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=2, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if messages:
            return messages
    return []


def test_an_at_schedule_delivers_its_input_to_a_queue(
    scheduler: Any, sqs: Any, unique: str
) -> None:
    url, queue_arn = make_queue(sqs, unique)
    due = _at_seconds_ahead(3)
    template = {
        "arn": "<aws.scheduler.schedule-arn>",
        "scheduled": "<aws.scheduler.scheduled-time>",
        "execution": "<aws.scheduler.execution-id>",
        "attempt": "<aws.scheduler.attempt-number>",
    }
    arn = scheduler.create_schedule(
        Name=unique,
        ScheduleExpression=f"at({due:%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target(queue_arn, Input=json.dumps(template)),
        ActionAfterCompletion="DELETE",
    )["ScheduleArn"]
    messages = _receive(sqs, url, within=60)
    received_at = datetime.now(UTC)
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert body["arn"] == arn
    assert body["scheduled"] == f"{due:%Y-%m-%dT%H:%M:%SZ}"
    assert body["attempt"] == "1"
    assert len(body["execution"]) == 36
    # Timing is a measurement, not an assertion: a loaded machine may be late.
    print(f"at() due {due:%H:%M:%S}, received {(received_at - due).total_seconds():.3f} s later")
    with pytest.raises(ClientError) as raised:  # ActionAfterCompletion DELETE
        scheduler.get_schedule(Name=unique)
    assert error_of(raised)[:2] == ("ResourceNotFoundException", 404)


def test_event_bridge_parameters_put_an_event_on_a_bus(
    server: BuswayServer, scheduler: Any, sqs: Any, unique: str
) -> None:
    url, queue_arn = make_queue(sqs, unique)
    events = events_client(server.endpoint)
    events.put_rule(Name=unique, EventPattern=json.dumps({"source": [f"my.{unique}"]}))
    events.put_targets(Rule=unique, Targets=[{"Id": "q", "Arn": queue_arn}])
    bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    due = _at_seconds_ahead(2)
    arn = scheduler.create_schedule(
        Name=unique,
        ScheduleExpression=f"at({due:%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target(
            bus_arn,
            Input='{"job": "report", "run": "<aws.scheduler.execution-id>"}',
            EventBridgeParameters={"Source": f"my.{unique}", "DetailType": "Report Due"},
        ),
    )["ScheduleArn"]
    messages = _receive(sqs, url, within=60)
    assert len(messages) == 1
    event = json.loads(messages[0]["Body"])
    assert (event["source"], event["detail-type"]) == (f"my.{unique}", "Report Due")
    assert event["detail"]["job"] == "report"
    assert len(event["detail"]["run"]) == 36
    assert event["resources"] == [arn]


def test_quotas_answer_402(tmp_path: Path) -> None:
    environment = {"BUSWAY_MAX_SCHEDULE_GROUPS": "2"}
    with BuswayServer(tmp_path / "data", extra_env=environment) as running:
        client = scheduler_client(running.endpoint)
        client.create_schedule_group(Name="one")  # with default, two
        with pytest.raises(ClientError) as raised:
            client.create_schedule_group(Name="two")
        assert error_of(raised)[:2] == ("ServiceQuotaExceededException", 402)


def test_kept_target_parameters_fit_the_model_so_get_schedule_reads_back(
    server: BuswayServer, scheduler: Any, unique: str
) -> None:
    # Any HTTP client can send a block of the wrong shape (boto3 would not serialize it);
    # stored as sent, it broke every later GetSchedule in boto3.
    cluster = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/c"
    task = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/t:1"

    def create(ecs: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body = {
            "ScheduleExpression": "rate(1 day)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": target(cluster, EcsParameters=ecs),
        }
        request = urllib.request.Request(  # noqa: S310 - http on loopback
            f"{server.endpoint}/schedules/{unique}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    status, answer = create({"TaskDefinitionArn": task, "NetworkConfiguration": "abc"})
    assert (status, answer["Message"]) == (
        400,
        "Value for member NetworkConfiguration is not a valid structure.",
    )
    status, _ = create({"TaskDefinitionArn": task, "TaskCount": 2, "Zzz": "not in the model"})
    assert status == 200
    got = scheduler.get_schedule(Name=unique)
    assert got["Target"]["EcsParameters"] == {"TaskDefinitionArn": task, "TaskCount": 2}
