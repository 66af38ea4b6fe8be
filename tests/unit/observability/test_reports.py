"""What the ingest service and the dispatcher report to telemetry, on a fake clock."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from busway.config import Settings
from busway.delivery.dispatcher import Dispatcher
from busway.delivery.target import Invocation, Outcome, TargetKind, target_kind
from busway.model import Target
from busway.observability import PrometheusTelemetry
from busway.service.ingest import EntryInput, IngestService
from tests.support.targets import RecordingQueues, eventually
from tests.unit.delivery.rig import DLQ_ARN, QUEUE_ARN, SCOPE, SETTINGS, Rig, run

SERVER_ERROR = Outcome.failure("ERROR_FROM_TARGET", "HTTP 500", retryable=True)
FORBIDDEN = Outcome.failure("NO_PERMISSIONS", "HTTP 403 Forbidden", retryable=False)
LABELS = ("default", "orders", "queue")


class SlowTarget:
    """Each invocation takes two seconds of the rig's fake clock; answers as scripted."""

    def __init__(self, rig: Rig, *outcomes: Outcome) -> None:
        self._rig = rig
        self._script = list(outcomes)

    async def invoke(self, invocation: Invocation) -> Outcome:
        self._rig.clock.advance(timedelta(seconds=2))
        return self._script.pop(0) if self._script else Outcome.success()

    async def close(self) -> None:
        pass


class Midpoint:
    def random(self) -> float:
        return 0.5


def observed(rig: Rig, *outcomes: Outcome, settings: Settings = SETTINGS) -> PrometheusTelemetry:
    """Rewire the rig's dispatcher and ingest with telemetry and a slow target."""
    telemetry = PrometheusTelemetry(lambda arn: target_kind(arn).value)
    rig.dispatcher = Dispatcher(
        rig.store,
        rig.routing,
        {TargetKind.QUEUE: SlowTarget(rig, *outcomes)},
        rig.queues,
        rig.clock,
        settings,
        Midpoint(),
        drain_seconds=rig.drain_seconds,
        telemetry=telemetry,
    )
    rig.ingest = IngestService(
        rig.store, rig.routing, rig.clock, settings, dispatch=rig.dispatcher, telemetry=telemetry
    )
    return telemetry


def metric(telemetry: PrometheusTelemetry, name: str, **labels: str) -> float:
    """A sample's value as a scrape would show it (0 when absent)."""
    found = [
        sample.value
        for family in telemetry.families()
        for sample in family.samples
        if sample.name == name and sample.labels == labels
    ]
    return found[0] if found else 0.0


def delivery(telemetry: PrometheusTelemetry, *names: str) -> tuple[float, ...]:
    """The ``busway_<name>_total`` counts of the rig's one rule and queue target."""
    labels = dict(zip(("bus", "rule", "target_kind"), LABELS, strict=True))
    return tuple(metric(telemetry, f"busway_{name}_total", **labels) for name in names)


def latency(telemetry: PrometheusTelemetry, name: str, part: str) -> float:
    return metric(telemetry, f"busway_{name}_seconds_{part}", bus="default", target_kind="queue")


def test_a_retried_delivery_reports_attempts_and_latencies() -> None:
    rig = Rig()
    telemetry = observed(rig, SERVER_ERROR)

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.retried == 1)
            await rig.retry_all()  # 700 s later
            await eventually(lambda: rig.dispatcher.counters.delivered == 1)

    run(rig, body)
    assert delivery(
        telemetry,
        "invocation_attempts",
        "retry_invocation_attempts",
        "successful_invocation_attempts",
        "invocations",
        "failed_invocations",
        "invocations_sent_to_dlq",
    ) == (2, 1, 1, 1, 0, 0)
    start = "ingestion_to_invocation_start"
    assert (latency(telemetry, start, "count"), latency(telemetry, start, "sum")) == (1, 0.0)
    # Two attempts of two seconds; success after the first, the 700 s wait and the second.
    assert latency(telemetry, "invocation_attempt_duration", "sum") == 4.0
    assert latency(telemetry, "ingestion_to_invocation_success", "sum") == 2 + 700 + 2.0
    assert metric(telemetry, "busway_put_events_entries_total") == 1
    assert metric(telemetry, "busway_triggered_rules_total", bus="default", rule="orders") == 1


def test_a_missing_dead_letter_queue_reports_and_logs_the_drop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = Rig(queues=RecordingQueues())
    telemetry = observed(rig, FORBIDDEN)

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.dead_letter_failed == 1)

    with caplog.at_level(logging.INFO, "busway.delivery.dispatcher"):
        run(rig, body)
    assert delivery(
        telemetry,
        "invocation_attempts",
        "invocations_failed_to_be_sent_to_dlq",
        "invocations_sent_to_dlq",
        "invocations",
    ) == (1, 1, 0, 0)
    [record] = [r for r in caplog.records if hasattr(r, "outcome")]
    assert record.levelno == logging.WARNING
    fields = {k: getattr(record, k) for k in ("rule_arn", "target_arn", "error_code", "attempt")}
    assert fields == {
        "rule_arn": "arn:aws:events:us-east-1:123456789012:rule/orders",
        "target_arn": QUEUE_ARN,
        "error_code": "NO_PERMISSIONS",
        "attempt": 1,
    }
    assert record.__dict__["outcome"] == "dropped"


def test_a_failure_without_dead_letter_queue_is_a_failed_invocation() -> None:
    rig = Rig()
    rig.set_targets(Target("t1", QUEUE_ARN))
    telemetry = observed(rig, FORBIDDEN)

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.dropped == 1)

    run(rig, body)
    assert delivery(
        telemetry, "invocations", "failed_invocations", "invocations_failed_to_be_sent_to_dlq"
    ) == (1, 1, 0)


def test_dead_lettering_is_reported() -> None:
    rig = Rig()
    telemetry = observed(rig, FORBIDDEN)

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.dead_lettered == 1)

    run(rig, body)
    assert rig.queues.sent[0].queue_arn == DLQ_ARN
    assert delivery(telemetry, "invocations_sent_to_dlq", "invocations", "failed_invocations") == (
        1,
        0,
        0,
    )


def test_deliveries_beyond_the_dispatchers_room_are_reported_deferred() -> None:
    rig = Rig()
    # No backlog: the room is the concurrency alone.
    settings = Settings(dispatch_poll_seconds=30.0, dispatch_concurrency=2, dispatch_backlog=0)
    telemetry = observed(rig, settings=settings)

    async def body() -> None:
        async with rig.running():
            await rig.ingest.put_events(
                SCOPE, [EntryInput(source="shop", detail_type="T", detail="{}")] * 3
            )
            await eventually(lambda: rig.dispatcher.counters.delivered == 3)

    run(rig, body)
    assert metric(telemetry, "busway_deferred_deliveries_total") == 3
    assert metric(telemetry, "busway_created_invocations_total", bus="default") == 3
