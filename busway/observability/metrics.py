"""EventBridge's CloudWatch metric set (spec section 10) as Prometheus metrics, and ``/metrics``.

Every node has its own ``CollectorRegistry``, so several nodes (or tests) in one process keep
separate counts. Labels are bounded: ``bus``, ``rule`` (the rules quota bounds it, and the
series of deleted rules and buses are dropped before each scrape), ``target_kind`` and the API
operation; never an event id or anything a request makes up.
Latency histograms leave out ``rule``: each label set costs a row per bucket.

The hot path only adds to plain ints held per label set, found through dicts keyed by ARN:
prometheus_client's own ``Counter.labels(...).inc()`` costs microseconds (a lock, argument
checks, a Python loop over histogram buckets), several per event. The counts are turned into
Prometheus metric families when ``/metrics`` is scraped. Reports come from one event loop; the
scrape reads the counts from a worker thread, which sees each int whole, and sums histogram
buckets into their count so the two always agree.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import (
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Iterator,
    MutableMapping,
    Sequence,
)
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from busway.model import IngestRecord

__all__ = ["PrometheusTelemetry", "bus_and_rule", "metrics_app"]

Message = MutableMapping[str, Any]
Asgi = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

# Seconds; from a loopback queue hand-off (sub-millisecond) to a 24-hour retry horizon.
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    300.0, 3600.0, 86400.0,
)  # fmt: skip
REQUEST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
_PUT_EVENTS = "AWSEvents.PutEvents"
# Past this many ARNs a look-up cache starts over (rules come and go); the counts stay.
_MAX_CACHED = 10_000
_DELIVERY = ("bus", "rule", "target_kind")
_LATENCY = ("bus", "target_kind")


def bus_and_rule(rule_arn: str) -> tuple[str, str]:
    """``(bus, rule name)`` of ``...:rule/<name>`` (default bus) or ``...:rule/<bus>/<name>``.

    A Scheduler schedule (``...:schedule/<group>/<name>``) delivers in a rule's place; it has no
    bus, and its group stands for it: schedules are too many to label one by one.
    """
    before, rule, resource = rule_arn.partition(":rule/")
    if not rule:
        group = before.partition(":schedule/")[2].partition("/")[0]
        return "", f"schedule-group/{group}"
    bus, _, name = resource.rpartition("/")
    return bus or "default", name


class _Histogram:
    """Observations counted per bucket (``le`` bounds, then +Inf), and their sum."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value

    def buckets(self) -> list[tuple[str, float]]:
        """Cumulative, as Prometheus wants them; the +Inf bucket is the count."""
        counts = list(self.counts)  # one copy: the event loop may add while this sums
        cumulative, running = [], 0
        for bound, count in zip((*self.bounds, float("inf")), counts, strict=True):
            running += count
            cumulative.append(("+Inf" if bound == float("inf") else repr(bound), float(running)))
        return cumulative


class _Delivery:
    """The counts of one (bus, rule, target kind), and the latencies of its (bus, kind)."""

    __slots__ = (
        "attempt_seconds",
        "attempts",
        "dlq",
        "dlq_failed",
        "failed",
        "invocations",
        "labels",
        "retries",
        "start_seconds",
        "success_seconds",
        "successes",
        "throttled",
    )

    def __init__(self, labels: tuple[str, str, str], latency: tuple[_Histogram, ...]) -> None:
        self.labels = labels
        self.attempts = self.successes = self.retries = self.invocations = self.failed = 0
        self.dlq = self.dlq_failed = self.throttled = 0
        self.start_seconds, self.success_seconds, self.attempt_seconds = latency


class _Bus:
    __slots__ = ("created", "matched")

    def __init__(self) -> None:
        self.matched = self.created = 0


class _Rule:
    __slots__ = ("triggered",)

    def __init__(self) -> None:
        self.triggered = 0


class _Requests:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


# (name without _total, help text, attribute of _Delivery)
_DELIVERY_COUNTERS = (
    ("busway_invocation_attempts", "Target invocations, retries included.", "attempts"),
    ("busway_successful_invocation_attempts", "Invocations the target acknowledged.", "successes"),
    ("busway_retry_invocation_attempts", "Invocations that were retries.", "retries"),
    (
        "busway_invocations",
        "Deliveries that ended at the target: delivered, or failed for good without a "
        "dead-letter queue.",
        "invocations",
    ),
    (
        "busway_failed_invocations",
        "Deliveries that failed for good without a dead-letter queue.",
        "failed",
    ),
    ("busway_invocations_sent_to_dlq", "Deliveries put on their dead-letter queue.", "dlq"),
    (
        "busway_invocations_failed_to_be_sent_to_dlq",
        "Deliveries whose dead-letter queue refused them (missing queue): dropped.",
        "dlq_failed",
    ),
    (
        "busway_throttled_rules",
        "Invocations refused with THROTTLING (API destination rate limit, HTTP 429); retried.",
        "throttled",
    ),
)
_LATENCY_HISTOGRAMS = (
    (
        "busway_ingestion_to_invocation_start_seconds",
        "From ingestion to the start of the first invocation.",
    ),
    (
        "busway_ingestion_to_invocation_success_seconds",
        "From ingestion to the successful invocation.",
    ),
    (
        "busway_invocation_attempt_duration_seconds",
        "How long one invocation took (delivery latency).",
    ),
)


class PrometheusTelemetry:
    """Implements every telemetry port of ``busway.observability.telemetry``; ``registry``
    holds its metrics. ``target_kind`` names the kind of target an ARN is (the node passes the
    dispatcher's). ``forwarding`` is the ingest telemetry of events forwarded between buses:
    routed, but not PutEvents."""

    def __init__(self, target_kind: Callable[[str], str] = lambda arn: "unknown") -> None:
        self._target_kind = target_kind
        self.put_events_requests = 0
        self.put_events_failed = 0
        self.entries = 0
        self.failed_entries = 0
        self.deferred_deliveries = 0
        self.put_events_seconds = _Histogram(REQUEST_BUCKETS)
        self._buses: dict[str, _Bus] = {}
        self._rules: dict[tuple[str, str], _Rule] = {}
        self._rule_cache: dict[str, _Rule] = {}
        self._deliveries: dict[tuple[str, str, str], _Delivery] = {}
        self._latencies: dict[tuple[str, str], tuple[_Histogram, _Histogram, _Histogram]] = {}
        self._delivery_cache: dict[str, dict[str, _Delivery]] = {}
        self._requests: dict[tuple[str, int], _Requests] = {}
        self._request_seconds: dict[str, _Histogram] = {}
        self.forwarding = _Forwarding(self)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_Collector(self))

    # --- IngestTelemetry ---------------------------------------------------------------------
    def put_events(self, entries: int, failed_entries: int) -> None:
        self.entries += entries
        self.failed_entries += failed_entries

    def routed(self, records: Sequence[IngestRecord]) -> None:
        for record in records:
            deliveries = record.deliveries
            if not deliveries:
                continue
            bus = self._buses.get(record.event.bus_name)
            if bus is None:
                bus = self._buses[record.event.bus_name] = _Bus()
            bus.matched += 1
            bus.created += len(deliveries)
            previous = ""
            for delivery in deliveries:  # grouped by rule: routing sorts them
                if delivery.rule_arn != previous:
                    previous = delivery.rule_arn
                    rule = self._rule_cache.get(previous)
                    if rule is None:
                        rule = self._rule(previous)
                    rule.triggered += 1

    def _rule(self, rule_arn: str) -> _Rule:
        labels = bus_and_rule(rule_arn)
        rule = self._rules.get(labels)
        if rule is None:
            rule = self._rules[labels] = _Rule()
        if len(self._rule_cache) >= _MAX_CACHED:
            self._rule_cache.clear()
        self._rule_cache[rule_arn] = rule
        return rule

    # --- DeliveryTelemetry -------------------------------------------------------------------
    def attempted(
        self,
        rule_arn: str,
        target_arn: str,
        attempt: int,
        error_code: str | None,
        queued_seconds: float,
        seconds: float,
    ) -> None:
        counts = self._delivery(rule_arn, target_arn)
        counts.attempts += 1
        counts.attempt_seconds.observe(seconds)
        if attempt == 1:
            counts.start_seconds.observe(queued_seconds)
        else:
            counts.retries += 1
        if error_code is None:
            counts.successes += 1
            counts.invocations += 1
            counts.success_seconds.observe(queued_seconds + seconds)
        elif error_code == "THROTTLING":
            counts.throttled += 1

    def gave_up(self, rule_arn: str, target_arn: str, outcome: str) -> None:
        counts = self._delivery(rule_arn, target_arn)
        if outcome == "dlq":
            counts.dlq += 1
        elif outcome == "dlq_failed":
            counts.dlq_failed += 1
        else:
            counts.invocations += 1
            counts.failed += 1

    def deferred(self, count: int) -> None:
        self.deferred_deliveries += count

    def _delivery(self, rule_arn: str, target_arn: str) -> _Delivery:
        by_target = self._delivery_cache.get(rule_arn)
        if by_target is not None:
            counts = by_target.get(target_arn)
            if counts is not None:
                return counts
        else:
            if len(self._delivery_cache) >= _MAX_CACHED:
                self._delivery_cache.clear()
            by_target = self._delivery_cache[rule_arn] = {}
        bus, rule = bus_and_rule(rule_arn)
        kind = self._target_kind(target_arn)
        labels = (bus, rule, kind)
        counts = self._deliveries.get(labels)
        if counts is None:
            latency = self._latencies.get((bus, kind))
            if latency is None:
                latency = self._latencies[bus, kind] = (
                    _Histogram(LATENCY_BUCKETS),
                    _Histogram(LATENCY_BUCKETS),
                    _Histogram(LATENCY_BUCKETS),
                )
            counts = self._deliveries[labels] = _Delivery(labels, latency)
        by_target[target_arn] = counts
        return counts

    # --- forgetting ----------------------------------------------------------------------------
    def forget_except(self, buses: Collection[str], rule_arns: Iterable[str]) -> None:
        """Drop the series of buses and rules that are gone: ``buses`` are the names of the
        buses that exist, ``rule_arns`` the rules that have targets. Rules and buses come
        and go (one per test run, per tenant); a deleted one's series would otherwise stay in
        every scrape, which grows and slows with them. Schedules' series (no bus) stay. Called
        on the event loop before a scrape, so the counting never races with it."""
        rules = {bus_and_rule(arn) for arn in rule_arns}
        gone_buses = [name for name in self._buses if name not in buses and name != "default"]
        gone_latencies = [key for key in self._latencies if key[0] and key[0] not in buses]
        gone_rules = [key for key in self._rules if key[0] and key not in rules]
        gone_deliveries = [key for key in self._deliveries if key[0] and key[:2] not in rules]
        if not (gone_buses or gone_latencies or gone_rules or gone_deliveries):
            return
        for name in gone_buses:
            del self._buses[name]
        for latency in gone_latencies:
            del self._latencies[latency]
        for rule in gone_rules:
            del self._rules[rule]
        for delivery in gone_deliveries:
            del self._deliveries[delivery]
        # The caches hold the dropped counts: a rule made again must count afresh, not into them.
        self._rule_cache.clear()
        self._delivery_cache.clear()

    # --- RequestTelemetry --------------------------------------------------------------------
    def request(self, operation: str, status: int, seconds: float) -> None:
        counts = self._requests.get((operation, status))
        if counts is None:
            counts = self._requests[operation, status] = _Requests()
        counts.count += 1
        latency = self._request_seconds.get(operation)
        if latency is None:
            latency = self._request_seconds[operation] = _Histogram(REQUEST_BUCKETS)
        latency.observe(seconds)
        if operation == _PUT_EVENTS:
            self.put_events_requests += 1
            self.put_events_seconds.observe(seconds)
            if status != 200:
                self.put_events_failed += 1

    # --- the scrape --------------------------------------------------------------------------
    def families(self) -> Iterator[Metric]:
        """Every metric as it stands now."""
        for name, text, value in (
            (
                "busway_put_events_requests",
                "PutEvents requests answered.",
                self.put_events_requests,
            ),
            (
                "busway_put_events_failed_requests",
                "PutEvents requests refused as a whole (any status but 200).",
                self.put_events_failed,
            ),
            ("busway_put_events_entries", "Entries in answered PutEvents requests.", self.entries),
            (
                "busway_put_events_failed_entries",
                "PutEvents entries that failed.",
                self.failed_entries,
            ),
            (
                "busway_deferred_deliveries",
                "Deliveries committed while the dispatcher was at capacity: claimed later.",
                self.deferred_deliveries,
            ),
        ):
            yield CounterMetricFamily(name, text, value=value)
        put_latency = HistogramMetricFamily(
            "busway_put_events_duration_seconds", "PutEvents request latency."
        )
        put_latency.add_metric([], self.put_events_seconds.buckets(), self.put_events_seconds.total)
        yield put_latency
        buses = list(self._buses.items())
        matched = CounterMetricFamily(
            "busway_matched_events",
            "Events that matched at least one rule with targets.",
            labels=["bus"],
        )
        created = CounterMetricFamily(
            "busway_created_invocations",
            "Deliveries created (one per matched rule target).",
            labels=["bus"],
        )
        for name, bus in buses:
            matched.add_metric([name], bus.matched)
            created.add_metric([name], bus.created)
        yield matched
        yield created
        triggered = CounterMetricFamily(
            "busway_triggered_rules",
            "Rules with targets that matched an event.",
            labels=["bus", "rule"],
        )
        for labels, rule in list(self._rules.items()):
            triggered.add_metric(labels, rule.triggered)
        yield triggered
        deliveries = list(self._deliveries.values())
        for name, text, attribute in _DELIVERY_COUNTERS:
            family = CounterMetricFamily(name, text, labels=_DELIVERY)
            for counts in deliveries:
                family.add_metric(counts.labels, getattr(counts, attribute))
            yield family
        latencies = list(self._latencies.items())
        for index, (name, text) in enumerate(_LATENCY_HISTOGRAMS):
            histogram = HistogramMetricFamily(name, text, labels=_LATENCY)
            for labels, histograms in latencies:
                observed = histograms[index]
                histogram.add_metric(labels, observed.buckets(), observed.total)
            yield histogram
        requests = CounterMetricFamily(
            "busway_api_requests", "HTTP requests answered.", labels=["operation", "status"]
        )
        for (operation, status), tally in list(self._requests.items()):
            requests.add_metric([operation, str(status)], tally.count)
        yield requests
        request_latency = HistogramMetricFamily(
            "busway_api_request_duration_seconds", "HTTP request latency.", labels=["operation"]
        )
        for operation, observed in list(self._request_seconds.items()):
            request_latency.add_metric([operation], observed.buckets(), observed.total)
        yield request_latency


class _Collector(Collector):
    def __init__(self, telemetry: PrometheusTelemetry) -> None:
        self._telemetry = telemetry

    def collect(self) -> Iterator[Metric]:
        return self._telemetry.families()


class _Forwarding:
    def __init__(self, metrics: PrometheusTelemetry) -> None:
        self._metrics = metrics

    def put_events(self, entries: int, failed_entries: int) -> None:
        pass

    def routed(self, records: Sequence[IngestRecord]) -> None:
        self._metrics.routed(records)


def metrics_app(
    registry: CollectorRegistry, *, before_scrape: Callable[[], None] | None = None
) -> Asgi:
    """``GET /metrics``: the registry in Prometheus's text format; ``before_scrape`` runs on
    the event loop first (the node forgets deleted rules there)."""

    async def app(
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            status, body, content_type = 405, b"Method Not Allowed\n", "text/plain"
        elif scope["path"] != "/metrics":
            status, body, content_type = 404, b"Not Found\n", "text/plain"
        else:
            if before_scrape is not None:
                before_scrape()
            # A thread: rendering thousands of series must not stall the event loop's requests.
            body = await asyncio.to_thread(generate_latest, registry)
            status, content_type = 200, CONTENT_TYPE_LATEST
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    return app
