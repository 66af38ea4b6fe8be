"""The event shapes a target can be handed: the envelope, and the ``<aws.events.event>`` view."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

__all__ = [
    "ENVELOPE_ORDER",
    "format_ingestion_time",
    "in_envelope_order",
    "predefined_event_view",
]

# Order observed on delivery; a replayed event carries replay-name between region and resources.
ENVELOPE_ORDER: Final = (
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "replay-name",
    "resources",
    "detail",
)

# Order AWS recorded for <aws.events.event>; it renames detail-type and drops detail.
_VIEW_ORDER: Final = ("id", "account", "detail-type", "time", "source", "region", "resources")
_VIEW_TAIL: Final = ("version",)
_VIEW_RENAMES: Final = {"detail-type": "detailType"}


def in_envelope_order(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event with envelope keys first in delivery order, unknown keys after in their order."""
    ordered = {key: event[key] for key in ENVELOPE_ORDER if key in event}
    if len(ordered) != len(event):
        ordered.update((key, value) for key, value in event.items() if key not in ordered)
    return ordered


def predefined_event_view(event: Mapping[str, Any], ingestion_time: datetime) -> dict[str, Any]:
    """What ``<aws.events.event>`` inserts: the envelope without ``detail``, as AWS shapes it.

    AWS reports ``time`` there as the ingestion time with milliseconds rather than the event's
    own ``time`` field (recorded, spec §15 item 10), so it is rebuilt from ``ingestion_time``.
    """
    view: dict[str, Any] = {}
    for key in _VIEW_ORDER:
        if key == "time":
            view["time"] = _format_millis(ingestion_time)
        elif key in event:
            view[_VIEW_RENAMES.get(key, key)] = event[key]
    skipped = {*_VIEW_ORDER, *_VIEW_TAIL, "detail"}
    view.update((key, value) for key, value in event.items() if key not in skipped)
    view.update((key, event[key]) for key in _VIEW_TAIL if key in event)
    return view


def format_ingestion_time(moment: datetime) -> str:
    """``<aws.events.event.ingestion-time>``: ISO-8601 UTC at second precision, like ``time``."""
    return _as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _format_millis(moment: datetime) -> str:
    utc = _as_utc(moment)
    return f"{utc.strftime('%Y-%m-%dT%H:%M:%S')}.{utc.microsecond // 1000:03d}Z"


def _as_utc(moment: datetime) -> datetime:
    # A naive datetime is taken to be UTC already: the clock hands out UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
