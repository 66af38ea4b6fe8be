"""Schedules of EventBridge rules (PutRule's `ScheduleExpression`), evaluated in UTC."""

from __future__ import annotations

from datetime import datetime

from busway.schedule.cron import CronSchedule, parse_cron
from busway.schedule.errors import RULE_SCHEDULE_INVALID, InvalidSchedule
from busway.schedule.rate import RateSchedule, parse_rate

__all__ = ["Schedule", "next_fire", "parse_schedule"]

Schedule = RateSchedule | CronSchedule


def parse_schedule(expression: str) -> Schedule:
    """Parse `rate(...)` or `cron(...)`; raise `InvalidSchedule` with PutRule's text."""
    if expression.startswith("rate("):
        return parse_rate(expression)
    if expression.startswith("cron("):
        return parse_cron(expression)
    raise InvalidSchedule(RULE_SCHEDULE_INVALID)


def next_fire(schedule: Schedule, after: datetime, *, anchor: datetime) -> datetime | None:
    """The first fire strictly after `after`, or None when there is none.

    `anchor` is the rule's creation instant: rate schedules count their periods from it
    (the first fire is one period after it); cron schedules ignore it.
    """
    if isinstance(schedule, RateSchedule):
        return schedule.next_fire(after, anchor)
    return schedule.next_fire(after)
