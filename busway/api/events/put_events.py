"""PutEvents on the wire: the request's shape and model constraints in, per-entry results out.

Model constraints (at most 10 entries, bus name pattern, resource and trace header lengths) fail
the whole request with one ValidationException, as AWS's front end does. Whatever the model allows
is the service's to judge entry by entry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.request import Request, SerializationError
from busway.service.ingest import MAX_ENTRIES, EntryInput, EntryResult, IngestService

__all__ = ["ingest_operations", "read_entries", "write_results"]

_BUS_NAME_OR_ARN = (
    r"(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[\.\-_A-Za-z0-9]+"
)
_ENDPOINT_ID = r"^[A-Za-z0-9\-]+[\.][A-Za-z0-9\-]+$"
_MAX_BUS_CHARS = 1600
_MAX_RESOURCE_CHARS = 2048
_MAX_TRACE_HEADER_CHARS = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ingest_operations(ingest: IngestService) -> dict[str, Handler]:
    async def put_events(context: RequestContext, request: Request) -> dict[str, Any]:
        results = await ingest.put_events(context.scope, read_entries(request))
        return write_results(results)

    return {"PutEvents": put_events}


def read_entries(request: Request) -> list[EntryInput]:
    """The entries of a PutEvents request; raises on a wrong type or a model constraint."""
    raw_entries = request.array("Entries", required=True, min_items=1) or []
    entries = [_entry(raw) for raw in raw_entries]
    if len(entries) > MAX_ENTRIES:
        # AWS shows the list the way its Java model prints it.
        request.violations.add(
            _java_entries(raw_entries, entries),
            "entries",
            f"Member must have length less than or equal to {MAX_ENTRIES}",
        )
    for index, entry in enumerate(entries, start=1):
        _check_entry(entry, f"entries.{index}.member", request)
    request.string("EndpointId", min_len=1, max_len=50, pattern=_ENDPOINT_ID)
    request.check()
    return entries


def write_results(results: Sequence[EntryResult]) -> dict[str, Any]:
    return {
        "FailedEntryCount": sum(1 for result in results if result.failed),
        "Entries": [_result(result) for result in results],
    }


def _result(result: EntryResult) -> dict[str, str | None]:
    if result.event_id is not None:
        return {"EventId": result.event_id}
    return {"ErrorCode": result.error_code, "ErrorMessage": result.error_message}


# --- one entry -------------------------------------------------------------------------------
# Read by hand rather than through ``Request``: this runs for every event, and a member's path
# string is only worth building when the member is present and has a constraint.


def _entry(raw: Any) -> EntryInput:
    if not isinstance(raw, dict):
        raise SerializationError("Value for member Entries is not a valid structure.")
    get = raw.get
    source, detail_type, detail = get("Source"), get("DetailType"), get("Detail")
    bus = get("EventBusName")
    # The usual entry: strings, no resources, time or trace header. Anything else takes the
    # general path, which checks member by member and reports the first wrong one.
    strings = (
        (source.__class__ is str)
        + (detail_type.__class__ is str)
        + (detail.__class__ is str)
        + (bus.__class__ is str)
    )
    if len(raw) == strings:
        return EntryInput(source, detail_type, detail, (), None, bus)
    return EntryInput(
        source=_text(raw, "Source"),
        detail_type=_text(raw, "DetailType"),
        detail=_text(raw, "Detail"),
        resources=_resources(raw),
        time=_time(raw.get("Time")),
        event_bus=_text(raw, "EventBusName"),
        trace_header=_text(raw, "TraceHeader"),
    )


def _check_entry(entry: EntryInput, path: str, request: Request) -> None:
    """The model's constraints on an entry's members; Source, DetailType, Detail have none."""
    for number, resource in enumerate(entry.resources, start=1):
        if len(resource) > _MAX_RESOURCE_CHARS:
            request.check_string(
                resource, f"{path}.resources.{number}.member", max_len=_MAX_RESOURCE_CHARS
            )
    if entry.event_bus is not None:
        request.check_string(
            entry.event_bus,
            f"{path}.eventBusName",
            min_len=1,
            max_len=_MAX_BUS_CHARS,
            pattern=_BUS_NAME_OR_ARN,
        )
    if entry.trace_header is not None:
        request.check_string(
            entry.trace_header, f"{path}.traceHeader", min_len=1, max_len=_MAX_TRACE_HEADER_CHARS
        )


def _text(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None or isinstance(value, str):
        return value
    raise SerializationError(f"Value for member {name} is not a valid string.")


def _resources(raw: Mapping[str, Any]) -> tuple[str, ...]:
    value = raw.get("Resources")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SerializationError("Value for member Resources is not a valid list of strings.")
    return tuple(value)


def _time(value: Any) -> datetime | None:
    """An epoch-seconds timestamp (botocore sends microsecond precision at most)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise SerializationError("Value for member Time is not a valid timestamp.")
    seconds = math.floor(value)
    microseconds = int((value - seconds) * 1_000_000)
    try:
        return _EPOCH + timedelta(seconds=seconds, microseconds=microseconds)
    except OverflowError:
        raise SerializationError("Value for member Time is not a valid timestamp.") from None


# --- the Java dump in the too-many-entries message ----------------------------------------------


def _java_entries(raw_entries: Sequence[Mapping[str, Any]], entries: Sequence[EntryInput]) -> str:
    return "[" + ", ".join(map(_java_entry, raw_entries, entries)) + "]"


def _java_entry(raw: Mapping[str, Any], entry: EntryInput) -> str:
    """``PutEventsRequestEntry(time=null, source=..., ...)``, Lombok's ``toString`` layout."""
    fields = (
        ("time", None if entry.time is None else _java_date(entry.time)),
        ("source", entry.source),
        ("resources", None if raw.get("Resources") is None else list(entry.resources)),
        ("detailType", entry.detail_type),
        ("detail", entry.detail),
        ("eventBusName", entry.event_bus),
        ("traceHeader", entry.trace_header),
        ("kmsKeyIdentifier", None),
        ("internalMetadata", None),
    )
    return "PutEventsRequestEntry(" + ", ".join(f"{k}={_java(v)}" for k, v in fields) + ")"


def _java(value: str | list[str] | None) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return value


def _java_date(moment: datetime) -> str:
    """``java.util.Date#toString`` in UTC: ``Sat Jan 01 00:00:00 UTC 2022``."""
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")
