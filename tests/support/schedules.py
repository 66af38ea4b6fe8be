"""PutRule ScheduleExpression examples shared by the API unit tests and the boto3 e2e tests."""

from __future__ import annotations

# Spec 5.1's recorded examples first, then more of the dialect.
VALID_SCHEDULES = [
    "cron(0 2 ? * SAT *)",
    "cron(5,35 14 * * ? *)",
    "cron(* * ? * SAT#3 *)",
    "cron(0/5 5 ? JAN 1-5 2022)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0/30 0-2 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(15 10 ? * 6L 2002-2005)",
    "cron(0 0 * * ? *)",
    "cron(0 0 L * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(0 9 15W * ? *)",
    "cron(0 20-2 ? * * *)",
    "cron(0 0 29 2 ? *)",
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
]

INVALID_SCHEDULES = [
    "cron(0 1 * * * *)",
    "cron(0 1 ? * ? *)",
    "cron(71 * * * ? *)",
    "cron(0 0 ? * NOT *)",
    "cron(dummy)",
    "cron(0 0 * * ?)",
    "cron(0 0 ? * 3#1,6#3 *)",
    "cron(0 0 ? * 8L *)",
    "cron(0 0 32W * ? *)",
    "cron(0 0 1 1 ? 2200)",
    "rate(0 minutes)",
    "rate(-1 minutes)",
    "rate(1 hours)",
    "rate(10 minute)",
    "rate(10 seconds)",
    "rate(1 year)",
    "rate(10 MINUTES)",
    "rate( 10 minutes )",
    " rate(10 minutes)",
    "rate(10)",
    "at(2024-01-01T00:00:00)",
    "daily",
    "",
]
