"""Which days of a month a cron's day-of-month or day-of-week field selects.

Exactly one of the two fields is `?`, so a cron has exactly one of these rules. Weekdays are
numbered the AWS way: 1 = Sunday ... 7 = Saturday.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

__all__ = [
    "DayRule",
    "DaysOfMonth",
    "DaysOfWeek",
    "LastDayOfMonth",
    "LastWeekdayOfMonth",
    "LastWeekdayXOfMonth",
    "NearestWeekday",
    "NthWeekdayXOfMonth",
    "aws_weekday",
]

SATURDAY = 7
SUNDAY = 1


def aws_weekday(year: int, month: int, day: int) -> int:
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _is_weekend(year: int, month: int, day: int) -> bool:
    return aws_weekday(year, month, day) in (SATURDAY, SUNDAY)


@dataclass(frozen=True, slots=True)
class DaysOfMonth:
    """Plain day numbers; days a short month lacks are simply absent (no roll-over)."""

    days: tuple[int, ...]  # sorted

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        length = calendar.monthrange(year, month)[1]
        return tuple(day for day in self.days if day <= length)


@dataclass(frozen=True, slots=True)
class LastDayOfMonth:
    """`L` in day-of-month."""

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        return (calendar.monthrange(year, month)[1],)


@dataclass(frozen=True, slots=True)
class LastWeekdayOfMonth:
    """`LW`: the last Monday-to-Friday of the month."""

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        day = calendar.monthrange(year, month)[1]
        while _is_weekend(year, month, day):
            day -= 1
        return (day,)


@dataclass(frozen=True, slots=True)
class NearestWeekday:
    """`nW`: the weekday nearest day n, never leaving the month (Quartz semantics)."""

    day: int

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        length = calendar.monthrange(year, month)[1]
        if self.day > length:
            # Spec is silent; the day does not exist, so nothing is near it this month.
            return ()
        weekday = aws_weekday(year, month, self.day)
        if weekday == SATURDAY:
            return (self.day - 1,) if self.day > 1 else (self.day + 2,)
        if weekday == SUNDAY:
            return (self.day + 1,) if self.day < length else (self.day - 2,)
        return (self.day,)


@dataclass(frozen=True, slots=True)
class DaysOfWeek:
    weekdays: frozenset[int]

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        first = aws_weekday(year, month, 1)
        length = calendar.monthrange(year, month)[1]
        return tuple(
            day for day in range(1, length + 1) if (first + day - 2) % 7 + 1 in self.weekdays
        )


@dataclass(frozen=True, slots=True)
class LastWeekdayXOfMonth:
    """`nL` in day-of-week: the last weekday n of the month (`6L` = last Friday)."""

    weekday: int

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        length = calendar.monthrange(year, month)[1]
        back = (aws_weekday(year, month, length) - self.weekday) % 7
        return (length - back,)


@dataclass(frozen=True, slots=True)
class NthWeekdayXOfMonth:
    """`d#k`: the k-th weekday d of the month; months without a k-th one are skipped."""

    weekday: int
    nth: int

    def days_in(self, year: int, month: int) -> tuple[int, ...]:
        first = (self.weekday - aws_weekday(year, month, 1)) % 7 + 1
        day = first + 7 * (self.nth - 1)
        return (day,) if day <= calendar.monthrange(year, month)[1] else ()


DayRule = (
    DaysOfMonth
    | LastDayOfMonth
    | LastWeekdayOfMonth
    | NearestWeekday
    | DaysOfWeek
    | LastWeekdayXOfMonth
    | NthWeekdayXOfMonth
)
