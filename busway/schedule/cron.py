"""AWS's six-field `cron()`: parsing and the next matching minute.

The search jumps field by field (year, month, day, hour, minute) over precomputed sorted
values, so its cost does not depend on how far away the next fire is.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from busway.schedule.cron_fields import (
    HOURS,
    MINUTES,
    MONTHS,
    YEARS,
    parse_day_of_month,
    parse_day_of_week,
    parse_values,
)
from busway.schedule.days import DayRule
from busway.schedule.errors import RULE_SCHEDULE_INVALID, InvalidSchedule
from busway.schedule.instants import as_utc, next_minute, require_aware

__all__ = ["CronSchedule", "parse_cron"]

_CRON = re.compile(r"cron\((.*)\)", re.DOTALL)
_FIELD_COUNT = 6


def _at_or_after(values: Sequence[int], lower: int) -> Sequence[int]:
    return values[bisect_left(values, lower) :]


@dataclass(frozen=True, slots=True)
class CronSchedule:
    expression: str
    # The expression says it all in a repr; the expanded values would only bury it.
    minutes: tuple[int, ...] = field(repr=False)
    hours: tuple[int, ...] = field(repr=False)
    months: tuple[int, ...] = field(repr=False)
    years: tuple[int, ...] = field(repr=False)
    days: DayRule = field(repr=False)

    def next_fire(self, after: datetime) -> datetime | None:
        """The first matching UTC minute strictly after `after`; None once the years run out."""
        require_aware(after, "after")
        found = self.first_match(next_minute(as_utc(after).replace(tzinfo=None)))
        return None if found is None else found.replace(tzinfo=UTC)

    def first_match(self, start: datetime) -> datetime | None:
        """The first matching naive wall-clock minute at or after naive `start`."""
        for year in _at_or_after(self.years, start.year):
            same_year = year == start.year
            for month in _at_or_after(self.months, start.month if same_year else 1):
                same_month = same_year and month == start.month
                found = self._first_in_month(year, month, start if same_month else None)
                if found is not None:
                    return found
        return None

    def _first_in_month(self, year: int, month: int, start: datetime | None) -> datetime | None:
        # `start` is None when the whole month lies after the search start. Each floor drops
        # to the field's minimum as soon as an outer field has moved past the start.
        day_floor, hour_floor, minute_floor = (
            (start.day, start.hour, start.minute) if start is not None else (1, 0, 0)
        )
        for day in _at_or_after(self.days.days_in(year, month), day_floor):
            if day != day_floor:
                hour_floor = minute_floor = 0
            for hour in _at_or_after(self.hours, hour_floor):
                if hour != hour_floor:
                    minute_floor = 0
                minutes = _at_or_after(self.minutes, minute_floor)
                if minutes:
                    return datetime(year, month, day, hour, minutes[0])
        return None


def parse_cron(expression: str) -> CronSchedule:
    match = _CRON.fullmatch(expression)
    if match is None:
        raise InvalidSchedule(RULE_SCHEDULE_INVALID)
    fields = match.group(1).split(" ")
    if len(fields) != _FIELD_COUNT:
        raise InvalidSchedule(RULE_SCHEDULE_INVALID)
    minutes, hours, day_of_month, month, day_of_week, year = fields
    # Names and the L/W letters are read case-insensitively, as Quartz does.
    by_month_day = parse_day_of_month(day_of_month.upper())
    by_week_day = parse_day_of_week(day_of_week.upper())
    days = by_month_day or by_week_day
    if days is None or (by_month_day is not None and by_week_day is not None):
        raise InvalidSchedule(RULE_SCHEDULE_INVALID)  # exactly one of the two must be `?`
    return CronSchedule(
        expression=expression,
        minutes=parse_values(minutes, MINUTES),
        hours=parse_values(hours, HOURS),
        months=parse_values(month.upper(), MONTHS),
        years=parse_values(year, YEARS),
        days=days,
    )
