"""next_fire against a brute-force evaluator written independently of the implementation.

Expressions are generated as structures, rendered to text, and matched here by predicates
(is this value/date selected?) rather than by expanding value lists as the code does.
"""

from __future__ import annotations

import calendar
import functools
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busway.schedule import next_fire, parse_schedule, parse_scheduler_expression

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
HORIZON = timedelta(days=8 * 366)
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


@dataclass(frozen=True)
class Item:
    """One `,`-separated part of a field: `*`, `v`, `a-b`, each optionally with `/step`."""

    kind: str  # "all", "one", "range"
    first: int
    last: int
    step: int | None

    def render(self, names: list[str] | None, use_names: bool) -> str:
        def word(value: int) -> str:
            return names[value - 1] if names and use_names else str(value)

        base = {
            "all": "*",
            "one": word(self.first),
            "range": f"{word(self.first)}-{word(self.last)}",
        }
        return base[self.kind] + (f"/{self.step}" if self.step else "")

    def selects(self, value: int, low: int, high: int) -> bool:
        span = high - low + 1
        if self.kind == "all":
            start, length = low, span
        elif self.kind == "one":
            start = self.first
            length = (high - self.first + 1) if self.step else 1
        else:
            start, length = self.first, (self.last - self.first) % span + 1
        offset = (value - start) % span
        return offset < length and offset % (self.step or 1) == 0


@st.composite
def items(draw: st.DrawFn, low: int, high: int, steps: bool, wraps: bool) -> Item:
    kind = draw(st.sampled_from(["all", "one", "range"]))
    first = draw(st.integers(low, high))
    last = draw(st.integers(low if wraps else first, high))
    step = draw(st.none() | st.integers(1, high - low + 1)) if steps else None
    return Item(kind, first, last, step)


@dataclass(frozen=True)
class Field:
    parts: tuple[Item, ...]
    low: int
    high: int

    def selects(self, value: int) -> bool:
        # Outside the field's range nothing is selected: the steps below wrap around, and a
        # walk past 2199 must not find the year 2200 as if it were 1970.
        if not self.low <= value <= self.high:
            return False
        return any(part.selects(value, self.low, self.high) for part in self.parts)


@st.composite
def fields(
    draw: st.DrawFn, low: int, high: int, *, steps: bool = True, wraps: bool = True
) -> tuple[str, Field]:
    parts = tuple(draw(st.lists(items(low, high, steps, wraps), min_size=1, max_size=3)))
    names = MONTHS if (low, high) == (1, 12) else WEEKDAYS if (low, high) == (1, 7) else None
    use_names = draw(st.booleans())
    text = ",".join(part.render(names, use_names) for part in parts)
    if draw(st.booleans()):
        text = text.lower()
    return text, Field(parts, low, high)


def aws_weekday(day: date) -> int:
    return day.isoweekday() % 7 + 1  # ISO Monday=1..Sunday=7 -> AWS Sunday=1..Saturday=7


def month_length(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def is_workday(day: date) -> bool:
    return day.isoweekday() <= 5


def days_of_month(day: date) -> list[date]:
    return [day.replace(day=n) for n in range(1, month_length(day) + 1)]


@st.composite
def day_rules(draw: st.DrawFn) -> tuple[str, str, object]:
    """(day-of-month text, day-of-week text, predicate over dates)."""
    choice = draw(st.sampled_from(["dom", "L", "LW", "W", "dow", "dowL", "nL", "#"]))
    if choice == "dom":
        text, field = draw(fields(1, 31))
        return text, "?", lambda d: field.selects(d.day)
    if choice == "L":
        return "L", "?", lambda d: d.day == month_length(d)
    if choice == "LW":
        return (
            "LW",
            "?",
            lambda d: (
                is_workday(d)
                and not any(is_workday(other) for other in days_of_month(d) if other > d)
            ),
        )
    if choice == "W":
        # the month edges are where "nearest" gets interesting
        n = draw(st.sampled_from([1, 1, 2, 15, 29, 30, 31, 31]) | st.integers(1, 31))

        def nearest(d: date) -> bool:
            if n > month_length(d):
                return False
            workdays = [other for other in days_of_month(d) if is_workday(other)]
            return d == min(workdays, key=lambda other: (abs(other.day - n), other.day))

        return f"{n}W", "?", nearest
    if choice == "dow":
        text, field = draw(fields(1, 7, steps=False))
        return "?", text, lambda d: field.selects(aws_weekday(d))
    if choice == "dowL":
        return "?", "L", lambda d: aws_weekday(d) == 7
    weekday = draw(st.integers(1, 7))
    name = draw(st.sampled_from([str(weekday), WEEKDAYS[weekday - 1]]))
    if choice == "nL":
        return "?", f"{name}L", lambda d: aws_weekday(d) == weekday and d.day + 7 > month_length(d)
    nth = draw(st.integers(1, 5))
    return "?", f"{name}#{nth}", lambda d: aws_weekday(d) == weekday and (d.day - 1) // 7 + 1 == nth


@dataclass(frozen=True)
class Cron:
    text: str
    minutes: Field
    hours: Field
    months: Field
    years: Field | None  # None for `*`
    day: object

    def selects_date(self, day: date) -> bool:
        in_years = self.years is None or self.years.selects(day.year)
        return in_years and self.months.selects(day.month) and self.day(day)  # type: ignore[operator]

    def times_on(self, day: date) -> list[datetime]:
        return [
            datetime(day.year, day.month, day.day, hour, minute)
            for hour in range(24)
            if self.hours.selects(hour)
            for minute in range(60)
            if self.minutes.selects(minute)
        ]


@st.composite
def crons(draw: st.DrawFn, near_year: int = 2024) -> Cron:
    minutes_text, minutes = draw(fields(0, 59))
    hours_text, hours = draw(fields(0, 23))
    months_text, months = draw(fields(1, 12))
    dom, dow, day = draw(day_rules())
    years: Field | None = None
    years_text = "*"
    if draw(st.booleans()):
        # years near the start instants, so that both fires and exhaustion get exercised
        years_text, years = draw(fields(near_year - 6, near_year + 10, wraps=False))
        years = Field(years.parts, 1970, 2199)
        years_text = ",".join(part.render(None, False) for part in years.parts)
    text = f"cron({minutes_text} {hours_text} {dom} {months_text} {dow} {years_text})"
    return Cron(text, minutes, hours, months, years, day)


def brute_force_utc(cron: Cron, after: datetime, horizon_end: datetime) -> datetime | None:
    """Walk day by day, then minute by minute within each selected day."""
    day = after.date()
    while datetime(day.year, day.month, day.day, tzinfo=UTC) <= horizon_end:
        if cron.selects_date(day):
            for moment in cron.times_on(day):
                if moment.replace(tzinfo=UTC) > after:
                    return moment.replace(tzinfo=UTC)
        day += timedelta(days=1)
    return None


instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2027, 12, 31),
).map(lambda moment: moment.replace(tzinfo=UTC))


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(day=day_rules(), year=st.integers(1970, 2199))
def test_day_rules_select_the_right_days_of_every_month(
    day: tuple[str, str, object], year: int
) -> None:
    dom, dow, selects = day
    schedule = parse_schedule(f"cron(0 0 {dom} * {dow} *)")
    first = datetime(year, 1, 1, tzinfo=UTC)
    fires = []
    fire = next_fire(schedule, first - timedelta(minutes=1), anchor=first)
    while fire is not None and fire.year == year:
        fires.append(fire.date())
        fire = next_fire(schedule, fire, anchor=first)
    year_days = [first.date() + timedelta(days=n) for n in range(366)]
    expected = [d for d in year_days if d.year == year and selects(d)]  # type: ignore[operator]
    assert fires == expected


@PROPERTY_SETTINGS
@given(cron=crons(), after=instants)
def test_cron_next_fire_matches_brute_force(cron: Cron, after: datetime) -> None:
    found = next_fire(parse_schedule(cron.text), after, anchor=after)
    horizon_end = after + HORIZON
    expected = brute_force_utc(cron, after, horizon_end)
    if expected is None:
        assert found is None or found > horizon_end
    else:
        assert found == expected


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(cron=crons(), after=instants)
def test_fires_chain_forward(cron: Cron, after: datetime) -> None:
    schedule = parse_schedule(cron.text)
    first = next_fire(schedule, after, anchor=after)
    if first is not None:
        assert first > after
        assert first.second == 0
        assert first.microsecond == 0
        # nothing is skipped between `after` and the first fire, however `after` is nudged
        assert next_fire(schedule, first - timedelta(microseconds=1), anchor=after) == first


TIMEZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # changes at midnight: whole local hours 00:xx vanish
    "Asia/Kolkata",
    "Pacific/Chatham",
]


@functools.cache
def dst_changes(name: str, year: int) -> list[datetime]:
    zone = ZoneInfo(name)
    start = datetime(year, 1, 1, tzinfo=UTC)
    hours = [start + timedelta(hours=h) for h in range(366 * 24)]
    return [
        later
        for earlier, later in itertools.pairwise(hours)
        if earlier.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset()
    ]


def first_occurrence(local: datetime, zone: ZoneInfo) -> datetime | None:
    """The earliest UTC instant whose wall clock in `zone` reads `local`, if any."""
    offsets = {local.replace(tzinfo=zone, fold=fold).utcoffset() for fold in (0, 1)}
    hits = [
        (local - offset).replace(tzinfo=UTC)
        for offset in offsets
        if offset is not None
        and (local - offset).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) == local
    ]
    return min(hits, default=None)


def brute_force_local(cron: Cron, zone: ZoneInfo, after: datetime, days: int) -> datetime | None:
    """The earliest first occurrence, later than `after`, of any selected local minute.

    Days are tried in order and the first day with a fire decides: every wall time of a
    later day first occurs after every wall time of an earlier one.
    """
    # A fire's wall time is later than `after`'s own, so its day is not earlier.
    start = after.astimezone(zone).date()
    for offset in range(days):
        day = start + timedelta(days=offset)
        if not cron.selects_date(day):
            continue
        occurrences = (first_occurrence(local, zone) for local in cron.times_on(day))
        fires = [instant for instant in occurrences if instant is not None and instant > after]
        if fires:
            return min(fires)
    return None


@st.composite
def single_values(draw: st.DrawFn, choices: list[int], low: int, high: int) -> tuple[str, Field]:
    value = draw(st.sampled_from(choices))
    return str(value), Field((Item("one", value, value, None),), low, high)


@st.composite
def dst_cases(draw: st.DrawFn) -> tuple[str, datetime, Cron]:
    """A timezone, an instant a few hours around one of its DST changes, and a daily cron.

    Half the time the cron's hour is one of the wall-clock hours at the change (the hour
    before it, the skipped or repeated one), so the gap and the overlap are hit on purpose.
    """
    name = draw(st.sampled_from(TIMEZONES))
    zone = ZoneInfo(name)
    changes = dst_changes(name, draw(st.integers(2022, 2025)))
    if changes:
        change = draw(st.sampled_from(changes))
        after = change + timedelta(minutes=draw(st.integers(-5 * 60, 2 * 60)))
        before_hour = (change - timedelta(minutes=1)).astimezone(zone).hour
        at_change = [before_hour, (before_hour + 1) % 24, change.astimezone(zone).hour]
    else:
        after, at_change = draw(instants), [0, 1, 2]
    minutes_text, minutes = draw(fields(0, 59) | single_values([0, 30, 45], 0, 59))
    hours_text, hours = draw(fields(0, 23) | single_values(at_change, 0, 23))
    every_month = Field((Item("all", 1, 12, None),), 1, 12)
    text = f"cron({minutes_text} {hours_text} * * ? *)"
    return name, after, Cron(text, minutes, hours, every_month, None, lambda _day: True)


@settings(PROPERTY_SETTINGS, max_examples=80)
@given(case=dst_cases())
def test_scheduler_cron_in_timezone_matches_brute_force(
    case: tuple[str, datetime, Cron],
) -> None:
    name, after, cron = case
    schedule = parse_scheduler_expression(cron.text, name)
    found = schedule.next_fire(after, created_at=after)
    expected = brute_force_local(cron, ZoneInfo(name), after, days=4)
    assert found == expected


# Years around which February changes length: leap years, and centuries that are (2000) or are
# not (2100) leap years. Start instants fall in late February or early March of one of them.
LEAP_EDGE_YEARS = [1996, 1999, 2000, 2023, 2024, 2096, 2099, 2100, 2104, 2196]


@st.composite
def leap_edges(draw: st.DrawFn) -> datetime:
    year = draw(st.sampled_from(LEAP_EDGE_YEARS))
    start = datetime(year, 2, 20, tzinfo=UTC)
    return start + timedelta(minutes=draw(st.integers(0, 14 * 24 * 60)))


@st.composite
def crons_near_leap_days(draw: st.DrawFn) -> tuple[Cron, datetime]:
    after = draw(leap_edges())
    return draw(crons(near_year=min(after.year, 2189))), after


@PROPERTY_SETTINGS
@given(case=crons_near_leap_days())
def test_cron_next_fire_matches_brute_force_around_leap_days(case: tuple[Cron, datetime]) -> None:
    cron, after = case
    found = next_fire(parse_schedule(cron.text), after, anchor=after)
    horizon_end = after + HORIZON
    expected = brute_force_utc(cron, after, horizon_end)
    if expected is None:
        assert found is None or found > horizon_end
    else:
        assert found == expected


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(
    day=st.sampled_from(["29", "L", "LW", "28W", "29W", "1W"]),
    year=st.sampled_from(LEAP_EDGE_YEARS),
)
def test_february_days_in_leap_and_common_years(day: str, year: int) -> None:
    schedule = parse_schedule(f"cron(0 0 {day} 2 ? {year})")
    fire = next_fire(schedule, datetime(year, 1, 1, tzinfo=UTC), anchor=ANCHOR)
    february = [date(year, 2, 1) + timedelta(days=n) for n in range(29)]
    february = [d for d in february if d.month == 2]
    workdays = [d for d in february if is_workday(d)]

    def nearest(n: int) -> date | None:
        if n > len(february):
            return None
        return min(workdays, key=lambda d: (abs(d.day - n), d.day))

    expected = {
        "29": next((d for d in february if d.day == 29), None),
        "L": february[-1],
        "LW": workdays[-1],
        "28W": nearest(28),
        "29W": nearest(29),
        "1W": nearest(1),
    }[day]
    assert (fire.date() if fire else None) == expected


ANCHOR = datetime(1990, 1, 1, tzinfo=UTC)
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@st.composite
def rates(draw: st.DrawFn) -> tuple[str, int]:
    """A valid rate() text and its period in seconds."""
    unit = draw(st.sampled_from(sorted(UNIT_SECONDS)))
    value = draw(st.integers(1, 400))
    text = f"rate({value} {unit}{'s' if value != 1 else ''})"
    return text, value * UNIT_SECONDS[unit]


@PROPERTY_SETTINGS
@given(
    rate=rates(),
    anchor=instants,
    periods_later=st.integers(-3, 500),
    nudge=st.integers(0, 10**6 - 1),
)
def test_rate_next_fire_matches_counting_periods(
    rate: tuple[str, int], anchor: datetime, periods_later: int, nudge: int
) -> None:
    text, period = rate
    after = anchor + timedelta(seconds=periods_later * period, microseconds=nudge)
    fire = anchor
    while fire <= after:  # walk the periods one by one from the anchor
        fire += timedelta(seconds=period)
    assert next_fire(parse_schedule(text), after, anchor=anchor) == fire
