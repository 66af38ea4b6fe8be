"""PrometheusTelemetry: what each report does to the exposition, read back with the parser."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from busway.model import Delivery, Event, IngestRecord, Scope
from busway.observability import PrometheusTelemetry, metrics_app
from busway.observability.metrics import bus_and_rule

SCOPE = Scope("000000000000", "us-east-1")
NOW = datetime(2024, 1, 2, tzinfo=UTC)
RULE = "arn:aws:events:us-east-1:000000000000:rule/orders"
BUS_RULE = "arn:aws:events:us-east-1:000000000000:rule/shop/paid"
QUEUE = "arn:aws:sqs:us-east-1:000000000000:q"
LABELS = {"bus": "default", "rule": "orders", "target_kind": "queue"}


def telemetry() -> PrometheusTelemetry:
    return PrometheusTelemetry(lambda arn: "queue" if ":sqs:" in arn else "other")


def samples(metrics: PrometheusTelemetry) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    status, _, body = asyncio.run(get(metrics, "/metrics"))
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def value(metrics: PrometheusTelemetry, name: str, **labels: str) -> float | None:
    return samples(metrics).get((name, frozenset(labels.items())))


async def get(
    metrics: PrometheusTelemetry, path: str, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    messages: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": []}
    await metrics_app(metrics.registry)(scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in messages[0]["headers"]}
    return messages[0]["status"], headers, messages[1]["body"]


def record(event_id: str, bus: str, *rules: str) -> IngestRecord:
    event = Event(event_id, SCOPE, bus, "app", "T", NOW, NOW, b"{}")
    return IngestRecord(event, tuple(Delivery(event_id, rule, "t", NOW) for rule in rules))


def test_rule_arns_name_their_bus_and_rule() -> None:
    assert bus_and_rule(RULE) == ("default", "orders")
    assert bus_and_rule(BUS_RULE) == ("shop", "paid")
    assert bus_and_rule("arn:aws:events:us-east-1:1:rule/aws.partner/x.com/1/r") == (
        "aws.partner/x.com/1",
        "r",
    )
    schedule = "arn:aws:scheduler:us-east-1:1:schedule/nightly/report"
    assert bus_and_rule(schedule) == ("", "schedule-group/nightly")


def test_put_events_counts_entries_and_failed_entries() -> None:
    metrics = telemetry()
    metrics.put_events(10, 0)
    metrics.put_events(3, 2)
    assert value(metrics, "busway_put_events_entries_total") == 13
    assert value(metrics, "busway_put_events_failed_entries_total") == 2


def test_routing_counts_matched_events_triggered_rules_and_created_invocations() -> None:
    metrics = telemetry()
    metrics.routed(
        [
            record("1", "default", RULE, RULE),  # one rule, two targets
            record("2", "default"),  # matched nothing
            record("3", "shop", BUS_RULE),
        ]
    )
    assert value(metrics, "busway_matched_events_total", bus="default") == 1
    assert value(metrics, "busway_matched_events_total", bus="shop") == 1
    assert value(metrics, "busway_created_invocations_total", bus="default") == 2
    assert value(metrics, "busway_triggered_rules_total", bus="default", rule="orders") == 1
    assert value(metrics, "busway_triggered_rules_total", bus="shop", rule="paid") == 1


def test_forwarded_events_are_routed_but_not_put_events() -> None:
    metrics = telemetry()
    metrics.forwarding.put_events(1, 0)
    metrics.forwarding.routed([record("1", "shop", BUS_RULE)])
    assert value(metrics, "busway_put_events_entries_total") == 0
    assert value(metrics, "busway_matched_events_total", bus="shop") == 1


def test_attempts_retries_and_latencies() -> None:
    metrics = telemetry()
    metrics.attempted(RULE, QUEUE, 1, "ERROR_FROM_TARGET", 0.002, 0.5)
    metrics.attempted(RULE, QUEUE, 2, None, 1.5, 0.25)
    assert value(metrics, "busway_invocation_attempts_total", **LABELS) == 2
    assert value(metrics, "busway_retry_invocation_attempts_total", **LABELS) == 1
    assert value(metrics, "busway_successful_invocation_attempts_total", **LABELS) == 1
    assert value(metrics, "busway_invocations_total", **LABELS) == 1
    latency = {"bus": "default", "target_kind": "queue"}
    start = "busway_ingestion_to_invocation_start_seconds"
    assert value(metrics, f"{start}_count", **latency) == 1  # the first attempt only
    assert value(metrics, f"{start}_sum", **latency) == 0.002
    success = "busway_ingestion_to_invocation_success_seconds"
    assert value(metrics, f"{success}_sum", **latency) == 1.75
    assert value(metrics, "busway_invocation_attempt_duration_seconds_sum", **latency) == 0.75


def test_throttled_attempts_and_deferred_deliveries() -> None:
    metrics = telemetry()
    metrics.attempted(RULE, QUEUE, 1, "THROTTLING", 0.0, 0.0)
    metrics.deferred(7)
    assert value(metrics, "busway_throttled_rules_total", **LABELS) == 1
    assert value(metrics, "busway_deferred_deliveries_total") == 7


def test_giving_up_counts_by_outcome() -> None:
    metrics = telemetry()
    metrics.gave_up(RULE, QUEUE, "dlq")
    metrics.gave_up(RULE, QUEUE, "dlq_failed")
    metrics.gave_up(RULE, QUEUE, "dropped")
    assert value(metrics, "busway_invocations_sent_to_dlq_total", **LABELS) == 1
    assert value(metrics, "busway_invocations_failed_to_be_sent_to_dlq_total", **LABELS) == 1
    assert value(metrics, "busway_failed_invocations_total", **LABELS) == 1
    assert value(metrics, "busway_invocations_total", **LABELS) == 1  # only the dropped one


def test_requests_count_by_operation_and_status_and_time_put_events() -> None:
    metrics = telemetry()
    metrics.request("AWSEvents.PutEvents", 200, 0.004)
    metrics.request("AWSEvents.PutEvents", 400, 0.001)
    metrics.request("AWSEvents.ListRules", 200, 0.002)
    ok = {"operation": "AWSEvents.PutEvents", "status": "200"}
    assert value(metrics, "busway_api_requests_total", **ok) == 1
    assert value(metrics, "busway_put_events_requests_total") == 2
    assert value(metrics, "busway_put_events_failed_requests_total") == 1
    assert value(metrics, "busway_put_events_duration_seconds_count") == 2
    listed = {"operation": "AWSEvents.ListRules"}
    assert value(metrics, "busway_api_request_duration_seconds_count", **listed) == 1


def test_each_telemetry_has_its_own_registry() -> None:
    first, second = telemetry(), telemetry()
    first.put_events(5, 0)
    assert value(first, "busway_put_events_entries_total") == 5
    assert value(second, "busway_put_events_entries_total") == 0


def test_every_metric_follows_the_naming_rule() -> None:
    names = {name for name, _ in samples(telemetry())}
    assert names
    assert all(name.startswith("busway_") for name in names)


def test_the_endpoint_answers_get_only_on_its_path() -> None:
    metrics = telemetry()
    status, headers, _ = asyncio.run(get(metrics, "/metrics"))
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=")
    assert asyncio.run(get(metrics, "/metrics", "POST"))[0] == 405
    assert asyncio.run(get(metrics, "/metrics/other"))[0] == 404


def test_the_services_do_not_load_prometheus_client() -> None:
    code = (
        "import sys, busway.service.ingest, busway.delivery.dispatcher; "
        "sys.exit('prometheus_client' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_series_of_deleted_rules_and_buses_are_forgotten_before_a_scrape() -> None:
    metrics = telemetry()
    schedule = "arn:aws:scheduler:us-east-1:000000000000:schedule/nightly/report"
    metrics.routed([record("1", "default", RULE), record("2", "shop", BUS_RULE)])
    for rule in (RULE, BUS_RULE, schedule):
        metrics.attempted(rule, QUEUE, 1, None, 0.001, 0.001)
    live_rules = [RULE]

    async def scrape() -> None:
        messages: list[MutableMapping[str, Any]] = []

        async def receive() -> MutableMapping[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            messages.append(message)

        app = metrics_app(
            metrics.registry,
            before_scrape=lambda: metrics.forget_except({"default"}, live_rules),
        )
        await app({"type": "http", "method": "GET", "path": "/metrics"}, receive, send)
        text = messages[1]["body"].decode()
        assert 'rule="paid"' not in text
        assert 'bus="shop"' not in text
        assert 'rule="orders"' in text
        assert 'rule="schedule-group/nightly"' in text  # schedules have no bus to lose

    asyncio.run(scrape())
    # A rule made again under a deleted rule's name counts from zero.
    live_rules.append(BUS_RULE)
    metrics.attempted(BUS_RULE, QUEUE, 1, None, 0.001, 0.001)
    shop = {"bus": "shop", "rule": "paid", "target_kind": "queue"}
    assert value(metrics, "busway_invocation_attempts_total", **shop) == 1
