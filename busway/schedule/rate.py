"""`rate(<value> <unit>)`: a fixed period counted from an anchor instant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from busway.schedule.errors import RULE_SCHEDULE_INVALID, InvalidSchedule
from busway.schedule.instants import require_aware

__all__ = ["RateSchedule", "parse_rate"]

# Exact grammar: one space, lower-case unit, nothing else (spec 5.1, recorded [V]).
_RATE = re.compile(r"rate\((\d+) (minutes?|hours?|days?)\)", re.ASCII)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
# Spec is silent on an upper bound; we assume AWS reads the value as a Java int.
_MAX_VALUE = 2**31 - 1
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class RateSchedule:
    """Fires at `anchor + k * period` for k = 0, 1, 2, ..."""

    expression: str
    value: int
    unit: str  # singular: "minute", "hour" or "day"

    @property
    def period_seconds(self) -> int:
        return self.value * _UNIT_SECONDS[self.unit]

    def next_fire(self, after: datetime, anchor: datetime) -> datetime | None:
        """The first `anchor + k * period` strictly after `after`; None past `datetime.max`."""
        require_aware(after, "after")
        require_aware(anchor, "anchor")
        if after < anchor:
            return anchor
        # Integer arithmetic: a long period (e.g. 2**31-1 days) does not fit in a timedelta.
        elapsed_periods = (after - anchor) // _SECOND // self.period_seconds
        try:
            return anchor + timedelta(seconds=(elapsed_periods + 1) * self.period_seconds)
        except OverflowError:
            return None


def parse_rate(expression: str, *, plural_agrees: bool = True) -> RateSchedule:
    """A rule's rate, whose unit is singular exactly when the value is 1 (spec 5.1, [V]); with
    ``plural_agrees=False``, EventBridge Scheduler's, which takes either form of the unit
    whatever the value (AWS accepted ``rate(2 minute)`` in LocalStack's AWS-validated
    ``test_update_schedule``)."""
    match = _RATE.fullmatch(expression)
    if match is None:
        raise InvalidSchedule(RULE_SCHEDULE_INVALID)
    value = int(match.group(1))
    unit = match.group(2)
    plural = unit.endswith("s")
    if not 1 <= value <= _MAX_VALUE or (plural_agrees and plural != (value != 1)):
        raise InvalidSchedule(RULE_SCHEDULE_INVALID)
    return RateSchedule(expression=expression, value=value, unit=unit.removesuffix("s"))
