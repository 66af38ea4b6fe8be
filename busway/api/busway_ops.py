"""busway's own operations (not AWS's), as one more AWS JSON 1.1 service: ``Busway.<Operation>``.

The console's live activity view and the ``busway`` CLI call them like any AWS API: ``POST /``
with ``X-Amz-Target: Busway.ListRecentEvents``; errors are the usual ``{"__type", "message"}``.

- ``ListRecentEvents`` {EventBusName, After, Limit} -> {Events, Cursor}: a bus's recent events,
  oldest first, each with its deliveries and where they stand.
- ``RedriveDeadLetters`` {QueueUrl, MaxMessages} -> {Redriven, Skipped}: dead letters back to
  their rule's target.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from busway.api.awsjson import JsonService
from busway.api.context import RequestContext
from busway.api.request import Request
from busway.api.sqs.members import read_queue
from busway.service.activity import (
    MAX_RECENT_EVENTS,
    ActivityService,
    DeliveryStatus,
    RecentActivity,
)
from busway.service.buses import DEFAULT_BUS, bus_name_of
from busway.service.redrive import MAX_REDRIVE, RedriveService

__all__ = ["busway_api", "recent_activity_out"]

_DEFAULT_LIMIT: Final = 25
_DEFAULT_REDRIVE: Final = 1000


def busway_api(activity: ActivityService, redrive: RedriveService) -> JsonService:
    async def list_recent_events(context: RequestContext, request: Request) -> dict[str, Any]:
        bus = request.string("EventBusName", min_len=1, max_len=1600) or DEFAULT_BUS
        after = request.string("After", min_len=1, max_len=64)
        limit = request.integer("Limit", min_value=1, max_value=MAX_RECENT_EVENTS)
        request.check()
        found = await activity.recent(
            context.scope, bus_name_of(bus), after=after, limit=limit or _DEFAULT_LIMIT
        )
        return recent_activity_out(found)

    async def redrive_dead_letters(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        most = request.integer("MaxMessages", min_value=1, max_value=MAX_REDRIVE)
        request.check()
        result = await redrive.redrive(scope, name, most or _DEFAULT_REDRIVE)
        return {"Redriven": result.redriven, "Skipped": result.skipped}

    operations = {
        "ListRecentEvents": list_recent_events,
        "RedriveDeadLetters": redrive_dead_letters,
    }
    return JsonService("Busway", "application/x-amz-json-1.1", operations)


def recent_activity_out(found: RecentActivity) -> dict[str, Any]:
    """The ``ListRecentEvents`` answer; the console's live view reads the same shape."""
    events = [
        {
            "Id": item.event.id,
            "Time": _iso(item.event.time, "seconds"),
            "Source": item.event.source,
            "DetailType": item.event.detail_type,
            "Event": item.event.body.decode(),
            "Deliveries": [_delivery_out(delivery) for delivery in item.deliveries],
        }
        for item in found.events
    ]
    return {"Events": events, "Cursor": found.cursor}


def _delivery_out(delivery: DeliveryStatus) -> dict[str, Any]:
    due = delivery.next_attempt_at
    return {
        "RuleArn": delivery.rule_arn,
        "TargetId": delivery.target_id,
        "TargetArn": delivery.target_arn,
        "State": delivery.state.value,
        "Attempts": delivery.attempts,
        "NextAttemptAt": None if due is None else _iso(due, "milliseconds"),
        "ErrorCode": delivery.error_code,
    }


def _iso(moment: datetime, timespec: str) -> str:
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")
