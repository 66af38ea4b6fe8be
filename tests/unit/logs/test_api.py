"""The CloudWatch Logs API as boto3 sees it: requests and answers through botocore."""

from __future__ import annotations

import json

import pytest

from busway.service.logs import epoch_ms
from busway.store.log_groups import NewLogEvent
from tests.unit.logs.support import SCOPE, AwsError, LogsApi


def put(api: LogsApi, group: str, stream: str, *pairs: tuple[int, str]) -> None:
    events = [NewLogEvent(timestamp, message) for timestamp, message in pairs]
    api.run(api.service.append(SCOPE, group, stream, events))


def test_the_target_prefix_is_botocores(api: LogsApi) -> None:
    assert api("CreateLogGroup", logGroupName="/app") == {}


def test_create_and_describe_groups(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/b")
    api("CreateLogGroup", logGroupName="/a")
    groups = api("DescribeLogGroups")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/a", "/b"]
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/a"
    assert groups[0] == {
        "logGroupName": "/a",
        "creationTime": int(api.clock.now().timestamp() * 1000),
        "metricFilterCount": 0,
        "arn": f"{arn}:*",
        "storedBytes": 0,
        "logGroupClass": "STANDARD",
        "logGroupArn": arn,
        "deletionProtectionEnabled": False,
    }


def test_describe_groups_by_pattern_lists_fewer_keys(api: LogsApi) -> None:
    for name in ["DataLogs", "aws/DataLogs", "GroupDataLogs", "datalogs", "Data/log/s"]:
        api("CreateLogGroup", logGroupName=name)
    api("PutRetentionPolicy", logGroupName="DataLogs", retentionInDays=7)
    groups = api("DescribeLogGroups", logGroupNamePattern="DataLogs")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["DataLogs", "GroupDataLogs", "aws/DataLogs"]
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:DataLogs"
    assert groups[0] == {
        "logGroupName": "DataLogs",
        "creationTime": int(api.clock.now().timestamp() * 1000),
        "metricFilterCount": 0,
        "arn": f"{arn}:*",
        "logGroupClass": "STANDARD",
        "logGroupArn": arn,
    }
    assert api("DescribeLogGroups", logGroupNamePattern="nothing")["logGroups"] == []
    with pytest.raises(AwsError) as raised:
        api("DescribeLogGroups", logGroupNamePattern="Data", logGroupNamePrefix="Data")
    assert (raised.value.code, raised.value.message) == (
        "InvalidParameterException",
        "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
    )


@pytest.mark.parametrize(
    ("operation", "members"),
    [
        ("CreateLogGroup", {"logGroupName": "a" * 513}),
        ("CreateLogStream", {"logGroupName": "/a", "logStreamName": "s" * 513}),
    ],
)
def test_names_over_512_characters_get_aws_text(
    api: LogsApi, operation: str, members: dict[str, str]
) -> None:
    with pytest.raises(AwsError) as raised:
        api(operation, **members)
    assert (raised.value.code, raised.value.message) == (
        "InvalidParameterException",
        "Invalid LogGroup or LogStream, both must have length less than or equal to 512.",
    )


def test_model_violations_are_invalid_parameter(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    api("CreateLogStream", logGroupName="/a", logStreamName="s")
    for operation, members in [
        ("GetLogEvents", {"logGroupName": "/a", "logStreamName": "s"}),
        ("FilterLogEvents", {"logGroupName": "/a"}),
    ]:
        with pytest.raises(AwsError) as raised:
            api(operation, limit=10001, **members)
        assert (raised.value.code, raised.value.message) == (
            "InvalidParameterException",
            "1 validation error detected: Value '10001' at 'limit' failed to satisfy "
            "constraint: Member must have value less than or equal to 10000",
        )


def test_delete_log_stream(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    for stream in ("gone", "kept"):
        api("CreateLogStream", logGroupName="/a", logStreamName=stream)
        put(api, "/a", stream, (1, stream))
    assert api("DeleteLogStream", logGroupName="/a", logStreamName="gone") == {}
    streams = api("DescribeLogStreams", logGroupName="/a")["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["kept"]
    found = api("FilterLogEvents", logGroupName="/a")["events"]
    assert [e["message"] for e in found] == ["kept"]
    with pytest.raises(AwsError) as raised:
        api("DeleteLogStream", logGroupName="/a", logStreamName="gone")
    assert (raised.value.code, raised.value.message) == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
    with pytest.raises(AwsError) as raised:
        api("DeleteLogStream", logGroupName="/missing", logStreamName="kept")
    assert raised.value.message == "The specified log group does not exist."


def test_creating_twice_is_resource_already_exists(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    with pytest.raises(AwsError) as raised:
        api("CreateLogGroup", logGroupName="/a")
    assert (raised.value.status, raised.value.code) == (400, "ResourceAlreadyExistsException")
    assert raised.value.message == "The specified log group already exists"


def test_deleting_a_missing_group_is_resource_not_found(api: LogsApi) -> None:
    with pytest.raises(AwsError) as raised:
        api("DeleteLogGroup", logGroupName="/missing")
    assert raised.value.code == "ResourceNotFoundException"
    assert raised.value.message == "The specified log group does not exist."
    api("CreateLogGroup", logGroupName="/a")
    api("DeleteLogGroup", logGroupName="/a")
    assert api("DescribeLogGroups")["logGroups"] == []


def test_a_bad_group_name_is_an_invalid_parameter(api: LogsApi) -> None:
    with pytest.raises(AwsError) as raised:
        api("CreateLogGroup", logGroupName="bad name")
    assert raised.value.code == "InvalidParameterException"
    assert "at 'logGroupName' failed to satisfy constraint" in raised.value.message


def test_describe_groups_pages_and_filters_by_prefix(api: LogsApi) -> None:
    for name in ["/x/1", "/x/2", "/x/3", "/y"]:
        api("CreateLogGroup", logGroupName=name)
    first = api("DescribeLogGroups", logGroupNamePrefix="/x/", limit=2)
    assert [g["logGroupName"] for g in first["logGroups"]] == ["/x/1", "/x/2"]
    second = api(
        "DescribeLogGroups", logGroupNamePrefix="/x/", limit=2, nextToken=first["nextToken"]
    )
    assert [g["logGroupName"] for g in second["logGroups"]] == ["/x/3"]
    assert "nextToken" not in second
    with pytest.raises(AwsError, match="InvalidParameterException"):
        api("DescribeLogGroups", nextToken="garbage")


def test_retention_policies(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    api("PutRetentionPolicy", logGroupName="/a", retentionInDays=14)
    assert api("DescribeLogGroups")["logGroups"][0]["retentionInDays"] == 14
    api("DeleteRetentionPolicy", logGroupName="/a")
    assert "retentionInDays" not in api("DescribeLogGroups")["logGroups"][0]
    with pytest.raises(AwsError) as raised:
        api("PutRetentionPolicy", logGroupName="/a", retentionInDays=2)
    assert raised.value.code == "InvalidParameterException"
    assert "Value '2' at 'retentionInDays'" in raised.value.message
    with pytest.raises(AwsError, match="ResourceNotFoundException"):
        api("PutRetentionPolicy", logGroupName="/missing", retentionInDays=1)


def test_streams_and_put_log_events(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    api("CreateLogStream", logGroupName="/a", logStreamName="s")
    with pytest.raises(AwsError, match="ResourceAlreadyExistsException"):
        api("CreateLogStream", logGroupName="/a", logStreamName="s")
    with pytest.raises(AwsError, match="ResourceNotFoundException"):
        api(
            "PutLogEvents",
            logGroupName="/a",
            logStreamName="nope",
            logEvents=[{"timestamp": 1, "message": "x"}],
        )
    now = epoch_ms(api.clock.now())
    answer = api(
        "PutLogEvents",
        logGroupName="/a",
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": "hello"}],
    )
    assert "rejectedLogEventsInfo" not in answer
    assert len(answer["nextSequenceToken"]) == 56
    assert answer["nextSequenceToken"].isdigit()
    (stream,) = api("DescribeLogStreams", logGroupName="/a")["logStreams"]
    assert stream["logStreamName"] == "s"
    assert (stream["firstEventTimestamp"], stream["lastEventTimestamp"]) == (now, now)
    assert stream["storedBytes"] == 0  # as AWS reports it for streams
    (group,) = api("DescribeLogGroups")["logGroups"]
    assert group["storedBytes"] == 5
    assert stream["arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/a:log-stream:s"


def test_describe_streams_orders_and_pages(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    put(api, "/a", "b", (3, "x"))
    put(api, "/a", "a", (9, "x"))
    put(api, "/a", "c", (1, "x"))
    by_time = api("DescribeLogStreams", logGroupName="/a", orderBy="LastEventTime", descending=True)
    assert [s["logStreamName"] for s in by_time["logStreams"]] == ["a", "b", "c"]
    page = api("DescribeLogStreams", logGroupIdentifier="/a", limit=2)
    assert [s["logStreamName"] for s in page["logStreams"]] == ["a", "b"]
    rest = api("DescribeLogStreams", logGroupName="/a", limit=2, nextToken=page["nextToken"])
    assert [s["logStreamName"] for s in rest["logStreams"]] == ["c"]
    with pytest.raises(AwsError, match="InvalidParameterException"):
        api(
            "DescribeLogStreams",
            logGroupName="/a",
            orderBy="LastEventTime",
            logStreamNamePrefix="a",
        )
    with pytest.raises(AwsError, match="ResourceNotFoundException"):
        api("DescribeLogStreams", logGroupName="/missing")


def test_get_log_events_from_the_head_and_onwards(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    put(api, "/a", "s", *[(t, f"m{t}") for t in range(1, 6)])
    first = api("GetLogEvents", logGroupName="/a", logStreamName="s", startFromHead=True, limit=2)
    assert [e["message"] for e in first["events"]] == ["m1", "m2"]
    assert set(first["events"][0]) == {"timestamp", "message", "ingestionTime"}
    forward = api(
        "GetLogEvents", logGroupName="/a", logStreamName="s", nextToken=first["nextForwardToken"]
    )
    assert [e["message"] for e in forward["events"]] == ["m3", "m4", "m5"]
    end = api(
        "GetLogEvents", logGroupName="/a", logStreamName="s", nextToken=forward["nextForwardToken"]
    )
    assert end["events"] == []
    assert end["nextForwardToken"] == forward["nextForwardToken"]  # the end: the same token
    # ...and the other token turns back from there: the newest events, read backwards.
    assert end["nextBackwardToken"].startswith("b/")
    back = api(
        "GetLogEvents", logGroupName="/a", logStreamName="s", nextToken=end["nextBackwardToken"]
    )
    assert [e["message"] for e in back["events"]] == ["m1", "m2", "m3", "m4", "m5"]
    start = api(
        "GetLogEvents", logGroupName="/a", logStreamName="s", nextToken=back["nextBackwardToken"]
    )
    assert start["events"] == []
    assert start["nextBackwardToken"] == back["nextBackwardToken"]
    again = api(
        "GetLogEvents", logGroupName="/a", logStreamName="s", nextToken=start["nextForwardToken"]
    )
    assert [e["message"] for e in again["events"]] == ["m1", "m2", "m3", "m4", "m5"]


def test_get_log_events_reads_the_newest_by_default_and_pages_back(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    put(api, "/a", "s", *[(t, f"m{t}") for t in range(1, 6)])
    newest = api("GetLogEvents", logGroupName="/a", logStreamName="s", limit=2)
    assert [e["message"] for e in newest["events"]] == ["m4", "m5"]
    older = api(
        "GetLogEvents",
        logGroupName="/a",
        logStreamName="s",
        limit=2,
        nextToken=newest["nextBackwardToken"],
    )
    assert [e["message"] for e in older["events"]] == ["m2", "m3"]
    window = api(
        "GetLogEvents",
        logGroupName="/a",
        logStreamName="s",
        startTime=2,
        endTime=4,
        startFromHead=True,
    )
    assert [e["message"] for e in window["events"]] == ["m2", "m3"]


def test_filter_log_events_across_streams(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    put(api, "/a", "s1", (1, "ERROR disk full"), (4, "ok"))
    put(api, "/a", "s2", (2, "error lower"), (3, "ERROR again"))
    found = api("FilterLogEvents", logGroupName="/a", filterPattern="ERROR")
    assert [(e["logStreamName"], e["message"]) for e in found["events"]] == [
        ("s1", "ERROR disk full"),
        ("s2", "ERROR again"),
    ]
    assert set(found["events"][0]) == {
        "logStreamName",
        "timestamp",
        "message",
        "ingestionTime",
        "eventId",
    }
    phrase = api("FilterLogEvents", logGroupName="/a", filterPattern='"disk full"')
    assert [e["message"] for e in phrase["events"]] == ["ERROR disk full"]
    timed = api("FilterLogEvents", logGroupName="/a", startTime=2, endTime=3)
    assert [e["message"] for e in timed["events"]] == ["error lower", "ERROR again"]
    named = api("FilterLogEvents", logGroupName="/a", logStreamNames=["s2"])
    assert [e["message"] for e in named["events"]] == ["error lower", "ERROR again"]


def test_filter_log_events_pages_with_next_token(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    put(api, "/a", "s", *[(t, f"m{t}") for t in range(1, 6)])
    messages, params = [], {"logGroupName": "/a", "limit": 2}
    while True:
        page = api("FilterLogEvents", **params)
        messages += [e["message"] for e in page["events"]]
        if "nextToken" not in page:
            break
        params["nextToken"] = page["nextToken"]
    assert messages == [f"m{t}" for t in range(1, 6)]


def test_filter_log_events_by_group_arn(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    put(api, "/a", "s", (1, "x"))
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/a:*"
    assert len(api("FilterLogEvents", logGroupIdentifier=arn)["events"]) == 1


def test_unsupported_filter_patterns_are_refused(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    for pattern in ['{ $.level = "ERROR" }', "?ERROR ?WARN", "-DEBUG", "%hel+o%", "[ip, user]"]:
        with pytest.raises(AwsError, match="InvalidParameterException"):
            api("FilterLogEvents", logGroupName="/a", filterPattern=pattern)


def test_reading_needs_exactly_one_group_reference(api: LogsApi) -> None:
    with pytest.raises(AwsError, match="InvalidParameterException"):
        api("FilterLogEvents")
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/a"
    for operation, stream in [("DescribeLogStreams", {}), ("GetLogEvents", {"logStreamName": "s"})]:
        with pytest.raises(AwsError) as raised:
            api(operation, logGroupName="/a", logGroupIdentifier=arn, **stream)
        assert (raised.value.code, raised.value.message) == (
            "ValidationException",
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
        )
    with pytest.raises(AwsError, match="ResourceNotFoundException"):
        api("GetLogEvents", logGroupName="/missing", logStreamName="s")


HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def _put_at(api: LogsApi, *timestamps: int, group: str = "/a") -> dict[str, object]:
    events = [{"timestamp": at, "message": f"m{n}"} for n, at in enumerate(timestamps)]
    return api("PutLogEvents", logGroupName=group, logStreamName="s", logEvents=events)


def _messages(api: LogsApi, group: str = "/a") -> list[str]:
    found = api("GetLogEvents", logGroupName=group, logStreamName="s", startFromHead=True)
    return [event["message"] for event in found["events"]]


def test_a_batch_out_of_order_or_wider_than_a_day_is_refused_whole(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    api("CreateLogStream", logGroupName="/a", logStreamName="s")
    now = epoch_ms(api.clock.now())
    with pytest.raises(AwsError) as unordered:
        _put_at(api, now, now - 5_000)
    assert (unordered.value.code, unordered.value.message) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    )
    with pytest.raises(AwsError) as wide:
        _put_at(api, now - DAY_MS - 1, now)
    assert (wide.value.code, wide.value.message) == (
        "InvalidParameterException",
        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
    )
    assert _messages(api) == []
    answer = _put_at(api, now - DAY_MS, now - 1, now)  # exactly a day, equal neighbours
    assert "rejectedLogEventsInfo" not in answer


def test_events_too_new_too_old_or_expired_are_rejected_and_the_rest_stored(
    api: LogsApi,
) -> None:
    api("CreateLogGroup", logGroupName="/a")
    api("CreateLogStream", logGroupName="/a", logStreamName="s")
    now = epoch_ms(api.clock.now())
    too_old = now - 14 * DAY_MS - 1
    answer = _put_at(api, too_old, too_old, too_old + HOUR_MS)
    assert answer["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    answer = _put_at(api, now, now + 2 * HOUR_MS + 1)
    assert answer["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    assert _messages(api) == ["m2", "m0"]  # by timestamp
    api("PutRetentionPolicy", logGroupName="/a", retentionInDays=1)
    answer = _put_at(api, now - DAY_MS - 1, now - DAY_MS + 1)
    assert answer["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 0}
    assert _messages(api) == ["m1", "m0"]  # the 13-day-old event is expired now


def test_get_log_events_of_a_missing_stream_is_resource_not_found(api: LogsApi) -> None:
    api("CreateLogGroup", logGroupName="/a")
    with pytest.raises(AwsError) as raised:
        api("GetLogEvents", logGroupName="/a", logStreamName="nope")
    assert (raised.value.code, raised.value.message) == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
    with pytest.raises(AwsError) as group:
        api("GetLogEvents", logGroupName="/missing", logStreamName="nope")
    assert group.value.message == "The specified log group does not exist."


EVENTS_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/*:*",
            }
        ],
    }
)


def test_resource_policies_as_aws_setup_for_log_group_targets_makes_them(api: LogsApi) -> None:
    put = api("PutResourcePolicy", policyName="events", policyDocument=EVENTS_POLICY)
    now = epoch_ms(api.clock.now())
    expected = {
        "policyName": "events",
        "policyDocument": EVENTS_POLICY,
        "lastUpdatedTime": now,
        "policyScope": "ACCOUNT",
    }
    assert put == {"resourcePolicy": expected}
    assert api("DescribeResourcePolicies") == {"resourcePolicies": [expected]}
    api("DeleteResourcePolicy", policyName="events")
    assert api("DescribeResourcePolicies") == {"resourcePolicies": []}
    with pytest.raises(AwsError) as missing:
        api("DeleteResourcePolicy", policyName="events")
    assert missing.value.code == "ResourceNotFoundException"


def test_resource_policies_are_json_objects_ten_at_most_and_paged(api: LogsApi) -> None:
    with pytest.raises(AwsError) as bad:
        api("PutResourcePolicy", policyName="p", policyDocument="not json")
    assert bad.value.code == "InvalidParameterException"
    for n in range(10):
        api("PutResourcePolicy", policyName=f"p{n}", policyDocument="{}")
    with pytest.raises(AwsError) as limit:
        api("PutResourcePolicy", policyName="p10", policyDocument="{}")
    assert (limit.value.code, limit.value.message) == (
        "LimitExceededException",
        "Resource limit exceeded.",
    )
    api("PutResourcePolicy", policyName="p3", policyDocument='{"v": 2}')  # replacing is fine
    first = api("DescribeResourcePolicies", limit=4)
    assert [p["policyName"] for p in first["resourcePolicies"]] == ["p0", "p1", "p2", "p3"]
    rest = api("DescribeResourcePolicies", nextToken=first["nextToken"])
    assert len(rest["resourcePolicies"]) == 6
    assert "nextToken" not in rest


def test_create_log_group_keeps_key_class_and_tags(api: LogsApi) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    api(
        "CreateLogGroup",
        logGroupName="/a",
        kmsKeyId=key,
        logGroupClass="INFREQUENT_ACCESS",
        tags={"env": "testing"},
    )
    (group,) = api("DescribeLogGroups")["logGroups"]
    assert (group["kmsKeyId"], group["logGroupClass"]) == (key, "INFREQUENT_ACCESS")
    assert api("ListTagsLogGroup", logGroupName="/a") == {"tags": {"env": "testing"}}
    with pytest.raises(AwsError) as raised:
        api("CreateLogGroup", logGroupName="/b", logGroupClass="FOO")
    assert raised.value.code == "InvalidParameterException"
    assert "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]" in (
        raised.value.message
    )


def test_tags_by_group_name_and_by_arn_are_the_same_tags(api: LogsApi) -> None:
    # As LocalStack's AWS-validated test_tag_resource_api recorded them.
    api("CreateLogGroup", logGroupName="/a", tags={"env": "testing1"})
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/a"
    assert api("TagResource", resourceArn=arn, tags={"test1": "val1", "test2": "val2"}) == {}
    both = {"env": "testing1", "test1": "val1", "test2": "val2"}
    assert api("ListTagsLogGroup", logGroupName="/a") == {"tags": both}
    assert api("ListTagsForResource", resourceArn=arn) == {"tags": both}
    assert api("TagLogGroup", logGroupName="/a", tags={"test3": "val3"}) == {}
    assert api("ListTagsForResource", resourceArn=f"{arn}:*")["tags"]["test3"] == "val3"
    api("UntagLogGroup", logGroupName="/a", tags=["env", "test3"])
    assert api("UntagResource", resourceArn=arn, tagKeys=["test1", "never"]) == {}
    assert api("ListTagsLogGroup", logGroupName="/a") == {"tags": {"test2": "val2"}}
    api("DeleteLogGroup", logGroupName="/a")
    api("CreateLogGroup", logGroupName="/a")
    assert api("ListTagsLogGroup", logGroupName="/a") == {"tags": {}}


def test_tags_need_the_group_and_stay_within_fifty(api: LogsApi) -> None:
    with pytest.raises(AwsError) as raised:
        api("ListTagsLogGroup", logGroupName="/missing")
    assert (raised.value.code, raised.value.message) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
    other = "arn:aws:logs:eu-west-1:123456789012:log-group:/a"
    api("CreateLogGroup", logGroupName="/a", tags={f"k{n}": "v" for n in range(50)})
    with pytest.raises(AwsError, match="ResourceNotFoundException"):
        api("ListTagsForResource", resourceArn=other)
    with pytest.raises(AwsError, match="InvalidParameterException"):
        api("ListTagsForResource", resourceArn="arn:aws:sqs:us-east-1:123456789012:q")
    with pytest.raises(AwsError) as raised:
        api("TagLogGroup", logGroupName="/a", tags={"k50": "v"})
    assert raised.value.message == "A log group can have at most 50 tags."
    api("TagLogGroup", logGroupName="/a", tags={"k0": "replaced"})
    assert len(api("ListTagsLogGroup", logGroupName="/a")["tags"]) == 50
    with pytest.raises(AwsError) as raised:
        api("TagLogGroup", logGroupName="/a", tags={"k": "v" * 257})
    assert "at 'tags.value' failed to satisfy constraint" in raised.value.message
