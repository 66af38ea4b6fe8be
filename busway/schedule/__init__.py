"""AWS schedule expressions: EventBridge rule schedules and EventBridge Scheduler expressions.

Pure: nothing here reads the clock; every "now" arrives as an argument.
"""

from __future__ import annotations

from busway.schedule.cron import CronSchedule
from busway.schedule.errors import RULE_SCHEDULE_INVALID, InvalidSchedule
from busway.schedule.rate import RateSchedule
from busway.schedule.rules import Schedule, next_fire, parse_schedule
from busway.schedule.scheduler import (
    AtSchedule,
    SchedulerExpression,
    SchedulerSchedule,
    parse_scheduler_expression,
)

__all__ = [
    "RULE_SCHEDULE_INVALID",
    "AtSchedule",
    "CronSchedule",
    "InvalidSchedule",
    "RateSchedule",
    "Schedule",
    "SchedulerExpression",
    "SchedulerSchedule",
    "next_fire",
    "parse_schedule",
    "parse_scheduler_expression",
]
