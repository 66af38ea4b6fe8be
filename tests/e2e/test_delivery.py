"""Events reach their targets through a real server, as the AWS docs' scenarios describe."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import REGION, aws_cli, aws_client, events_client, sqs_client
from tests.support.http_sink import HttpSink, Reply
from tests.support.server import BuswayServer

DOCS_ENTRIES = (
    '[{"Source": "custom.app","DetailType": "StartEC2",'
    '"Detail": "{\\"instance-id\\": \\"i-1234567890abcdef0\\"}","EventBusName": "default"}]'
)
HANDLER = """
def lambda_handler(event, context):
    print(event['detail']['instance-id'])
"""
WAIT_S = 30
ROLE = "arn:aws:iam::000000000000:role/events-invoke"  # API destinations need one, as on AWS


def _reply(path: str) -> Reply:
    if path.startswith("/token"):
        return Reply(200, b'{"access_token": "tok", "expires_in": 3600}')
    if path.startswith("/fail"):
        return Reply(500, b'{"message": "boom"}')
    if path.startswith("/bad"):
        return Reply(400, b'{"message": "no"}')
    return Reply(200)


@pytest.fixture(scope="module")
def sink() -> Iterator[HttpSink]:
    with HttpSink(replies=_reply) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuswayServer]:
    folder = tmp_path_factory.mktemp("delivery")
    (folder / "hello.py").write_text(HANDLER)
    config = folder / "busway.toml"
    config.write_text(f'[functions.hello]\nhandler = "hello:lambda_handler"\npath = "{folder}"\n')
    with BuswayServer(folder / "data", config=config) as running:
        yield running


def _queue(endpoint: str, name: str) -> tuple[str, str]:
    sqs = sqs_client(endpoint)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, attributes["Attributes"]["QueueArn"]


def _receive(endpoint: str, url: str) -> dict[str, Any]:
    sqs = sqs_client(endpoint)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        messages = sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=2, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if messages:
            message: dict[str, Any] = messages[0]
            return message
    raise AssertionError(f"nothing arrived on {url} within {WAIT_S}s")


def _rule(endpoint: str, name: str, source: str, target: dict[str, Any]) -> None:
    events = events_client(endpoint)
    events.put_rule(Name=name, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=name, Targets=[target])


def _put(endpoint: str, source: str, detail: dict[str, Any]) -> str:
    answer = events_client(endpoint).put_events(
        Entries=[{"Source": source, "DetailType": "T", "Detail": json.dumps(detail)}]
    )
    assert answer["FailedEntryCount"] == 0
    event_id: str = answer["Entries"][0]["EventId"]
    return event_id


def test_the_docs_put_events_call_reaches_a_queue(server: BuswayServer) -> None:
    url, arn = _queue(server.endpoint, "docs")
    _rule(server.endpoint, "docs", "custom.app", {"Id": "q", "Arn": arn})
    answer = json.loads(
        aws_cli(server.endpoint, "events", "put-events", "--entries", DOCS_ENTRIES).stdout
    )
    event = json.loads(_receive(server.endpoint, url)["Body"])
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert list(event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert event["detail"] == {"instance-id": "i-1234567890abcdef0"}


def test_a_transformed_event_reaches_a_queue(server: BuswayServer) -> None:
    url, arn = _queue(server.endpoint, "shaped")
    transformer = {
        "InputPathsMap": {"instance": "$.detail.instance-id"},
        "InputTemplate": '{"instance": <instance>, "rule": "<aws.events.rule-name>"}',
    }
    _rule(
        server.endpoint,
        "shaped",
        "shape.app",
        {"Id": "q", "Arn": arn, "InputTransformer": transformer},
    )
    _put(server.endpoint, "shape.app", {"instance-id": "i-42"})
    body = json.loads(_receive(server.endpoint, url)["Body"])
    assert body == {"instance": "i-42", "rule": "shaped"}


def test_the_docs_lambda_handler_runs_unchanged(server: BuswayServer) -> None:
    arn = f"arn:aws:lambda:{REGION}:000000000000:function:hello"
    _rule(server.endpoint, "to-lambda", "lambda.app", {"Id": "f", "Arn": arn})
    _put(server.endpoint, "lambda.app", {"instance-id": "i-0abc"})
    logs = aws_client("logs", server.endpoint)
    deadline = time.monotonic() + WAIT_S
    messages: list[str] = []
    while time.monotonic() < deadline and "i-0abc" not in messages:
        try:
            found = logs.filter_log_events(logGroupName="/aws/lambda/hello")["events"]
        except logs.exceptions.ResourceNotFoundException:
            found = []  # the first invocation creates the function's log group
        messages = [event["message"].strip() for event in found]
        time.sleep(0.2)
    assert "i-0abc" in messages


def test_a_log_group_target_set_up_as_aws_asks_gets_the_event(server: BuswayServer) -> None:
    logs = aws_client("logs", server.endpoint)
    group = "/aws/events/orders"
    logs.create_log_group(logGroupName=group)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{REGION}:000000000000:log-group:/aws/events/*:*",
            }
        ],
    }
    logs.put_resource_policy(policyName="events-to-logs", policyDocument=json.dumps(policy))
    [described] = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    _rule(server.endpoint, "to-logs", "logs.app", {"Id": "l", "Arn": described["arn"]})
    event_id = _put(server.endpoint, "logs.app", {"order": 7})
    deadline = time.monotonic() + WAIT_S
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not found:
        found = logs.filter_log_events(logGroupName=group)["events"]
        time.sleep(0.1)
    assert json.loads(found[0]["message"])["id"] == event_id


def _api_destination(endpoint: str, name: str, url: str) -> str:
    events = events_client(endpoint)
    connection = events.create_connection(
        Name=name,
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"}
        },
    )
    destination = events.create_api_destination(
        Name=name,
        ConnectionArn=connection["ConnectionArn"],
        InvocationEndpoint=url,
        HttpMethod="POST",
    )
    arn: str = destination["ApiDestinationArn"]
    return arn


def test_an_oauth_connection_is_authorized_without_waiting_for_an_event(
    server: BuswayServer, sink: HttpSink
) -> None:
    events = events_client(server.endpoint)
    oauth = {
        "ClientParameters": {"ClientID": "client", "ClientSecret": "s3cret"},
        "AuthorizationEndpoint": f"{sink.url}/token",
        "HttpMethod": "POST",
    }
    created = events.create_connection(
        Name="oauth-now",
        AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={"OAuthParameters": oauth},
    )
    assert created["ConnectionState"] == "AUTHORIZING"  # as AWS answers CreateConnection
    destination = events.create_api_destination(
        Name="oauth-now",
        ConnectionArn=created["ConnectionArn"],
        InvocationEndpoint=f"{sink.url}/oauth-hook",
        HttpMethod="POST",
    )
    deadline = time.monotonic() + WAIT_S
    state = ""
    while time.monotonic() < deadline and state != "AUTHORIZED":
        state = events.describe_connection(Name="oauth-now")["ConnectionState"]
        time.sleep(0.05)
    assert state == "AUTHORIZED"
    described = events.describe_api_destination(Name="oauth-now")
    assert described["ApiDestinationState"] == "ACTIVE"
    assert described["ApiDestinationArn"] == destination["ApiDestinationArn"]
    assert [r.path for r in sink.received if r.path == "/oauth-hook"] == []  # no event yet


def test_an_api_destination_gets_the_event_with_its_auth_header(
    server: BuswayServer, sink: HttpSink
) -> None:
    arn = _api_destination(server.endpoint, "hook", f"{sink.url}/hook/*")
    target = {
        "Id": "h",
        "Arn": arn,
        "RoleArn": ROLE,
        "HttpParameters": {"PathParameterValues": ["orders"]},
    }
    _rule(server.endpoint, "to-hook", "hook.app", target)
    event_id = _put(server.endpoint, "hook.app", {"n": 1})
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        hits = [r for r in sink.received if r.path == "/hook/orders"]
        if hits:
            break
        sink.wait_for(len(sink.received) + 1, 0.5)
    assert hits, "the API destination was not called"
    assert hits[0].method == "POST"
    assert hits[0].headers["x-api-key"] == "s3cret"
    assert json.loads(hits[0].body)["id"] == event_id


@pytest.mark.parametrize(
    ("path", "calls", "code"), [("/fail", 3, "ERROR_FROM_TARGET"), ("/bad", 1, "ERROR_FROM_TARGET")]
)
def test_failures_retry_then_dead_letter_with_attributes(
    server: BuswayServer, sink: HttpSink, path: str, calls: int, code: str
) -> None:
    name = path.strip("/")
    dlq_url, dlq_arn = _queue(server.endpoint, f"dlq-{name}")
    arn = _api_destination(server.endpoint, name, f"{sink.url}{path}")
    target = {
        "Id": "h",
        "Arn": arn,
        "RoleArn": ROLE,
        "RetryPolicy": {"MaximumRetryAttempts": 2},
        "DeadLetterConfig": {"Arn": dlq_arn},
    }
    _rule(server.endpoint, f"to-{name}", f"{name}.app", target)
    event_id = _put(server.endpoint, f"{name}.app", {"n": 1})
    message = _receive(server.endpoint, dlq_url)
    assert json.loads(message["Body"])["id"] == event_id
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == f"arn:aws:events:{REGION}:000000000000:rule/to-{name}"
    assert attributes["TARGET_ARN"] == arn
    assert attributes["ERROR_CODE"] == code
    assert attributes["RETRY_ATTEMPTS"] == str(calls - 1)
    assert "ERROR_MESSAGE" in attributes
    if calls > 1:
        assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    hits = [r for r in sink.received if r.path == path]
    assert len(hits) == calls
