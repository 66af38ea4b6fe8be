"""The EventBridge Scheduler API (REST-JSON): mounted beside the JSON RPC APIs on one endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from busway.api.app import Message, Mount
from busway.api.scheduler.groups import group_routes
from busway.api.scheduler.protocol import SchedulerProtocol
from busway.api.scheduler.schedules import schedule_routes
from busway.service.schedules import ScheduleService

__all__ = ["SchedulerMounts", "scheduler_mounts"]

_PATHS = ("/schedules", "/schedule-groups", "/tags")


class SchedulerMounts(NamedTuple):
    mounts: list[Mount]
    operation: Callable[[Message], str | None]  # a request's operation name, if any


def scheduler_mounts(
    service: ScheduleService,
    *,
    account: str,
    default_region: str,
    max_body_bytes: int = 8 * 1024 * 1024,
) -> SchedulerMounts:
    """One ASGI app serving the Scheduler's three path prefixes, and how it names requests."""
    app = SchedulerProtocol(
        [*schedule_routes(service), *group_routes(service)],
        account=account,
        default_region=default_region,
        max_body_bytes=max_body_bytes,
    )
    return SchedulerMounts([Mount(prefix, app) for prefix in _PATHS], app.operation)
