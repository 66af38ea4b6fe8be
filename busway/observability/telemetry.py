"""What the services, the dispatcher and the HTTP layer report, as ports with a no-op default.

Callers depend on these ``Protocol``s only, so the core and its unit tests need no metrics
library; ``busway.observability.metrics`` implements them with Prometheus. Arguments are plain
values (ARNs, counts, seconds): the implementation derives bounded labels from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from busway.model import IngestRecord

__all__ = [
    "NO_TELEMETRY",
    "DeliveryTelemetry",
    "IngestTelemetry",
    "NoTelemetry",
    "RequestTelemetry",
]


class IngestTelemetry(Protocol):
    def put_events(self, entries: int, failed_entries: int) -> None:
        """One PutEvents request was answered entry by entry."""
        ...

    def routed(self, records: Sequence[IngestRecord]) -> None:
        """These events were committed with their deliveries (one call per request)."""
        ...


class DeliveryTelemetry(Protocol):
    def attempted(
        self,
        rule_arn: str,
        target_arn: str,
        attempt: int,
        error_code: str | None,
        queued_seconds: float,
        seconds: float,
    ) -> None:
        """One invocation ended: ``error_code`` None when it was delivered. ``queued_seconds``
        ran from ingestion to the attempt's start, ``seconds`` is how long the attempt took."""
        ...

    def gave_up(self, rule_arn: str, target_arn: str, outcome: str) -> None:
        """A delivery failed for good: ``outcome`` is ``dlq`` (sent to its dead-letter queue),
        ``dlq_failed`` (the queue refused it) or ``dropped`` (no dead-letter queue)."""
        ...

    def deferred(self, count: int) -> None:
        """The dispatcher was at capacity: these deliveries wait for a later claim."""
        ...


class RequestTelemetry(Protocol):
    def request(self, operation: str, status: int, seconds: float) -> None:
        """One HTTP request was answered; ``operation`` is already a bounded name."""
        ...


class NoTelemetry:
    """Reports nothing: the default wherever no telemetry is passed in."""

    def put_events(self, entries: int, failed_entries: int) -> None:
        pass

    def routed(self, records: Sequence[IngestRecord]) -> None:
        pass

    def attempted(
        self,
        rule_arn: str,
        target_arn: str,
        attempt: int,
        error_code: str | None,
        queued_seconds: float,
        seconds: float,
    ) -> None:
        pass

    def gave_up(self, rule_arn: str, target_arn: str, outcome: str) -> None:
        pass

    def deferred(self, count: int) -> None:
        pass

    def request(self, operation: str, status: int, seconds: float) -> None:
        pass


NO_TELEMETRY = NoTelemetry()
