"""next_fire for rule schedules: hand-checked calendar cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from busway.schedule import next_fire, parse_schedule

ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def cron_next(expression: str, after: datetime) -> datetime | None:
    return next_fire(parse_schedule(expression), after, anchor=ANCHOR)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # strictly after, minute resolution
        ("cron(0 12 * * ? *)", utc(2024, 5, 1, 12, 0), utc(2024, 5, 2, 12, 0)),
        ("cron(0 12 * * ? *)", utc(2024, 5, 1, 11, 59, 59), utc(2024, 5, 1, 12, 0)),
        ("cron(* * ? * * *)", utc(2024, 5, 1, 12, 0, 0, 1), utc(2024, 5, 1, 12, 1)),
        ("cron(5,35 14 * * ? *)", utc(2024, 5, 1, 14, 5), utc(2024, 5, 1, 14, 35)),
        # rolling over hour, day, month and year boundaries
        ("cron(0/15 * * * ? *)", utc(2024, 12, 31, 23, 50), utc(2025, 1, 1, 0, 0)),
        ("cron(30 23 31 12 ? *)", utc(2024, 12, 31, 23, 30), utc(2025, 12, 31, 23, 30)),
        # wrapping ranges
        ("cron(0 20-2 ? * * *)", utc(2024, 5, 1, 2, 0), utc(2024, 5, 1, 20, 0)),
        ("cron(0 20-2 ? * * *)", utc(2024, 5, 1, 23, 0), utc(2024, 5, 2, 0, 0)),
        ("cron(50-10/5 * * * ? *)", utc(2024, 5, 1, 9, 10), utc(2024, 5, 1, 9, 50)),
        ("cron(0 0 ? * FRI-MON *)", utc(2024, 5, 6, 0, 0), utc(2024, 5, 10, 0, 0)),
        ("cron(0 0 1 NOV-FEB ? *)", utc(2024, 2, 1, 0, 0), utc(2024, 11, 1, 0, 0)),
        # steps, names
        ("cron(0/5 5 ? JAN 1-5 2022)", utc(2022, 1, 31, 5, 55), None),
        ("cron(0/5 5 ? JAN 1-5 2022)", utc(2021, 6, 1), utc(2022, 1, 2, 5, 0)),  # Sun..Thu
        ("cron(0 0 1 1/3 ? *)", utc(2024, 1, 1), utc(2024, 4, 1)),
        ("cron(0 2 ? * SAT *)", utc(2024, 5, 1), utc(2024, 5, 4, 2, 0)),
        # month lengths: day 31 skips short months, it never rolls over
        ("cron(0 0 31 * ? *)", utc(2024, 1, 31), utc(2024, 3, 31)),
        ("cron(0 0 30 * ? *)", utc(2024, 1, 30), utc(2024, 3, 30)),
        # leap years
        ("cron(0 0 29 2 ? *)", utc(2024, 2, 29), utc(2028, 2, 29)),
        ("cron(0 0 29 FEB ? *)", utc(2097, 1, 1), utc(2104, 2, 29)),  # 2100 is no leap year
        ("cron(0 0 L 2 ? *)", utc(2023, 3, 1), utc(2024, 2, 29)),
        ("cron(0 0 L 2 ? *)", utc(2024, 3, 1), utc(2025, 2, 28)),
        # L and LW
        ("cron(0 0 L * ? *)", utc(2024, 4, 1), utc(2024, 4, 30)),
        ("cron(0 0 LW * ? *)", utc(2024, 8, 1), utc(2024, 8, 30)),  # Aug 31 2024 is a Saturday
        ("cron(0 0 LW * ? *)", utc(2024, 3, 1), utc(2024, 3, 29)),  # Mar 31 2024 is a Sunday
        ("cron(0 0 LW * ? *)", utc(2024, 4, 1), utc(2024, 4, 30)),  # a Tuesday
        # nW: nearest weekday, never leaving the month
        ("cron(0 0 1W * ? *)", utc(2022, 12, 31), utc(2023, 1, 2)),  # Sun 1st -> Mon 2nd
        ("cron(0 0 1W * ? *)", utc(2024, 5, 31), utc(2024, 6, 3)),  # Sat 1st -> Mon 3rd
        ("cron(0 0 15W * ? *)", utc(2024, 6, 1), utc(2024, 6, 14)),  # Sat 15th -> Fri 14th
        ("cron(0 0 16W * ? *)", utc(2024, 6, 1), utc(2024, 6, 17)),  # Sun 16th -> Mon 17th
        ("cron(0 0 30W * ? *)", utc(2024, 6, 1), utc(2024, 6, 28)),  # Sun 30th = last -> Fri
        ("cron(0 0 31W * ? *)", utc(2024, 3, 31), utc(2024, 5, 31)),  # April has no 31st
        ("cron(0 0 31W * ? *)", utc(2024, 8, 1), utc(2024, 8, 30)),  # Sat 31st -> Fri 30th
        ("cron(0 0 10W * ? *)", utc(2024, 6, 10), utc(2024, 7, 10)),
        # nL and L in day-of-week
        ("cron(15 10 ? * 6L *)", utc(2024, 5, 1), utc(2024, 5, 31, 10, 15)),
        ("cron(0 0 ? * 1L *)", utc(2024, 6, 1), utc(2024, 6, 30)),
        ("cron(0 0 ? * L *)", utc(2024, 5, 1), utc(2024, 5, 4)),
        # #: k-th weekday; months without a fifth one are skipped
        ("cron(* * ? * SAT#3 *)", utc(2024, 5, 1), utc(2024, 5, 18, 0, 0)),
        ("cron(* * ? * SAT#3 *)", utc(2024, 5, 18, 23, 59), utc(2024, 6, 15, 0, 0)),
        ("cron(0 0 ? * 3#2 *)", utc(2024, 5, 1), utc(2024, 5, 14)),
        ("cron(0 0 ? * 5#5 *)", utc(2024, 6, 1), utc(2024, 8, 29)),  # June, July: 4 Thursdays
        ("cron(0 0 ? 2 1#5 *)", utc(2020, 3, 1), utc(2032, 2, 29)),
        # year field
        ("cron(15 10 ? * 6L 2002-2005)", utc(2024, 1, 1), None),
        ("cron(15 10 ? * 6L 2002-2005)", utc(2005, 12, 30, 10, 15), None),
        ("cron(15 10 ? * 6L 2002-2005)", utc(2005, 12, 1), utc(2005, 12, 30, 10, 15)),
        ("cron(0 0 1 1 ? 2030,2040)", utc(2030, 1, 1), utc(2040, 1, 1)),
        ("cron(0 0 1 1 ? 2020/10)", utc(2024, 1, 1), utc(2030, 1, 1)),
        ("cron(59 23 31 12 ? *)", utc(2199, 12, 31, 23, 59), None),
        ("cron(* * * * ? */5)", utc(2196, 2, 20), None),  # after 2195, the next step is past 2199
        ("cron(0 0 30 2 ? *)", utc(2024, 1, 1), None),  # never: February has no 30th
    ],
)
def test_cron_next_fire(expression: str, after: datetime, expected: datetime | None) -> None:
    assert cron_next(expression, after) == expected


def test_cron_accepts_any_aware_after_and_answers_in_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    fire = cron_next("cron(0 12 * * ? *)", datetime(2024, 5, 1, 13, 30, tzinfo=plus_two))
    assert fire == utc(2024, 5, 1, 12, 0)
    assert fire is not None
    assert fire.tzinfo is UTC


def test_naive_after_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="after must be a timezone-aware"):
        cron_next("cron(0 12 * * ? *)", datetime(2024, 5, 1))


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("rate(5 minutes)", ANCHOR, ANCHOR + timedelta(minutes=5)),
        (
            "rate(5 minutes)",
            ANCHOR + timedelta(minutes=4, seconds=59),
            ANCHOR + timedelta(minutes=5),
        ),
        ("rate(5 minutes)", ANCHOR + timedelta(minutes=5), ANCHOR + timedelta(minutes=10)),
        ("rate(1 hour)", ANCHOR + timedelta(hours=100, seconds=1), ANCHOR + timedelta(hours=101)),
        ("rate(1 day)", ANCHOR + timedelta(days=366), ANCHOR + timedelta(days=367)),
        ("rate(7 days)", ANCHOR - timedelta(days=3), ANCHOR),
    ],
)
def test_rate_counts_periods_from_the_anchor(
    expression: str, after: datetime, expected: datetime
) -> None:
    assert next_fire(parse_schedule(expression), after, anchor=ANCHOR) == expected


def test_rate_keeps_the_anchor_seconds() -> None:
    anchor = utc(2024, 5, 1, 10, 0, 17)
    fire = next_fire(parse_schedule("rate(1 minute)"), anchor, anchor=anchor)
    assert fire == utc(2024, 5, 1, 10, 1, 17)


def test_rate_past_the_end_of_time_is_none() -> None:
    schedule = parse_schedule("rate(2147483647 days)")
    assert next_fire(schedule, utc(2024, 1, 1), anchor=utc(2024, 1, 1)) is None


def test_cron_ignores_the_anchor() -> None:
    schedule = parse_schedule("cron(0 12 * * ? *)")
    after = utc(2024, 5, 1)
    assert next_fire(schedule, after, anchor=after) == next_fire(schedule, after, anchor=ANCHOR)


def test_thousands_of_rules_are_cheap() -> None:
    expressions = [
        "cron(0 0 ? 2 1#5 *)",
        "cron(0 0 30 2 ? *)",
        "cron(59 23 LW 12 ? 2199)",
        "cron(0/7 3-5 15W * ? *)",
        "cron(15 10 ? * 6L *)",
    ]
    schedules = [parse_schedule(expression) for expression in expressions] * 1000
    after = utc(2024, 1, 1)
    for schedule in schedules:
        next_fire(schedule, after, anchor=after)
