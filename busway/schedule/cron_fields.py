"""Parsing of the six AWS cron fields into sorted value tuples and a day rule.

Every failure raises `InvalidSchedule` with the PutRule text; the Scheduler re-labels it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from busway.schedule.days import (
    DayRule,
    DaysOfMonth,
    DaysOfWeek,
    LastDayOfMonth,
    LastWeekdayOfMonth,
    LastWeekdayXOfMonth,
    NearestWeekday,
    NthWeekdayXOfMonth,
)
from busway.schedule.errors import RULE_SCHEDULE_INVALID, InvalidSchedule

__all__ = [
    "DAYS_OF_MONTH",
    "DAYS_OF_WEEK",
    "HOURS",
    "MINUTES",
    "MONTHS",
    "YEARS",
    "CronField",
    "parse_day_of_month",
    "parse_day_of_week",
    "parse_values",
]

_MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_WEEKDAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_NEAREST_WEEKDAY = re.compile(r"(\d+)W", re.ASCII)
_NTH_WEEKDAY = re.compile(r"(.+)#(\d+)", re.ASCII)
_MAX_NTH = 5  # no month has a sixth of any weekday


@dataclass(frozen=True, slots=True)
class CronField:
    low: int
    high: int
    names: Mapping[str, int] = field(default_factory=dict)
    steps: bool = True  # the spec's table allows `/` everywhere but day-of-week
    wraps: bool = True  # `20-2` in hours is documented; a year range cannot go round

    @property
    def span(self) -> int:
        return self.high - self.low + 1


MINUTES = CronField(0, 59)
HOURS = CronField(0, 23)
DAYS_OF_MONTH = CronField(1, 31)
MONTHS = CronField(1, 12, {name: i for i, name in enumerate(_MONTH_NAMES, 1)})
DAYS_OF_WEEK = CronField(1, 7, {name: i for i, name in enumerate(_WEEKDAY_NAMES, 1)}, steps=False)
YEARS = CronField(1970, 2199, wraps=False)


def _invalid() -> InvalidSchedule:
    return InvalidSchedule(RULE_SCHEDULE_INVALID)


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise _invalid()
    return int(text)


def _value(text: str, spec: CronField) -> int:
    value = spec.names[text] if text in spec.names else _number(text)
    if not spec.low <= value <= spec.high:
        raise _invalid()
    return value


def _walk(start: int, end: int, step: int, spec: CronField) -> range | list[int]:
    if start <= end:
        return range(start, end + 1, step)
    length = (end - start) % spec.span + 1  # a wrapping range, e.g. hours 20-2
    return [spec.low + (start - spec.low + i) % spec.span for i in range(0, length, step)]


def _item_values(item: str, spec: CronField) -> range | list[int]:
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        step = _number(step_text)
        # Spec is silent on step bounds; a step longer than the field selects only its start.
        if not spec.steps or not 1 <= step <= spec.span:
            raise _invalid()
    if base == "*":
        return _walk(spec.low, spec.high, step, spec)
    first, dash, last = base.partition("-")
    start = _value(first, spec)
    if not dash:
        return _walk(start, spec.high if slash else start, step, spec)
    end = _value(last, spec)
    if start > end and not spec.wraps:
        raise _invalid()
    return _walk(start, end, step, spec)


def parse_values(text: str, spec: CronField) -> tuple[int, ...]:
    """A field of `,` lists, `-` ranges, `*` and `/` steps, as sorted distinct values."""
    values: set[int] = set()
    for item in text.split(","):
        values.update(_item_values(item, spec))
    return tuple(sorted(values))


def parse_day_of_month(text: str) -> DayRule | None:
    """None for `?`. `L`, `LW` and `nW` must stand alone, as in Quartz."""
    if text == "?":
        return None
    if text == "L":
        return LastDayOfMonth()
    if text == "LW":
        return LastWeekdayOfMonth()
    nearest = _NEAREST_WEEKDAY.fullmatch(text)
    if nearest is not None:
        return NearestWeekday(_value(nearest.group(1), DAYS_OF_MONTH))
    return DaysOfMonth(parse_values(text, DAYS_OF_MONTH))


def parse_day_of_week(text: str) -> DayRule | None:
    """None for `?`. `nL` and `d#k` must stand alone (spec: `3#1,6#3` is invalid)."""
    if text == "?":
        return None
    if text == "L":
        # "L" alone is the last day of the week: Saturday.
        return DaysOfWeek(frozenset({DAYS_OF_WEEK.high}))
    nth = _NTH_WEEKDAY.fullmatch(text)
    if nth is not None:
        rank = _number(nth.group(2))
        if not 1 <= rank <= _MAX_NTH:
            raise _invalid()
        return NthWeekdayXOfMonth(_value(nth.group(1), DAYS_OF_WEEK), rank)
    if text.endswith("L"):
        return LastWeekdayXOfMonth(_value(text.removesuffix("L"), DAYS_OF_WEEK))
    return DaysOfWeek(frozenset(parse_values(text, DAYS_OF_WEEK)))
