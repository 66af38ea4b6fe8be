"""Accepting events (PutEvents): per-entry checks, the envelope, routing, one durable write.

Each entry is checked in AWS's order and either fails on its own or becomes an event: the
envelope targets receive, built once, plus one delivery per (rule, target) it matches. All events
of one request are stored with a single ``append_events`` call, so the request costs one commit,
and only after it returns does the caller learn the event ids.

The deliveries go to the node's dispatcher by hand: when it has room they are committed already
claimed for it and passed to it right after the commit, else committed due and the dispatcher
is woken to claim them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from busway import jsontext
from busway.clock import Clock
from busway.config import Settings
from busway.errors import ValidationError
from busway.ids import Uuids
from busway.model import Delivery, Event, IngestRecord, Scope, Target
from busway.observability.telemetry import NO_TELEMETRY, IngestTelemetry
from busway.service.buses import DEFAULT_BUS, bus_name_of
from busway.service.routing import RoutingTable
from busway.store.protocol import ClaimedDelivery, Store

__all__ = [
    "MAX_ENTRIES",
    "DeliveryHandoff",
    "EntryInput",
    "EntryResult",
    "IngestService",
    "entries_size",
    "service_envelope",
    "time_text",
]

MAX_ENTRIES = 10
MAX_DETAIL_TYPE_CHARS = 128
RESERVED_SOURCE_PREFIX = "aws."
# An entry with an explicit time counts this many bytes towards the request size (spec 2.4).
TIME_SIZE_BYTES = 14

TOO_LARGE_MESSAGE = "Total size of the entries in the request is over the limit."


# Named tuples rather than frozen dataclasses: two of these are built per event, and a tuple is
# several times cheaper to construct while just as immutable.
class EntryInput(NamedTuple):
    """One event as a producer submits it; strings may be missing or empty."""

    source: str | None = None
    detail_type: str | None = None
    detail: str | None = None  # JSON text that must hold an object
    resources: tuple[str, ...] = ()
    time: datetime | None = None  # None: the time of the call
    event_bus: str | None = None  # a bus name or ARN; None: the default bus
    trace_header: str | None = None


class EntryResult(NamedTuple):
    """The outcome of one entry: an event id, or an error code with its message."""

    event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def failed(self) -> bool:
        return self.error_code is not None


def _failure(code: str, message: str) -> EntryResult:
    return EntryResult(error_code=code, error_message=message)


def _required(member: str) -> EntryResult:
    return _failure(
        "InvalidArgument",
        f"Parameter {member} is not valid. Reason: {member} is a required argument.",
    )


_SOURCE_MISSING = _required("Source")
_DETAIL_TYPE_MISSING = _required("DetailType")
_DETAIL_MISSING = _required("Detail")
# AWS documents the 128-character cap, not its wording; this follows the InvalidArgument form.
_DETAIL_TYPE_TOO_LONG = _failure(
    "InvalidArgument",
    "Parameter DetailType is not valid. Reason: DetailType must be at most "
    f"{MAX_DETAIL_TYPE_CHARS} characters.",
)
_SOURCE_RESERVED = _failure("NotAuthorizedForSourceException", "Not authorized for the source.")
_DETAIL_MALFORMED = _failure("MalformedDetail", "Detail is malformed.")


# What a valid entry yields: its source, its detail type and its parsed detail.
_Checked = tuple[str, str, dict[str, Any]]


class DeliveryHandoff(Protocol):
    """The dispatcher as ingest sees it (``busway.delivery.dispatcher.Dispatcher``)."""

    def reserve(self, count: int) -> datetime | None:
        """Room for ``count`` deliveries: the lease end to claim them until, or None."""
        ...

    def accept(self, claimed: Sequence[ClaimedDelivery]) -> None:
        """Deliver the claims a reservation's commit made."""
        ...

    def unreserve(self, count: int) -> None:
        """The reservation's commit failed."""
        ...

    def wake(self) -> None:
        """Deliveries were committed unclaimed: claim them now, not at the next poll."""
        ...


class IngestService:
    def __init__(
        self,
        store: Store,
        routing: RoutingTable,
        clock: Clock,
        settings: Settings,
        id_factory: Callable[[datetime], str] | None = None,
        *,
        dispatch: DeliveryHandoff | None = None,
        telemetry: IngestTelemetry = NO_TELEMETRY,
    ) -> None:
        self._store = store
        self._routing = routing
        self._clock = clock
        self._max_bytes = settings.max_put_events_bytes
        self._allow_reserved = settings.allow_reserved_sources
        self._new_id = id_factory or Uuids()
        # Without it deliveries wait for whichever dispatcher polls the store next.
        self._dispatch = dispatch
        self._telemetry = telemetry

    async def put_events(
        self, scope: Scope, entries: Sequence[EntryInput], *, producer: Scope | None = None
    ) -> list[EntryResult]:
        """One result per entry, in order; accepted events are durable when this returns.

        Raises ``ValidationError`` for a request that is refused as a whole (too many entries,
        too many bytes); then nothing is stored. ``producer`` is the ``account`` and ``region``
        of the events when they are not the caller's: an event forwarded from another bus keeps
        its producer's account and region on AWS (spec 2.1; the region as recorded in
        LocalStack's AWS-validated test_event_bus_to_event_bus_cross_account_region).
        """
        if len(entries) > MAX_ENTRIES:
            raise ValidationError(f"A request may hold at most {MAX_ENTRIES} entries.")
        if entries_size(entries) > self._max_bytes:
            raise ValidationError(TOO_LARGE_MESSAGE)
        now = self._clock.now()
        now_text = time_text(now)
        results: list[EntryResult] = []
        accepted: list[tuple[str, EntryInput, dict[str, Any]]] = []
        for entry in entries:
            checked = self._check(entry)
            if isinstance(checked, EntryResult):
                results.append(checked)
                continue
            event_id = self._new_id(now)
            results.append(EntryResult(event_id))
            bus_name = bus_name_of(entry.event_bus) if entry.event_bus else DEFAULT_BUS
            # An unknown bus is not an error for AWS either: the event is accepted and dropped.
            if self._routing.has_bus(scope, bus_name):
                envelope = _envelope(producer or scope, event_id, checked, entry, now_text)
                accepted.append((bus_name, entry, envelope))
        # Matched one after another, not between the other work of each event: the rule index
        # stays in the processor's caches for the whole request (a match costs twice as much
        # after the envelope's encoding and the records' building have run in between).
        route = self._routing.route
        routes = [route(scope, bus_name, envelope) for bus_name, _, envelope in accepted]
        records = [
            self._record(scope, bus_name, entry, envelope, now, routed)
            for (bus_name, entry, envelope), routed in zip(accepted, routes, strict=True)
        ]
        if records:
            await self._append(records)
            self._telemetry.routed(records)  # once durable: what was committed, per request
        self._telemetry.put_events(len(results), sum(r.error_code is not None for r in results))
        return results

    async def _append(self, records: list[IngestRecord]) -> None:
        """Commit the records; their deliveries go straight to the dispatcher if it has room."""
        count = sum(len(record.deliveries) for record in records)
        dispatch = self._dispatch
        lease_end = None if dispatch is None or not count else dispatch.reserve(count)
        if dispatch is None or lease_end is None:
            await self._store.append_events(records)
            if dispatch is not None and count:
                dispatch.wake()
            return
        handed_off = given_back = False

        def hand_off(claimed: list[ClaimedDelivery]) -> None:
            # Committed, its sync perhaps still under way: delivering need not wait for the
            # disk, only the answer to the caller does (a power cut before the sync may then
            # cost an event that was delivered but never acknowledged, which the caller sends
            # again: at least once).
            nonlocal handed_off
            if not given_back:
                handed_off = True
                dispatch.accept(claimed)

        try:
            await self._store.append_claimed_events(records, lease_end, on_commit=hand_off)
        except BaseException:
            # Cancelled too: the commit may still happen, and then its claims come back when
            # their lease ends (or at the next start). Late, not lost.
            if not handed_off:
                given_back = True
                dispatch.unreserve(count)
            raise

    def _check(self, entry: EntryInput) -> _Checked | EntryResult:
        """Source, detail type and parsed detail of a valid entry, else the failure AWS reports.

        The first check an entry fails is the one reported. Source, then DetailType, then Detail
        is AWS's recorded order; where the reserved source and the DetailType length fall is
        busway's choice, as AWS's is not recorded.
        """
        if not entry.source:
            return _SOURCE_MISSING
        if not entry.detail_type:
            return _DETAIL_TYPE_MISSING
        if not entry.detail:
            return _DETAIL_MISSING
        if entry.source.startswith(RESERVED_SOURCE_PREFIX) and not self._allow_reserved:
            return _SOURCE_RESERVED
        if len(entry.detail_type) > MAX_DETAIL_TYPE_CHARS:
            return _DETAIL_TYPE_TOO_LONG
        try:
            detail = jsontext.loads(entry.detail, max_depth=jsontext.MAX_DEPTH)
        except jsontext.JSONDecodeError:
            return _DETAIL_MALFORMED
        if not isinstance(detail, dict):
            return _DETAIL_MALFORMED
        return entry.source, entry.detail_type, detail

    def _record(
        self,
        scope: Scope,
        bus_name: str,
        entry: EntryInput,
        envelope: dict[str, Any],
        now: datetime,
        routes: list[tuple[str, Target]],
    ) -> IngestRecord:
        """The event with its envelope as targets receive it, and one delivery per route."""
        event_id: str = envelope["id"]
        # Positional: keyword arguments cost a frozen dataclass a good part of its construction,
        # and this runs for every event. The order is Event's.
        event = Event(
            event_id,
            scope,
            bus_name,
            envelope["source"],
            envelope["detail-type"],
            now if entry.time is None else entry.time,
            now,
            jsontext.dumpb(envelope),
            entry.resources,
            entry.trace_header,
        )
        if not routes:
            return IngestRecord(event)
        return IngestRecord(
            event,
            tuple([Delivery(event_id, rule_arn, target.id, now) for rule_arn, target in routes]),
        )


def _envelope(
    scope: Scope, event_id: str, checked: _Checked, entry: EntryInput, now_text: str
) -> dict[str, Any]:
    """The event as targets receive it, keys in AWS's order (spec 2.1)."""
    source, detail_type, detail = checked
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": source,
        "account": scope.account,
        "time": now_text if entry.time is None else time_text(entry.time),
        "region": scope.region,
        "resources": list(entry.resources),
        "detail": detail,
    }


def service_envelope(
    scope: Scope,
    event_id: str,
    source: str,
    detail_type: str,
    time: datetime,
    resources: tuple[str, ...],
    detail: dict[str, Any],
) -> dict[str, Any]:
    """The envelope of an event AWS itself emits (a rule's Scheduled Event), as PutEvents
    builds one."""
    entry = EntryInput(resources=resources, time=time)
    return _envelope(scope, event_id, (source, detail_type, detail), entry, time_text(time))


def entries_size(entries: Sequence[EntryInput]) -> int:
    """The request size as AWS counts it (spec 2.4): UTF-8 bytes of the entries' strings."""
    total = 0
    for entry in entries:
        if entry.time is not None:
            total += TIME_SIZE_BYTES
        # Inline rather than a function per string: this runs for every string of every event.
        for text in (entry.source, entry.detail_type, entry.detail, *entry.resources):
            if text:
                total += len(text) if text.isascii() else _utf8_len(text)
    return total


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def time_text(moment: datetime) -> str:
    """The envelope's ``time``: UTC, whole seconds (``2022-01-01T00:00:00Z``)."""
    # Exact integer seconds (a float timestamp can round .999999 up near year 9999).
    return _second_text((moment - _EPOCH) // _SECOND)


# Most events of a busy second share one time; formatting it once per second saves the cost.
@lru_cache(maxsize=4096)
def _second_text(epoch_second: int) -> str:
    t = _EPOCH + timedelta(seconds=epoch_second)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"
