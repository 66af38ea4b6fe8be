"""PutEvents through the in-process App, serialized and parsed by botocore as boto3 would."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from busway.api.app import App
from busway.config import Settings
from tests.support.asgi import call, call_raw

from .harness import Harness, event_id
from .wire import AwsError, boto_call, events_app

ENTRY = {"Source": "my.app", "DetailType": "Order Placed", "Detail": '{"order":1}'}


@pytest.fixture
def harness() -> Harness:
    return Harness()


@pytest.fixture
def app(harness: Harness) -> App:
    return events_app(harness.service)


def put(app: App, *entries: dict[str, Any], **params: Any) -> dict[str, Any]:
    return boto_call(app, "PutEvents", {"Entries": list(entries), **params})


def raw_put(app: App, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return asyncio.run(call(app, "PutEvents", body))


def stored_envelope(harness: Harness, n: int = 1) -> dict[str, Any]:
    event = harness.event(event_id(n))
    assert event is not None
    envelope: dict[str, Any] = json.loads(event.body)
    return envelope


def validation_error(app: App, body: dict[str, Any]) -> str:
    status, answer = raw_put(app, body)
    assert status == 400
    assert answer["__type"] == "ValidationException"
    message: str = answer["message"]
    return message


# --- the response ---------------------------------------------------------------------------


def test_success_entries_carry_only_the_event_id(app: App) -> None:
    status, answer = raw_put(app, {"Entries": [ENTRY, ENTRY]})
    assert status == 200
    assert answer == {
        "FailedEntryCount": 0,
        "Entries": [{"EventId": event_id(1)}, {"EventId": event_id(2)}],
    }


def test_failed_entries_carry_only_code_and_message_in_order(app: App) -> None:
    status, answer = raw_put(
        app, {"Entries": [{**ENTRY, "Source": ""}, ENTRY, {**ENTRY, "Detail": "[]"}]}
    )
    assert status == 200
    assert answer == {
        "FailedEntryCount": 2,
        "Entries": [
            {
                "ErrorCode": "InvalidArgument",
                "ErrorMessage": (
                    "Parameter Source is not valid. Reason: Source is a required argument."
                ),
            },
            {"EventId": event_id(1)},
            {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        ],
    }


def test_null_members_count_as_absent(app: App) -> None:
    status, answer = raw_put(app, {"Entries": [{**ENTRY, "Source": None, "EventBusName": None}]})
    assert status == 200
    assert answer["Entries"][0]["ErrorMessage"] == (
        "Parameter Source is not valid. Reason: Source is a required argument."
    )


def test_unknown_entry_members_are_ignored(app: App, harness: Harness) -> None:
    status, answer = raw_put(app, {"Entries": [{**ENTRY, "Unknown": 1}]})
    assert (status, answer["FailedEntryCount"]) == (200, 0)
    assert stored_envelope(harness)["source"] == "my.app"


def test_an_entry_of_strings_keeps_every_member(app: App, harness: Harness) -> None:
    entry = {**ENTRY, "EventBusName": "default", "TraceHeader": "Root=1-5759e988"}
    status, _ = raw_put(app, {"Entries": [entry]})
    assert status == 200
    event = harness.event(event_id(1))
    assert event is not None
    assert (event.source, event.detail_type, event.trace_header) == (
        "my.app",
        "Order Placed",
        "Root=1-5759e988",
    )


def test_an_empty_entry_fails_on_its_source(app: App) -> None:
    answer = put(app, {})
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][0]["ErrorCode"] == "InvalidArgument"


def test_reserved_source_fails_the_entry(app: App) -> None:
    [result] = put(app, {**ENTRY, "Source": "aws.s3"})["Entries"]
    assert result["ErrorCode"] == "NotAuthorizedForSourceException"
    assert result["ErrorMessage"].startswith("Not authorized for the source")


def test_reserved_source_allowed_by_setting() -> None:
    harness = Harness(settings=Settings(allow_reserved_sources=True))
    answer = put(events_app(harness.service), {**ENTRY, "Source": "aws.s3"})
    assert answer == {"FailedEntryCount": 0, "Entries": [{"EventId": event_id(1)}]}


def test_unknown_bus_is_answered_like_a_known_one(app: App, harness: Harness) -> None:
    answer = put(app, {**ENTRY, "EventBusName": "nope"})
    assert answer == {"FailedEntryCount": 0, "Entries": [{"EventId": event_id(1)}]}
    assert harness.count() == 0


def test_bus_arn_selects_the_bus(app: App, harness: Harness) -> None:
    arn = "arn:aws:events:us-east-1:123456789012:event-bus/default"
    put(app, {**ENTRY, "EventBusName": arn})
    assert harness.count() == 1


# --- time -----------------------------------------------------------------------------------


def test_time_given_as_a_date_string_to_boto3(app: App, harness: Harness) -> None:
    put(app, {**ENTRY, "Time": "2022-01-01"})
    assert stored_envelope(harness)["time"] == "2022-01-01T00:00:00Z"


def test_time_with_microseconds_is_truncated_in_the_envelope(app: App, harness: Harness) -> None:
    moment = datetime(2023, 5, 6, 7, 8, 9, 987654, tzinfo=UTC)
    put(app, {**ENTRY, "Time": moment})
    assert stored_envelope(harness)["time"] == "2023-05-06T07:08:09Z"
    event = harness.event(event_id(1))
    assert event is not None
    assert event.time == moment


@pytest.mark.parametrize(
    ("epoch", "text"),
    [
        (1640995200, "2022-01-01T00:00:00Z"),
        (1640995200.999999, "2022-01-01T00:00:00Z"),
        (0, "1970-01-01T00:00:00Z"),
        (-0.5, "1969-12-31T23:59:59Z"),
    ],
)
def test_time_as_epoch_seconds_on_the_wire(
    app: App, harness: Harness, epoch: float, text: str
) -> None:
    status, _ = raw_put(app, {"Entries": [{**ENTRY, "Time": epoch}]})
    assert status == 200
    assert stored_envelope(harness)["time"] == text


@pytest.mark.parametrize("time", ["2022-01-01", True, [1], 1e300])
def test_time_that_is_not_a_usable_epoch_number_is_a_serialization_error(
    app: App, time: Any
) -> None:
    status, answer = raw_put(app, {"Entries": [{**ENTRY, "Time": time}]})
    assert (status, answer["__type"]) == (400, "SerializationException")


# --- numbers survive the wire ---------------------------------------------------------------


def test_big_numbers_in_detail_reach_the_store_unchanged(app: App, harness: Harness) -> None:
    detail = '{"big": 123456789012345678901234567890, "pi": 3.14159265358979323846264338327950}'
    put(app, {**ENTRY, "Detail": detail})
    event = harness.event(event_id(1))
    assert event is not None
    assert event.body.endswith(
        b'"detail":{"big":123456789012345678901234567890,"pi":3.14159265358979323846264338327950}}'
    )


# --- request-level validation ---------------------------------------------------------------


def test_more_than_ten_entries_is_a_validation_error_with_the_java_dump(
    app: App, harness: Harness
) -> None:
    entries = [ENTRY] * 10 + [
        {
            "Source": "s",
            "DetailType": "t",
            "Detail": '{"a": 1}',
            "Resources": ["r1", "r2"],
            "Time": 1640995200,
            "EventBusName": "b",
            "TraceHeader": "h",
        }
    ]
    plain = (
        "PutEventsRequestEntry(time=null, source=my.app, resources=null, detailType=Order Placed,"
        ' detail={"order":1}, eventBusName=null, traceHeader=null, kmsKeyIdentifier=null,'
        " internalMetadata=null)"
    )
    full = (
        "PutEventsRequestEntry(time=Sat Jan 01 00:00:00 UTC 2022, source=s, resources=[r1, r2],"
        ' detailType=t, detail={"a": 1}, eventBusName=b, traceHeader=h, kmsKeyIdentifier=null,'
        " internalMetadata=null)"
    )
    assert validation_error(app, {"Entries": entries}) == (
        "1 validation error detected: Value '["
        + ", ".join([plain] * 10 + [full])
        + "]' at 'entries' failed to satisfy constraint: "
        "Member must have length less than or equal to 10"
    )
    assert harness.count() == 0


def test_more_than_ten_entries_through_botocore(app: App) -> None:
    with pytest.raises(AwsError) as caught:
        put(app, *[ENTRY] * 11)
    assert caught.value.status == 400
    assert caught.value.code == "ValidationException"
    assert caught.value.message.endswith("Member must have length less than or equal to 10")


def test_no_entries(app: App) -> None:
    assert validation_error(app, {"Entries": []}) == (
        "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_entries_are_required(app: App) -> None:
    assert validation_error(app, {}) == (
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: "
        "Member must not be null"
    )


@pytest.mark.parametrize("bus", ["aws.partner/acme.com/1", "has space", ""])
def test_bus_name_must_fit_the_model_pattern(app: App, bus: str) -> None:
    message = validation_error(app, {"Entries": [ENTRY, {**ENTRY, "EventBusName": bus}]})
    assert f"Value '{bus}' at 'entries.2.member.eventBusName' failed to satisfy constraint: " in (
        message
    )


def test_bus_name_length_limit(app: App) -> None:
    message = validation_error(app, {"Entries": [{**ENTRY, "EventBusName": "b" * 1601}]})
    assert message.endswith("Member must have length less than or equal to 1600")


def test_resources_may_have_2048_characters(app: App) -> None:
    assert put(app, {**ENTRY, "Resources": ["r" * 2048]})["FailedEntryCount"] == 0


def test_resource_over_2048_characters_is_a_validation_error(app: App) -> None:
    long = "r" * 2049
    assert validation_error(app, {"Entries": [{**ENTRY, "Resources": ["ok", long]}]}) == (
        f"1 validation error detected: Value '{long}' at 'entries.1.member.resources.2.member' "
        "failed to satisfy constraint: Member must have length less than or equal to 2048"
    )


@pytest.mark.parametrize(
    ("header", "constraint"),
    [
        ("", "Member must have length greater than or equal to 1"),
        ("h" * 501, "Member must have length less than or equal to 500"),
    ],
)
def test_trace_header_length(app: App, header: str, constraint: str) -> None:
    assert validation_error(app, {"Entries": [{**ENTRY, "TraceHeader": header}]}) == (
        f"1 validation error detected: Value '{header}' at 'entries.1.member.traceHeader' "
        f"failed to satisfy constraint: {constraint}"
    )


def test_trace_header_is_kept(app: App, harness: Harness) -> None:
    put(app, {**ENTRY, "TraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793"})
    event = harness.event(event_id(1))
    assert event is not None
    assert event.trace_header == "Root=1-5759e988-bd862e3fe1be46a994272793"


def test_violations_are_counted_and_joined(app: App) -> None:
    message = validation_error(
        app,
        {"Entries": [{**ENTRY, "TraceHeader": "", "EventBusName": "a/b"}], "EndpointId": "x"},
    )
    assert message.startswith("3 validation errors detected: Value 'a/b' at ")
    assert message.count("; Value ") == 2
    assert "at 'endpointId' failed to satisfy constraint" in message


@pytest.mark.parametrize(
    "body",
    [
        {"Entries": "x"},
        {"Entries": ["x"]},
        {"Entries": [{**ENTRY, "Source": 1}]},
        {"Entries": [{**ENTRY, "Detail": {"a": 1}}]},
        {"Entries": [{**ENTRY, "EventBusName": 5}]},
        {"Entries": [{**ENTRY, "DetailType": ["T"], "EventBusName": "default"}]},
        {"Entries": [{**ENTRY, "Resources": "arn"}]},
        {"Entries": [{**ENTRY, "Resources": [1]}]},
    ],
    ids=["entries", "entry", "source", "detail", "bus", "detail-type", "resources", "resource"],
)
def test_wrong_json_types_are_serialization_errors(app: App, body: dict[str, Any]) -> None:
    status, answer = raw_put(app, body)
    assert (status, answer["__type"]) == (400, "SerializationException")


def test_request_over_the_size_limit(harness: Harness) -> None:
    harness.settings = Settings(max_put_events_bytes=100)
    app = events_app(harness.service)
    assert validation_error(
        app, {"Entries": [{**ENTRY, "Detail": '{"a":"' + "x" * 100 + '"}'}]}
    ) == ("Total size of the entries in the request is over the limit.")
    assert harness.count() == 0


def test_response_is_aws_json(app: App) -> None:
    body = json.dumps({"Entries": [ENTRY]}).encode()
    status, headers, _ = asyncio.run(call_raw(app, "AWSEvents.PutEvents", body))
    assert status == 200
    assert headers["content-type"] == "application/x-amz-json-1.1"


def test_half_a_surrogate_pair_in_the_request_is_a_serialization_error(app: App) -> None:
    # The events API names no error of its own for it (SQS does: InvalidMessageContents).
    status, answer = raw_put(app, {"Entries": [{**ENTRY, "Source": "app\ud800"}]})
    assert (status, answer["__type"]) == (400, "SerializationException")
