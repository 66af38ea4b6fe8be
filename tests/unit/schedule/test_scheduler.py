"""EventBridge Scheduler: at(), timezones, DST skips and repeats, StartDate/EndDate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from busway.schedule import AtSchedule, SchedulerSchedule, parse_scheduler_expression

CREATED = datetime(2020, 1, 1, tzinfo=UTC)
NEW_YORK = "America/New_York"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def fire_after(expression: str, timezone: str, after: datetime) -> datetime | None:
    schedule = parse_scheduler_expression(expression, timezone)
    return schedule.next_fire(after, created_at=CREATED)


# Europe/Berlin 2024: 02:00 CET jumps to 03:00 CEST on 31 Mar (01:00 UTC); 03:00 CEST falls
# back to 02:00 CET on 27 Oct (01:00 UTC), so 02:00-02:59 happens twice.
# America/New_York 2024: 02:00 -> 03:00 on 10 Mar (07:00 UTC); 02:00 EDT -> 01:00 EST on
# 3 Nov (06:00 UTC), so 01:00-01:59 happens twice.
@pytest.mark.parametrize(
    ("expression", "timezone", "after", "expected"),
    [
        # a cron time inside the spring-forward gap is skipped, not moved
        ("cron(30 2 * * ? *)", "Europe/Berlin", utc(2024, 3, 30, 2), utc(2024, 4, 1, 0, 30)),
        ("cron(30 2 * * ? *)", "Europe/Berlin", utc(2024, 3, 29, 2), utc(2024, 3, 30, 1, 30)),
        ("cron(0 * * * ? *)", "America/New_York", utc(2024, 3, 10, 6, 30), utc(2024, 3, 10, 7)),
        ("cron(30 2 10 3 ? 2024)", "America/New_York", utc(2024, 1, 1), None),
        # a repeated local time runs once, at its first occurrence
        ("cron(30 2 * * ? *)", "Europe/Berlin", utc(2024, 10, 26, 2), utc(2024, 10, 27, 0, 30)),
        ("cron(30 2 * * ? *)", "Europe/Berlin", utc(2024, 10, 27, 0, 30), utc(2024, 10, 28, 1, 30)),
        ("cron(0/30 * * * ? *)", "Europe/Berlin", utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 2)),
        ("cron(0/30 * * * ? *)", "Europe/Berlin", utc(2024, 10, 27, 1, 10), utc(2024, 10, 27, 2)),
        ("cron(30 1 * * ? *)", "America/New_York", utc(2024, 11, 3, 5), utc(2024, 11, 3, 5, 30)),
        (
            "cron(30 1 * * ? *)",
            "America/New_York",
            utc(2024, 11, 3, 5, 30),
            utc(2024, 11, 4, 6, 30),
        ),
        # wall-clock times keep their local hour across the change
        ("cron(0 9 * * ? *)", "America/New_York", utc(2024, 3, 9, 15), utc(2024, 3, 10, 13)),
        ("cron(0 9 * * ? *)", "America/New_York", utc(2024, 3, 8, 15), utc(2024, 3, 9, 14)),
        # fractional offsets and the local date line
        ("cron(0 0 * * ? *)", "Asia/Kolkata", utc(2024, 5, 1, 12), utc(2024, 5, 1, 18, 30)),
        ("cron(0 0 1 * ? *)", "Pacific/Auckland", utc(2024, 5, 1), utc(2024, 5, 31, 12)),
        # day-of-week and L are local too
        ("cron(0 1 ? * MON *)", "Asia/Tokyo", utc(2024, 5, 1), utc(2024, 5, 5, 16)),
        ("cron(0 0 L * ? *)", "America/Los_Angeles", utc(2024, 2, 1), utc(2024, 2, 29, 8)),
        # rates ignore the timezone: a day is 24 hours, even across DST
        ("rate(1 day)", "Europe/Berlin", utc(2024, 3, 30, 12), utc(2024, 3, 31, 0)),
    ],
)
def test_local_cron_and_dst(
    expression: str, timezone: str, after: datetime, expected: datetime | None
) -> None:
    assert fire_after(expression, timezone, after) == expected


def test_daily_rate_drifts_against_the_wall_clock_across_dst() -> None:
    schedule = parse_scheduler_expression("rate(1 day)", "Europe/Berlin")
    created = utc(2024, 3, 30, 11)  # 12:00 CET
    fire = schedule.next_fire(created, created_at=created)
    assert fire == utc(2024, 3, 31, 11)  # 13:00 CEST


@pytest.mark.parametrize(
    ("expression", "timezone", "expected"),
    [
        ("at(2024-06-01T12:00:00)", "UTC", utc(2024, 6, 1, 12)),
        ("at(2024-06-01T12:00:00)", "Europe/Berlin", utc(2024, 6, 1, 10)),
        ("at(2024-06-01T12:00:30)", "America/New_York", utc(2024, 6, 1, 16, 0, 30)),
        # in the gap: read with the offset before the jump, i.e. 03:30 CEST
        ("at(2024-03-31T02:30:00)", "Europe/Berlin", utc(2024, 3, 31, 1, 30)),
        # in the repeated hour: the first occurrence
        ("at(2024-10-27T02:30:00)", "Europe/Berlin", utc(2024, 10, 27, 0, 30)),
    ],
)
def test_at_fires_once_at_local_time(expression: str, timezone: str, expected: datetime) -> None:
    schedule = parse_scheduler_expression(expression, timezone)
    assert isinstance(schedule.expression, AtSchedule)
    assert schedule.next_fire(expected - timedelta(seconds=1), created_at=CREATED) == expected
    assert schedule.next_fire(expected, created_at=CREATED) is None


def test_at_ignores_start_and_end_dates() -> None:
    schedule = parse_scheduler_expression(
        "at(2024-06-01T12:00:00)", start_date=utc(2025, 1, 1), end_date=utc(2025, 2, 1)
    )
    assert schedule.first_fire(utc(2024, 1, 1)) == utc(2024, 6, 1, 12)


def test_at_in_the_past_never_fires() -> None:
    schedule = parse_scheduler_expression("at(2020-06-01T12:00:00)")
    assert schedule.first_fire(utc(2024, 1, 1)) is None


def test_rate_without_start_date_starts_immediately() -> None:
    schedule = parse_scheduler_expression("rate(5 minutes)")
    created = utc(2024, 5, 1, 10, 0, 17)
    assert schedule.first_fire(created) == created
    assert schedule.next_fire(created, created_at=created) == created + timedelta(minutes=5)


def test_rate_counts_from_start_date() -> None:
    start = utc(2024, 5, 1, 10)
    schedule = parse_scheduler_expression("rate(1 hour)", start_date=start)
    assert schedule.first_fire(utc(2024, 4, 1)) == start
    assert schedule.next_fire(start, created_at=utc(2024, 4, 1)) == utc(2024, 5, 1, 11)
    # created after the start date: still on the start date's grid
    assert schedule.first_fire(utc(2024, 5, 1, 12, 30)) == utc(2024, 5, 1, 13)


def test_cron_waits_for_start_date_and_includes_it() -> None:
    schedule = parse_scheduler_expression("cron(0 * * * ? *)", start_date=utc(2024, 5, 1, 10))
    assert schedule.next_fire(utc(2024, 1, 1), created_at=CREATED) == utc(2024, 5, 1, 10)


def test_end_date_is_exclusive() -> None:
    schedule = parse_scheduler_expression("cron(0 * * * ? *)", end_date=utc(2024, 5, 1, 12))
    assert schedule.next_fire(utc(2024, 5, 1, 10, 30), created_at=CREATED) == utc(2024, 5, 1, 11)
    assert schedule.next_fire(utc(2024, 5, 1, 11), created_at=CREATED) is None


def test_end_before_start_never_fires() -> None:
    schedule = parse_scheduler_expression(
        "rate(1 minute)", start_date=utc(2024, 5, 2), end_date=utc(2024, 5, 1)
    )
    assert schedule.first_fire(utc(2024, 4, 1)) is None


def test_cron_first_fire_includes_the_creation_minute() -> None:
    schedule = parse_scheduler_expression("cron(0 10 * * ? *)")
    assert schedule.first_fire(utc(2024, 5, 1, 10)) == utc(2024, 5, 1, 10)
    assert schedule.first_fire(utc(2024, 5, 1, 10, 0, 1)) == utc(2024, 5, 2, 10)


def test_cron_never_existing_local_time_ends_with_none() -> None:
    # Last Sunday of March, 02:30 in Berlin: always inside the spring-forward gap.
    schedule = parse_scheduler_expression("cron(30 2 ? 3 1L *)", "Europe/Berlin")
    assert schedule.next_fire(utc(2024, 1, 1), created_at=CREATED) is None


def test_schedule_is_a_plain_value() -> None:
    schedule = parse_scheduler_expression("rate(1 hour)", "UTC")
    assert schedule == parse_scheduler_expression("rate(1 hour)", "UTC")
    assert isinstance(schedule, SchedulerSchedule)
