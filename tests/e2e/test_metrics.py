"""GET /metrics of a real server after a scripted delivery scenario, read with Prometheus's parser.

One PutEvents of five entries: four match one rule each, whose API destinations answer as
scripted by the sink (success; a 500 then success; always 500 until the dead-letter queue; a
400, which is not retried), and one entry lacks its DetailType.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import REGION, aws_client, events_client, sqs_client
from tests.support.http_sink import HttpSink, Reply
from tests.support.server import BuswayServer

WAIT_S = 60
KIND = "api-destination"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class FlakyOnce:
    """Answers 500 to the first call on /flaky, then 200; /down 500, /bad 400, else 200."""

    def __init__(self) -> None:
        self.flaky_calls = 0

    def __call__(self, path: str) -> Reply:
        if path.startswith("/flaky"):
            self.flaky_calls += 1
            return Reply(500, b"{}") if self.flaky_calls == 1 else Reply(200)
        if path.startswith("/down"):
            return Reply(500, b"{}")
        if path.startswith("/bad"):
            return Reply(400, b"{}")
        return Reply(200)


@pytest.fixture(scope="module")
def sink() -> Iterator[HttpSink]:
    with HttpSink(replies=FlakyOnce()) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuswayServer]:
    folder: Path = tmp_path_factory.mktemp("metrics")
    with BuswayServer(folder / "data") as running:
        yield running


def scrape(endpoint: str) -> Samples:
    with urllib.request.urlopen(f"{endpoint}/metrics", timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        text = answer.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for(endpoint: str, done: Callable[[Samples], bool]) -> Samples:
    deadline = time.monotonic() + WAIT_S
    while True:
        samples = scrape(endpoint)
        if done(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.2)


def api_destination(events: Any, name: str, url: str) -> str:
    connection = events.create_connection(
        Name=name,
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k"}},
    )
    destination = events.create_api_destination(
        Name=name,
        ConnectionArn=connection["ConnectionArn"],
        InvocationEndpoint=url,
        HttpMethod="POST",
    )
    arn: str = destination["ApiDestinationArn"]
    return arn


def test_metrics_after_success_retry_dead_letter_and_failures(
    server: BuswayServer, sink: HttpSink
) -> None:
    events = events_client(server.endpoint)
    sqs = sqs_client(server.endpoint)
    dlq_url = sqs.create_queue(QueueName="metrics-dlq")["QueueUrl"]
    dlq_arn = f"arn:aws:sqs:{REGION}:000000000000:metrics-dlq"
    for name in ("ok", "flaky", "down", "bad"):
        target: dict[str, Any] = {
            "Id": "t",
            "Arn": api_destination(events, name, f"{sink.url}/{name}"),
            "RoleArn": "arn:aws:iam::000000000000:role/events-invoke",  # AWS requires one
            "RetryPolicy": {"MaximumRetryAttempts": 1},
        }
        if name == "down":
            target["DeadLetterConfig"] = {"Arn": dlq_arn}
        events.put_rule(Name=name, EventPattern=json.dumps({"source": [f"{name}.app"]}))
        events.put_targets(Rule=name, Targets=[target])
    entries = [
        {"Source": f"{name}.app", "DetailType": "T", "Detail": "{}"}
        for name in ("ok", "flaky", "down", "bad")
    ]
    entries.append({"Source": "ok.app", "Detail": "{}"})  # no DetailType: this entry fails
    answer = events.put_events(Entries=entries)
    assert answer["FailedEntryCount"] == 1

    def settled(samples: Samples) -> bool:
        return (
            value(
                samples, "busway_invocations_total", bus="default", rule="flaky", target_kind=KIND
            )
            == 1
            and value(
                samples,
                "busway_invocations_sent_to_dlq_total",
                bus="default",
                rule="down",
                target_kind=KIND,
            )
            == 1
        )

    samples = wait_for(server.endpoint, settled)

    def rule(name: str, rule: str) -> float:
        return value(samples, name, bus="default", rule=rule, target_kind=KIND)

    assert value(samples, "busway_put_events_requests_total") == 1
    assert value(samples, "busway_put_events_failed_requests_total") == 0
    assert value(samples, "busway_put_events_entries_total") == 5
    assert value(samples, "busway_put_events_failed_entries_total") == 1
    assert value(samples, "busway_put_events_duration_seconds_count") == 1
    assert value(samples, "busway_matched_events_total", bus="default") == 4
    assert value(samples, "busway_created_invocations_total", bus="default") == 4
    for name in ("ok", "flaky", "down", "bad"):
        assert value(samples, "busway_triggered_rules_total", bus="default", rule=name) == 1
    # rule: (attempts, successful, retries, invocations, failed invocations, sent to DLQ)
    expected = {
        "ok": (1, 1, 0, 1, 0, 0),
        "flaky": (2, 1, 1, 1, 0, 0),
        "down": (2, 0, 1, 0, 0, 1),  # dead-lettered deliveries are not invocations (AWS)
        "bad": (1, 0, 0, 1, 1, 0),  # a 400 is not retried
    }
    for name, figures in expected.items():
        found = (
            rule("busway_invocation_attempts_total", name),
            rule("busway_successful_invocation_attempts_total", name),
            rule("busway_retry_invocation_attempts_total", name),
            rule("busway_invocations_total", name),
            rule("busway_failed_invocations_total", name),
            rule("busway_invocations_sent_to_dlq_total", name),
        )
        assert found == figures, name
        assert rule("busway_invocations_failed_to_be_sent_to_dlq_total", name) == 0
    latency = {"bus": "default", "target_kind": KIND}
    start = "busway_ingestion_to_invocation_start_seconds_count"
    assert value(samples, start, **latency) == 4
    success = "busway_ingestion_to_invocation_success_seconds_count"
    assert value(samples, success, **latency) == 2
    attempts = "busway_invocation_attempt_duration_seconds_count"
    assert value(samples, attempts, **latency) == 6
    put = {"operation": "AWSEvents.PutEvents", "status": "200"}
    assert value(samples, "busway_api_requests_total", **put) == 1
    assert sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=5)["Messages"]
    # One log line per failed attempt, saying what became of the delivery.
    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    failures = [line for line in lines if line.get("outcome") in ("retry", "dlq", "dropped")]
    outcomes = sorted((line["rule_arn"].rpartition("/")[2], line["outcome"]) for line in failures)
    assert outcomes == [("bad", "dropped"), ("down", "dlq"), ("down", "retry"), ("flaky", "retry")]
    ids = {entry["EventId"] for entry in answer["Entries"] if "EventId" in entry}
    assert {line["event_id"] for line in failures} <= ids
    assert all(line["target_arn"].startswith("arn:aws:events:") for line in failures)
    assert all(line["error_code"] == "ERROR_FROM_TARGET" for line in failures)
    assert {line["attempt"] for line in failures if line["outcome"] == "dlq"} == {2}


def test_request_metrics_and_log_lines(server: BuswayServer) -> None:
    events = events_client(server.endpoint)
    events.list_rules()
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.describe_rule(Name="no-such-rule")
    aws_client("scheduler", server.endpoint).list_schedules()
    samples = scrape(server.endpoint)
    listed = {"operation": "Scheduler.ListSchedules", "status": "200"}
    assert value(samples, "busway_api_requests_total", **listed) == 1  # REST: named by path
    assert value(
        samples, "busway_api_requests_total", operation="AWSEvents.ListRules", status="200"
    )
    missing = {"operation": "AWSEvents.DescribeRule", "status": "400"}
    assert value(samples, "busway_api_requests_total", **missing) == 1
    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "busway.access"]
    described = [line for line in requests if line["operation"] == "AWSEvents.DescribeRule"]
    assert described[-1]["status"] == 400
    assert described[-1]["method"] == "POST"
    assert described[-1]["path"] == "/"
    assert described[-1]["request_id"]
    assert isinstance(described[-1]["duration_ms"], float)
    assert "no-such-rule" not in json.dumps(requests)  # bodies are never logged


def test_a_deleted_rule_and_bus_leave_the_metrics(server: BuswayServer) -> None:
    events, sqs = events_client(server.endpoint), sqs_client(server.endpoint)
    queue_url = sqs.create_queue(QueueName="metrics-churn")["QueueUrl"]
    events.create_event_bus(Name="churn")
    events.put_rule(Name="passing", EventBusName="churn", EventPattern='{"source": ["churn"]}')
    target = {"Id": "q", "Arn": f"arn:aws:sqs:{REGION}:000000000000:metrics-churn"}
    events.put_targets(Rule="passing", EventBusName="churn", Targets=[target])
    entry = {"Source": "churn", "DetailType": "T", "Detail": "{}", "EventBusName": "churn"}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    assert sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10)["Messages"]
    labels = {"bus": "churn", "rule": "passing", "target_kind": "queue"}
    samples = wait_for(
        server.endpoint,
        lambda s: value(s, "busway_invocations_total", **labels) == 1,
    )
    assert value(samples, "busway_triggered_rules_total", bus="churn", rule="passing") == 1
    events.remove_targets(Rule="passing", EventBusName="churn", Ids=["q"])
    events.delete_rule(Name="passing", EventBusName="churn")
    events.delete_event_bus(Name="churn")
    with urllib.request.urlopen(f"{server.endpoint}/metrics", timeout=10) as answer:  # noqa: S310
        assert 'bus="churn"' not in answer.read().decode()
