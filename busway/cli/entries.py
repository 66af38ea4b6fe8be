"""PutEvents entries as ``busway events put`` reads them, and their batching (pure).

An entry is EventBridge's ``PutEventsRequestEntry`` written as JSON. ``Detail`` may be given as a
JSON object instead of the JSON text AWS wants; it is encoded here. Anything boto3 would refuse
for the whole request (an unknown member, a wrong type) is refused here for that entry alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_ENTRIES",
    "EntryError",
    "batch_entries",
    "entry_size",
    "parse_entry",
]

MAX_BATCH_ENTRIES = 10  # PutEvents' limit per request
MAX_BATCH_BYTES = 1024 * 1024  # current AWS (and busway's default) limit on a request's entries
_TIME_SIZE_BYTES = 14  # what AWS counts for a Time member (spec 2.4)
_STRINGS = ("Source", "DetailType", "Detail", "EventBusName", "TraceHeader")
_MEMBERS = (*_STRINGS, "Resources", "Time")

T = TypeVar("T")


class EntryError(ValueError):
    """An entry that cannot be sent; the message says why."""


def parse_entry(text: str | bytes, *, default_bus: str | None = None) -> dict[str, Any]:
    """The boto3 ``PutEvents`` entry a JSON text (bytes: UTF-8) stands for."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise EntryError(f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise EntryError("an entry must be a JSON object")
    unknown = sorted(set(raw) - set(_MEMBERS))
    if unknown:
        raise EntryError(f"unknown member {unknown[0]!r} (known: {', '.join(_MEMBERS)})")
    entry = dict(raw)
    if isinstance(entry.get("Detail"), dict | list):
        entry["Detail"] = json.dumps(entry["Detail"], separators=(",", ":"), ensure_ascii=False)
    for name in _STRINGS:
        if name in entry and not isinstance(entry[name], str):
            raise EntryError(f"{name} must be a string")
    resources = entry.get("Resources")
    if resources is not None and not (
        isinstance(resources, list) and all(isinstance(item, str) for item in resources)
    ):
        raise EntryError("Resources must be a list of strings")
    if "Time" in entry:
        entry["Time"] = _time(entry["Time"])
    if default_bus is not None:
        entry.setdefault("EventBusName", default_bus)
    return entry


def _time(value: Any) -> datetime:
    """``Time`` as epoch seconds or ISO-8601 (``2026-01-01T12:00:00Z``; no zone means UTC)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise EntryError(f"Time {value} is out of range") from None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise EntryError(f"Time {value!r} is not an ISO-8601 time") from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    raise EntryError("Time must be epoch seconds or an ISO-8601 string")


def entry_size(entry: dict[str, Any]) -> int:
    """The bytes AWS counts for an entry against the request limit (spec 2.4)."""
    size = _TIME_SIZE_BYTES if "Time" in entry else 0
    for name in ("Source", "DetailType", "Detail"):
        size += len(entry.get(name, "").encode("utf-8", "surrogatepass"))
    for resource in entry.get("Resources", ()):
        size += len(resource.encode("utf-8", "surrogatepass"))
    return size


def batch_entries(
    items: Iterable[T],
    size_of: Callable[[T], int],
    *,
    max_entries: int = MAX_BATCH_ENTRIES,
    max_bytes: int = MAX_BATCH_BYTES,
) -> Iterator[list[T]]:
    """Consecutive batches of at most ``max_entries`` items and ``max_bytes`` bytes, in order.

    An item larger than ``max_bytes`` on its own goes alone, so the server can say why it is
    refused; nothing is dropped here.
    """
    batch: list[T] = []
    batch_bytes = 0
    for item in items:
        size = size_of(item)
        if batch and (len(batch) == max_entries or batch_bytes + size > max_bytes):
            yield batch
            batch, batch_bytes = [], 0
        batch.append(item)
        batch_bytes += size
    if batch:
        yield batch
