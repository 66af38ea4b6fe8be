"""Which expressions AWS accepts, and the exact texts of its refusals."""

from __future__ import annotations

import pytest

from busway.schedule import (
    RULE_SCHEDULE_INVALID,
    CronSchedule,
    InvalidSchedule,
    RateSchedule,
    parse_schedule,
    parse_scheduler_expression,
)

VALID_RATES = [
    ("rate(1 minute)", 1, "minute"),
    ("rate(5 minutes)", 5, "minute"),
    ("rate(1 hour)", 1, "hour"),
    ("rate(12 hours)", 12, "hour"),
    ("rate(1 day)", 1, "day"),
    ("rate(7 days)", 7, "day"),
    ("rate(01 minute)", 1, "minute"),
    ("rate(2147483647 days)", 2147483647, "day"),
]

INVALID_RATES = [
    "rate(0 minutes)",
    "rate(0 minute)",
    "rate(-1 minutes)",
    "rate(-5 minutes)",
    "rate(five minutes)",
    "rate(1.5 hours)",
    "rate(10 seconds)",
    "rate(1 second)",
    "rate(1 year)",
    "rate(2 weeks)",
    "rate(10 MINUTES)",
    "rate(1 Minute)",
    "RATE(10 minutes)",
    "rate(10)",
    "rate(minutes)",
    "rate()",
    "rate",
    "rate(10 minutes",
    "rate( 10 minutes )",
    "rate(10  minutes)",
    " rate(10 minutes)",
    "rate(10 minutes) ",
    "rate(10\tminutes)",
    "rate(5 minutes daily)",
    "rate(2147483648 minutes)",
    "rate(\uff15 minutes)",  # a full-width digit is a digit to str.isdigit, not to AWS
]

# A unit whose number disagrees with the value: rules refuse it (spec 5.1, [V]); EventBridge
# Scheduler takes it (AWS stored rate(2 minute) in LocalStack's AWS-validated
# test_update_schedule).
PLURAL_DISAGREES = [
    ("rate(1 hours)", 1, "hour"),
    ("rate(10 minute)", 10, "minute"),
    ("rate(2 day)", 2, "day"),
    ("rate(1 days)", 1, "day"),
]

# Spec 5.1's recorded valid examples first, then the documented dialect's corners.
VALID_CRONS = [
    "cron(0 2 ? * SAT *)",
    "cron(5,35 14 * * ? *)",
    "cron(* * ? * SAT#3 *)",
    "cron(0/5 5 ? JAN 1-5 2022)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0/30 0-2 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(15 10 ? * 6L 2002-2005)",
    "cron(0 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 10 * * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(*/15 * * * ? *)",
    "cron(0 20-2 ? * * *)",
    "cron(0 0 L * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(0 0 15W * ? *)",
    "cron(0 0 1W * ? *)",
    "cron(0 0 ? * 3#2 *)",
    "cron(0 0 ? * 1#5 *)",
    "cron(0 0 ? * L *)",
    "cron(0 0 ? * FRIL *)",
    "cron(0 0 ? * FRI-MON *)",
    "cron(0 0 ? NOV-FEB MON *)",
    "cron(0 0 1 JAN,JUL ? *)",
    "cron(0 0 1 1/3 ? *)",
    "cron(0 0 ? * 1,7 2020/5)",
    "cron(0 0 1 1 ? 1970)",
    "cron(0 0 1 1 ? 2199)",
    "cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)",
    "cron(30-30 13-13 ? * 2,4,6 *)",
    "cron(1-31/30 1-1 ? * 1,7 *)",
    "cron(50-10/5 * * * ? *)",
    "cron(0 0 28-3 * ? *)",
    "cron(0 0 ? * mon-fri *)",
    "cron(0 0 ? jan sat#1 *)",
    "cron(0 0 lw * ? *)",
    "cron(0/60 * * * ? *)",
    "cron(00 09 * * ? *)",
]

INVALID_CRONS = [
    "cron(0 1 * * * *)",  # recorded [V]: neither day field is `?`
    "cron(7 20 * * 1-7 *)",
    "cron(0 1 ? * ? *)",
    "cron(0 0 1 * MON *)",
    "cron(0 0 ? * 3#1,6#3 *)",  # spec: only a single expression with `#`
    "cron(71 * * * ? *)",
    "cron(0 24 * * ? *)",
    "cron(0 0 32 * ? *)",
    "cron(0 0 0 * ? *)",
    "cron(0 0 1 13 ? *)",
    "cron(0 0 1 0 ? *)",
    "cron(0 0 ? * 8 *)",
    "cron(0 0 ? * 0 *)",
    "cron(0 0 1 1 ? 1969)",
    "cron(0 0 1 1 ? 2200)",
    "cron(0 0 ? NOT * *)",
    "cron(0 0 ? * NOT *)",
    "cron(dummy)",
    "cron(0 0 ? * dummy *)",
    "cron(0 0 * * ?)",  # five fields
    "cron(0 0 * * ? * *)",  # seven fields
    "cron(* * * * *)",
    "cron()",
    "cron",
    "CRON(0 0 * * ? *)",
    " cron(0 0 * * ? *)",
    "cron(0 0 * * ? *) ",
    "cron( 0 0 * * ? *)",
    "cron(0 0 * * ? * )",
    "cron(0  0 * * ? *)",
    "cron(0\t0 * * ? *)",
    "cron(0/5, 9-18, ?, *, MON-FRI, *)",
    "cron(15 12 ? * -1 *)",
    "cron(0/0 * * * ? *)",
    "cron(0/61 * * * ? *)",
    "cron(0 0 ? * 1/2 *)",  # day-of-week takes no `/`
    "cron(0 0 ? * 3#0 *)",
    "cron(0 0 ? * 3#6 *)",
    "cron(0 0 ? * #2 *)",
    "cron(0 0 ? * 9#2 *)",
    "cron(0 0 ? * 8L *)",
    "cron(0 0 ? * 1,6L *)",
    "cron(0 0 L-2 * ? *)",
    "cron(0 0 1,L * ? *)",
    "cron(0 0 W * ? *)",
    "cron(0 0 32W * ? *)",
    "cron(0 0 0W * ? *)",
    "cron(0 0 1-5W * ? *)",
    "cron(0 0 1 * L *)",
    "cron(0 0 ? * * 2005-2002)",  # a year range cannot wrap
    "cron(0 0 1 1 ? */0)",
    "cron(1- * * * ? *)",
    "cron(-1 * * * ? *)",
    "cron(1-2-3 * * * ? *)",
    "cron(, * * * ? *)",
    "cron(1,,2 * * * ? *)",
    "cron(? * * * ? *)",
    "cron(0 0 ?,1 * ? *)",
    "cron(L * 1 * ? *)",
    "cron(0 0 1 * ? 20x0)",
    "cron(\uff11 0 1 * ? *)",
]

NEITHER = ["", " ", "daily", "rate(5 minutes)x", "cron(0 0 * * ? *)x"]
SCHEDULER_ONLY = ["at(2024-01-01T00:00:00)"]


@pytest.mark.parametrize(("expression", "value", "unit"), VALID_RATES)
def test_valid_rate(expression: str, value: int, unit: str) -> None:
    schedule = parse_schedule(expression)
    assert schedule == RateSchedule(expression=expression, value=value, unit=unit)


@pytest.mark.parametrize("expression", VALID_CRONS)
def test_valid_cron(expression: str) -> None:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, CronSchedule)
    assert schedule.expression == expression


RULE_INVALID = INVALID_RATES + [r[0] for r in PLURAL_DISAGREES] + INVALID_CRONS + NEITHER


@pytest.mark.parametrize("expression", RULE_INVALID + SCHEDULER_ONLY)
def test_invalid_rule_schedule_has_put_rule_text(expression: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        parse_schedule(expression)
    assert caught.value.message == "Parameter ScheduleExpression is not valid."
    assert caught.value.message == RULE_SCHEDULE_INVALID
    assert str(caught.value) == RULE_SCHEDULE_INVALID
    assert caught.value.code == "ValidationException"


VALID_AT = [
    "at(2022-11-20T13:00:00)",
    "at(2024-02-29T00:00:00)",
    "at(2030-12-31T23:59:59)",
    "at(1999-01-01T00:00:30)",
]

INVALID_AT = [
    "at(2023-02-29T00:00:00)",
    "at(2024-13-01T00:00:00)",
    "at(2024-04-31T00:00:00)",
    "at(2024-01-01T24:00:00)",
    "at(2024-01-01T00:60:00)",
    "at(2024-01-01T00:00:60)",
    "at(2024-01-01 00:00:00)",
    "at(2024-01-01T00:00)",
    "at(2024-01-01T00:00:00Z)",
    "at(2024-01-01T00:00:00+01:00)",
    "at(2024-01-01)",
    "at(24-01-01T00:00:00)",
    "at( 2024-01-01T00:00:00)",
    "at()",
    "AT(2024-01-01T00:00:00)",
]


@pytest.mark.parametrize("expression", VALID_AT + VALID_CRONS + [r[0] for r in VALID_RATES])
def test_scheduler_accepts(expression: str) -> None:
    parsed = parse_scheduler_expression(expression, "Europe/Berlin")
    assert parsed.expression.expression == expression
    assert parsed.timezone.key == "Europe/Berlin"


@pytest.mark.parametrize("expression", INVALID_AT + INVALID_RATES + INVALID_CRONS + NEITHER)
def test_scheduler_rejects_with_its_own_text(expression: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        parse_scheduler_expression(expression)
    assert caught.value.message == f"Invalid Schedule Expression {expression}."
    assert caught.value.code == "ValidationException"


@pytest.mark.parametrize(("expression", "value", "unit"), PLURAL_DISAGREES)
def test_scheduler_takes_either_number_of_the_unit(expression: str, value: int, unit: str) -> None:
    parsed = parse_scheduler_expression(expression)
    assert parsed.expression == RateSchedule(expression=expression, value=value, unit=unit)


def test_scheduler_timezone_defaults_to_utc() -> None:
    assert parse_scheduler_expression("rate(1 hour)").timezone.key == "UTC"


@pytest.mark.parametrize(
    "timezone", ["UTC", "Etc/UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
)
def test_scheduler_accepts_iana_timezones(timezone: str) -> None:
    assert parse_scheduler_expression("rate(1 hour)", timezone).timezone.key == timezone


@pytest.mark.parametrize(
    "timezone",
    ["", "Nowhere/City", "Europe", "europe/berlin ", "/etc/passwd", "../etc/passwd", "Mars\x00"],
)
def test_scheduler_rejects_unknown_timezones(timezone: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        parse_scheduler_expression("rate(1 hour)", timezone)
    assert caught.value.message == f"Invalid ScheduleExpressionTimezone {timezone}."


def test_scheduler_bounds_must_be_aware() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="start_date must be a timezone-aware"):
        parse_scheduler_expression("rate(1 hour)", start_date=datetime(2024, 1, 1))
