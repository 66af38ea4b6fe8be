"""Numbers no AWS service takes, sent raw (no SDK would send them): each is a 4xx with an
AWS-shaped body, at once. ``int(Decimal("1e999999"))`` used to build a million-digit number on
the event loop, and numbers of thousands of digits could not be written into messages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from busway.api.app import App
from busway.api.events import events_api
from busway.clock import FakeClock
from busway.config import Settings
from busway.service import Services
from busway.service.routing import RoutingTable
from busway.store.memory import MemoryStore
from busway.store.memory.connections import MemoryConnectionStore
from tests.support.asgi import call_raw
from tests.unit.api.conftest import Events
from tests.unit.logs.support import LogsApi
from tests.unit.queues.wire import URL, Sqs

HUGE = "1" + "0" * 5000  # an integer past what str() writes (4,300 digits)


def answer(status: int, raw: bytes) -> tuple[int, str, str]:
    body = json.loads(raw)
    for leak in ("Traceback", "None", "object has no attribute", "Error("):
        assert leak not in body["message"]
    return status, body["__type"].rpartition("#")[2], body["message"]


@pytest.fixture
def logs() -> Iterator[LogsApi]:
    api = LogsApi()
    api("CreateLogGroup", logGroupName="/a")
    api("CreateLogStream", logGroupName="/a", logStreamName="s")
    yield api
    api.close()


def post_logs(api: LogsApi, operation: str, body: str) -> tuple[int, str, str]:
    call = call_raw(api.app, f"Logs_20140328.{operation}", body.encode())
    status, _, raw = api.loop.run_until_complete(call)
    return answer(status, raw)


@pytest.mark.parametrize("number", ["1e999999", "-1e999999", "1E400", HUGE, str(2**63)])
def test_events_integers_past_64_bits_are_serialization_errors(number: str) -> None:
    events = Events()
    call = call_raw(events.app, "AWSEvents.ListRules", f'{{"Limit": {number}}}'.encode())
    status, _, raw = asyncio.run(call)
    # (An integer literal of thousands of digits is refused by the decoder already.)
    assert answer(status, raw)[:2] == (400, "SerializationException")


def test_events_times_past_64_bits_are_serialization_errors() -> None:
    services = Services.build(
        MemoryStore(), MemoryConnectionStore(), RoutingTable(), FakeClock(), Settings()
    )
    app = App([events_api(services)], account="123456789012")
    entry = '{"Source": "s", "DetailType": "d", "Detail": "{}", "Time": 1E400}'
    call = call_raw(app, "AWSEvents.PutEvents", f'{{"Entries": [{entry}]}}'.encode())
    status, _, raw = asyncio.run(call)
    assert answer(status, raw)[:2] == (400, "SerializationException")


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("SendMessage", '{"QueueUrl": "%s/q", "MessageBody": "x", "DelaySeconds": 1e999999}'),
        ("ReceiveMessage", '{"QueueUrl": "%s/q", "MaxNumberOfMessages": ' + HUGE + "}"),
        (
            "SendMessage",
            '{"QueueUrl": "%s/q", "MessageBody": "x", "MessageAttributes": '
            '{"a": {"DataType": "Binary", "BinaryValue": "\\ud83d\\udca5"}}}',
        ),
        (
            "SetQueueAttributes",
            '{"QueueUrl": "%s/q", "Attributes": {"VisibilityTimeout": "' + "1" * 4400 + '"}}',
        ),
        (
            "SetQueueAttributes",
            '{"QueueUrl": "%s/q", "Attributes": {"RedrivePolicy": "{\\"deadLetterTargetArn\\": '
            '\\"arn:aws:sqs:us-east-1:123456789012:q\\", \\"maxReceiveCount\\": ' + HUGE + '}"}}',
        ),
        (
            "SetQueueAttributes",
            '{"QueueUrl": "%s/q", "Attributes": {"RedrivePolicy": "{\\"deadLetterTargetArn\\": '
            '\\"arn:aws:sqs:us-east-1:123456789012:q\\", \\"maxReceiveCount\\": 5.5}"}}',
        ),
    ],
)
def test_sqs_numbers_and_values_it_cannot_take_are_4xx(operation: str, body: str) -> None:
    sqs = Sqs()
    sqs.create("q")
    call = call_raw(sqs.app, f"AmazonSQS.{operation}", (body % URL).encode())
    status, _, raw = asyncio.run(call)
    assert 400 <= answer(status, raw)[0] < 500


@pytest.mark.parametrize(
    ("operation", "body", "code"),
    [
        (
            "GetLogEvents",
            '{"logGroupName": "/a", "logStreamName": "s", "startTime": 1e999999}',
            "SerializationException",
        ),
        (
            "GetLogEvents",
            '{"logGroupName": "/a", "logStreamName": "s", '
            '"nextToken": "f/99999999999999999999999/1"}',
            "InvalidParameterException",
        ),
        ("DescribeLogGroups", '{"nextToken": "o' + "9" * 5000 + '"}', "InvalidParameterException"),
        (
            "PutResourcePolicy",
            json.dumps({"policyName": "p", "policyDocument": '{"a":' * 5000 + "1" + "}" * 5000}),
            "InvalidParameterException",
        ),
    ],
)
def test_logs_values_it_cannot_take_are_4xx(
    logs: LogsApi, operation: str, body: str, code: str
) -> None:
    status, error, _ = post_logs(logs, operation, body)
    assert (status, error) == (400, code)


def test_logs_times_up_to_the_64_bit_limit_are_read_as_far_future(logs: LogsApi) -> None:
    latest = 2**63 - 1
    for operation, body in [
        ("GetLogEvents", {"logGroupName": "/a", "logStreamName": "s", "endTime": latest}),
        ("FilterLogEvents", {"logGroupName": "/a", "startTime": 0, "endTime": latest}),
    ]:
        call = call_raw(logs.app, f"Logs_20140328.{operation}", json.dumps(body).encode())
        status, _, raw = logs.loop.run_until_complete(call)
        assert status == 200, raw
        assert json.loads(raw)["events"] == []
