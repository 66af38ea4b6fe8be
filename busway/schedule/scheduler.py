"""EventBridge Scheduler expressions: `at()`, `rate()` and `cron()` in an IANA timezone.

Cron fields are matched against local wall-clock time. A local time skipped by a
spring-forward transition does not fire; a local time repeated by a fall-back transition
fires once, at its first occurrence (spec 5.2). Rates are plain durations, unaffected by
the timezone ("days" are 24 hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from busway.schedule.cron import CronSchedule, parse_cron
from busway.schedule.errors import (
    InvalidSchedule,
    invalid_scheduler_expression,
    invalid_scheduler_timezone,
)
from busway.schedule.instants import next_minute, require_aware
from busway.schedule.rate import RateSchedule, parse_rate

__all__ = [
    "AtSchedule",
    "SchedulerExpression",
    "SchedulerSchedule",
    "parse_scheduler_expression",
]

_AT = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)", re.ASCII)
_DEFAULT_TIMEZONE = "UTC"
_TICK = timedelta(microseconds=1)  # the finest step a datetime can take


@dataclass(frozen=True, slots=True)
class AtSchedule:
    """A one-time schedule at a wall-clock time of the schedule's timezone."""

    expression: str
    local_time: datetime  # naive


SchedulerExpression = AtSchedule | RateSchedule | CronSchedule


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    """False for wall-clock times that a spring-forward transition skips."""
    aware = local.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local


def _first_instant(local: datetime, zone: ZoneInfo) -> datetime:
    # fold=0 picks the first of two repeated wall times, and for a skipped one the reading
    # of the offset in force before the jump, i.e. as far past the gap as the gap is long.
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _next_local_cron_fire(cron: CronSchedule, zone: ZoneInfo, after: datetime) -> datetime | None:
    candidate = cron.first_match(next_minute(after.astimezone(zone).replace(tzinfo=None)))
    while candidate is not None:
        if _exists(candidate, zone):
            fire = _first_instant(candidate, zone)
            # A repeated wall time already passed once (we are in its second run) is skipped.
            if fire > after:
                return fire
        candidate = cron.first_match(candidate + timedelta(minutes=1))
    return None


@dataclass(frozen=True, slots=True)
class SchedulerSchedule:
    """A parsed Scheduler expression with its timezone and optional StartDate/EndDate."""

    expression: SchedulerExpression
    timezone: ZoneInfo
    start_date: datetime | None = None  # inclusive; ignored by at()
    end_date: datetime | None = None  # exclusive; ignored by at()

    def next_fire(self, after: datetime, *, created_at: datetime) -> datetime | None:
        """The first fire strictly after `after`, in UTC; None when there is none.

        A rate counts from StartDate, or from `created_at` (the schedule's creation) when
        there is none, and fires at that anchor itself too: "starts immediately".
        """
        require_aware(after, "after")
        if isinstance(self.expression, AtSchedule):
            once = _first_instant(self.expression.local_time, self.timezone)
            return once if once > after else None
        if self.start_date is not None and after < self.start_date:
            after = self.start_date - _TICK
        fire = self._unbounded_next(self.expression, after, created_at)
        if fire is None or (self.end_date is not None and fire >= self.end_date):
            return None
        return fire

    def first_fire(self, created_at: datetime) -> datetime | None:
        """The first fire at or after `created_at`."""
        require_aware(created_at, "created_at")
        return self.next_fire(created_at - _TICK, created_at=created_at)

    def _unbounded_next(
        self, expression: RateSchedule | CronSchedule, after: datetime, created_at: datetime
    ) -> datetime | None:
        if isinstance(expression, RateSchedule):
            return expression.next_fire(after, self.start_date or created_at)
        return _next_local_cron_fire(expression, self.timezone, after)


def _parse_at(expression: str) -> AtSchedule:
    match = _AT.fullmatch(expression)
    if match is None:
        raise InvalidSchedule(invalid_scheduler_expression(expression))
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        local_time = datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise InvalidSchedule(invalid_scheduler_expression(expression)) from None
    return AtSchedule(expression=expression, local_time=local_time)


def _parse_expression(expression: str) -> SchedulerExpression:
    if expression.startswith("at("):
        return _parse_at(expression)
    try:
        if expression.startswith("rate("):
            return parse_rate(expression, plural_agrees=False)
        if expression.startswith("cron("):
            return parse_cron(expression)
    except InvalidSchedule:
        pass
    raise InvalidSchedule(invalid_scheduler_expression(expression))


def _parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidSchedule(invalid_scheduler_timezone(name)) from None


def parse_scheduler_expression(
    expression: str,
    timezone: str | None = None,
    *,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> SchedulerSchedule:
    """Parse CreateSchedule's ScheduleExpression (+ timezone, default UTC, and bounds)."""
    for bound, name in ((start_date, "start_date"), (end_date, "end_date")):
        if bound is not None:
            require_aware(bound, name)
    return SchedulerSchedule(
        expression=_parse_expression(expression),
        timezone=_parse_timezone(_DEFAULT_TIMEZONE if timezone is None else timezone),
        start_date=start_date,
        end_date=end_date,
    )
