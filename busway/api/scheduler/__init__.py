"""The EventBridge Scheduler API (REST-JSON): mounted beside the JSON RPC APIs on one endpoint."""

from __future__ import annotations

from busway.api.app import Mount
from busway.api.scheduler.groups import group_routes
from busway.api.scheduler.protocol import SchedulerProtocol
from busway.api.scheduler.schedules import schedule_routes
from busway.service.schedules import ScheduleService

__all__ = ["scheduler_mounts"]

_PATHS = ("/schedules", "/schedule-groups", "/tags")


def scheduler_mounts(
    service: ScheduleService,
    *,
    account: str,
    default_region: str,
    max_body_bytes: int = 8 * 1024 * 1024,
) -> list[Mount]:
    """One ASGI app serving the Scheduler's three path prefixes."""
    app = SchedulerProtocol(
        [*schedule_routes(service), *group_routes(service)],
        account=account,
        default_region=default_region,
        max_body_bytes=max_body_bytes,
    )
    return [Mount(prefix, app) for prefix in _PATHS]
