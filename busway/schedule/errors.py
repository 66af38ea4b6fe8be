"""The one error this package raises, with AWS's texts for it."""

from __future__ import annotations

__all__ = [
    "RULE_SCHEDULE_INVALID",
    "InvalidSchedule",
    "invalid_scheduler_expression",
    "invalid_scheduler_timezone",
]

# PutRule answers every malformed expression with this single text (spec 5.1, recorded [V]).
RULE_SCHEDULE_INVALID = "Parameter ScheduleExpression is not valid."


def invalid_scheduler_expression(expression: str) -> str:
    # Spec 5.2 records no text; this is the wording reported from live AWS and used by
    # LocalStack (low confidence).
    return f"Invalid Schedule Expression {expression}."


def invalid_scheduler_timezone(timezone: str) -> str:
    # Not recorded anywhere we could find; shaped like the expression message.
    return f"Invalid ScheduleExpressionTimezone {timezone}."


class InvalidSchedule(ValueError):
    """A schedule expression (or its timezone) that AWS would reject."""

    code = "ValidationException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
