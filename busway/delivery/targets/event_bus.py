"""Event-bus targets: the event is put on another bus, where it is a new ingestion (spec 6.5).

The forwarded event keeps source, detail-type, detail, resources, time, trace header and, as on
AWS, its producer's ``account`` and ``region`` even on another account's or region's bus (spec
2.1; AWS's answers in LocalStack's AWS-validated test_event_bus_to_event_bus_cross_account_region).
It gets a new id: PutEvents on the destination assigns one, as for any ingestion there (AWS
counts and charges it as one). AWS keeps the id within a region, but busway's store keys events
by their id, so a forwarded copy cannot share it.

The target gets the original event: what Input / InputPath / InputTransformer make of it is not
an event, and the destination's rules match events.
"""

from __future__ import annotations

import logging
from typing import Any

from busway import jsontext
from busway.delivery.target import Invocation, Outcome
from busway.errors import ServiceError
from busway.model import Scope
from busway.service.ingest import EntryInput, IngestService
from busway.service.routing import RoutingTable

__all__ = ["EventBusTarget", "parse_bus_arn"]

log = logging.getLogger(__name__)


class EventBusTarget:
    """``ingest`` should allow reserved sources: scheduled events (``aws.events``) are
    forwarded like any other, as AWS does."""

    def __init__(self, ingest: IngestService, routing: RoutingTable) -> None:
        self._ingest = ingest
        self._routing = routing

    async def invoke(self, invocation: Invocation) -> Outcome:
        arn = invocation.target.arn
        destination = parse_bus_arn(arn)
        if destination is None or not self._routing.has_bus(*destination):
            return Outcome.failure(
                "NO_RESOURCE", f"Event bus {arn} does not exist.", retryable=False
            )
        scope, bus_name = destination
        entry, producer = _entry(invocation, bus_name)
        try:
            [result] = await self._ingest.put_events(scope, [entry], producer=producer)
        except ServiceError as error:  # refused as a whole (too large for the destination)
            return Outcome.failure("ERROR_FROM_TARGET", error.message, retryable=False)
        except Exception as error:  # the store failed: the event may well go through later
            log.exception("forwarding event %s to %s failed", invocation.event.id, arn)
            return Outcome.failure("INTERNAL_FAILURE", str(error), retryable=True)
        if result.failed:
            return Outcome.failure(
                "ERROR_FROM_TARGET", f"{result.error_code}: {result.error_message}", retryable=False
            )
        return Outcome.success()

    async def close(self) -> None:
        return None


def parse_bus_arn(arn: str) -> tuple[Scope, str] | None:
    """(scope, bus name) of ``arn:aws:events:<region>:<account>:event-bus/<name>``."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "events":
        return None
    kind, _, name = parts[5].partition("/")
    if kind != "event-bus" or not name or "/" in name or not parts[3] or not parts[4]:
        return None
    return Scope(parts[4], parts[3]), name


def _entry(invocation: Invocation, bus_name: str) -> tuple[EntryInput, Scope]:
    """The entry that puts the event on the destination bus, and its producer's account and
    region."""
    event = invocation.event
    envelope: Any = jsontext.loads(event.body)
    if not isinstance(envelope, dict):
        envelope = {}
    account, region = envelope.get("account"), envelope.get("region")
    entry = EntryInput(
        source=event.source,
        detail_type=event.detail_type,
        detail=jsontext.dumps(envelope.get("detail", {})),
        resources=event.resources,
        time=event.time,
        event_bus=bus_name,
        trace_header=event.trace_header,
    )
    return entry, Scope(
        account if isinstance(account, str) else event.scope.account,
        region if isinstance(region, str) else event.scope.region,
    )
