"""Benchmark: what metrics and the request log add per request and per delivery.

Times the telemetry reports busway makes on its hot path (per PutEvents request of 10 events,
per delivery attempt, per HTTP request) with the Prometheus telemetry and with the no-op one,
and the request middleware with the request log off and on. Best of five runs, in ns per call.

    python bench/telemetry.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import timeit
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadgen import machine
from busway.delivery.target import target_kind
from busway.model import Delivery, Event, IngestRecord, Scope
from busway.observability import ACCESS_LOGGER, NO_TELEMETRY, ObservedApp, PrometheusTelemetry

SCOPE = Scope("000000000000", "us-east-1")
NOW = datetime(2024, 1, 2, tzinfo=UTC)
RULES = [f"arn:aws:events:us-east-1:000000000000:rule/rule-{i}" for i in range(1000)]
QUEUE = "arn:aws:sqs:us-east-1:000000000000:q1"
PUT_EVENTS = "AWSEvents.PutEvents"


def records() -> list[IngestRecord]:
    """A request's 10 events, each matching one of the 1,000 rules."""
    return [
        IngestRecord(
            Event(str(i), SCOPE, "default", "app", "T", NOW, NOW, b"{}"),
            (Delivery(str(i), RULES[i * 37 % 1000], "q", NOW),),
        )
        for i in range(10)
    ]


def best_ns(work: Callable[[], object], calls: int) -> float:
    return min(timeit.repeat(work, number=calls, repeat=5)) / calls * 1e9


async def answer(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"application/x-amz-json-1.1"), (b"x-amzn-requestid", b"r")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


async def discard(message: MutableMapping[str, Any]) -> None:
    pass


SCOPE_HTTP = {
    "type": "http",
    "method": "POST",
    "path": "/",
    "headers": [
        (b"host", b"127.0.0.1:4747"),
        (b"content-type", b"application/x-amz-json-1.1"),
        (b"x-amz-target", PUT_EVENTS.encode()),
        (b"authorization", b"AWS4-HMAC-SHA256 Credential=x/20240102/us-east-1/events/aws4_request"),
    ],
}


def one_request(app: Any) -> Callable[[], None]:
    def run() -> None:
        coroutine = app(SCOPE_HTTP, None, discard)
        with contextlib.suppress(StopIteration):  # nothing in it waits: one step ends it
            coroutine.send(None)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    calls = parser.parse_args().calls
    print(machine())
    metrics = PrometheusTelemetry(lambda arn: target_kind(arn).value)
    batch = records()
    for rule in RULES:  # every label set exists already, as in a warm server
        metrics.attempted(rule, QUEUE, 1, None, 0.01, 0.001)
    rules = iter(range(10**12))
    rows: list[tuple[str, Callable[[], object]]] = []
    for label, telemetry in (("prometheus", metrics), ("no-op", NO_TELEMETRY)):
        rows += [
            (
                f"PutEvents of 10 events: put_events + routed ({label})",
                lambda t=telemetry: (t.put_events(10, 0), t.routed(batch)),
            ),
            (
                f"one delivery attempt: attempted ({label})",
                lambda t=telemetry: t.attempted(
                    RULES[next(rules) % 1000], QUEUE, 1, None, 0.01, 0.001
                ),
            ),
            (
                f"one HTTP request: request ({label})",
                lambda t=telemetry: t.request(PUT_EVENTS, 200, 0.002),
            ),
        ]
    access = logging.getLogger(ACCESS_LOGGER)
    access.propagate = False
    access.addHandler(logging.NullHandler())
    observed = ObservedApp(answer, metrics, {PUT_EVENTS})
    access.setLevel(logging.WARNING)
    rows.append(("ASGI app alone (reference)", one_request(answer)))
    rows.append(("ASGI app in ObservedApp, request log off", one_request(observed)))
    for label, work in rows:
        print(f"{label:<62} {best_ns(work, calls):>8,.0f} ns")
    access.setLevel(logging.INFO)
    label = "ASGI app in ObservedApp, request log on (NullHandler)"
    print(f"{label:<62} {best_ns(one_request(observed), calls):>8,.0f} ns")


if __name__ == "__main__":
    main()
