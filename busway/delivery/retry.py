"""What happens after an attempt: done, try again at some time, or dead-letter (pure).

EventBridge retries a retryable failure "with exponential back off and jitter" until the target's
``RetryPolicy`` runs out: ``MaximumRetryAttempts`` retries (default 185) or an event older than
``MaximumEventAgeInSeconds`` (default 24 h), whichever comes first (spec 6.4). A non-retryable
failure is dead-lettered at once. AWS does not publish its curve, only that the defaults spread
185 retries over about 24 hours; ``Backoff`` is chosen to do the same.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from busway.delivery.target import Outcome
from busway.model import RetryPolicy

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_RETRY_POLICY",
    "FALLBACK_ERROR_CODE",
    "Backoff",
    "Complete",
    "DeadLetter",
    "Exhausted",
    "RandomSource",
    "RetryAt",
    "Step",
    "expired",
    "next_step",
    "retry_delay",
]

DEFAULT_RETRY_POLICY = RetryPolicy()

# What a failure without a code of its own reports (one of AWS's documented ERROR_CODE values).
FALLBACK_ERROR_CODE = "ERROR_FROM_TARGET"


class RandomSource(Protocol):
    """The part of ``random.Random`` the jitter needs; tests pass a seeded one."""

    def random(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with "equal jitter": retry n waits between half and all of
    ``min(cap, base * 2 ** (n - 1))`` seconds.

    base 1 s: the first retries come within seconds, as AWS's do for a blip. cap 640 s: from
    the 11th retry on the mean wait is 480 s, so with AWS's default policy the 185 retries take
    about 23.5 hours (some 770 s of ramp, then 175 times 480 s), just inside the 24-hour event
    age: both limits of the default policy are reached at about the same time, as AWS describes
    them. Half of each wait is jitter, so retries of many events failing at once spread out
    instead of arriving in bursts, and no wait is shorter than half the nominal one.
    """

    base_seconds: float = 1.0
    cap_seconds: float = 640.0


DEFAULT_BACKOFF = Backoff()

# 2 ** 64 seconds is past any cap; a bound keeps the power from overflowing a float.
_MAX_EXPONENT = 64


def retry_delay(retry: int, backoff: Backoff, rng: RandomSource) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
    if retry < 1:
        raise ValueError(f"retries are numbered from 1, got {retry}")
    exponent = min(retry - 1, _MAX_EXPONENT)
    nominal = min(backoff.cap_seconds, backoff.base_seconds * 2.0**exponent)
    return nominal / 2 + rng.random() * nominal / 2


class Exhausted(enum.StrEnum):
    """The DLQ's ``EXHAUSTED_RETRY_CONDITION``: which limit of the retry policy ended it."""

    MAXIMUM_RETRY_ATTEMPTS = "MaximumRetryAttempts"
    MAXIMUM_EVENT_AGE = "MaximumEventAgeInSeconds"


@dataclass(frozen=True, slots=True)
class Complete:
    """The target acknowledged the event."""


@dataclass(frozen=True, slots=True)
class RetryAt:
    at: datetime


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """No more attempts: to the target's dead-letter queue, or dropped without one."""

    error_code: str
    error_message: str
    exhausted: Exhausted | None  # None: a failure that is never retried


Step = Complete | RetryAt | DeadLetter


def next_step(
    outcome: Outcome,
    attempts: int,
    event_age: timedelta,
    policy: RetryPolicy,
    now: datetime,
    rng: RandomSource,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> Step:
    """The step after an attempt; ``attempts`` counts it and every earlier one.

    A ``Retry-After`` from the target postpones the retry when it is later than the backoff;
    a negative one stops retrying (spec 6.4). A retry that would come after the event's maximum
    age is not scheduled: the event is dead-lettered now rather than after a pointless wait.
    """
    if outcome.delivered:
        return Complete()
    code = outcome.error_code or FALLBACK_ERROR_CODE
    # SQS refuses an empty attribute value, and ERROR_MESSAGE becomes one.
    message = outcome.error_message or code
    retry_after = outcome.retry_after_seconds
    if not outcome.retryable or (retry_after is not None and retry_after < 0):
        return DeadLetter(code, message, None)
    if attempts - 1 >= policy.maximum_retry_attempts:
        return DeadLetter(code, message, Exhausted.MAXIMUM_RETRY_ATTEMPTS)
    delay = retry_delay(attempts, backoff, rng)
    if retry_after is not None:
        delay = max(delay, retry_after)
    wait = timedelta(seconds=delay)
    if event_age + wait > timedelta(seconds=policy.maximum_event_age_seconds):
        return DeadLetter(code, message, Exhausted.MAXIMUM_EVENT_AGE)
    return RetryAt(now + wait)


def expired(attempts: int, event_age: timedelta, policy: RetryPolicy) -> bool:
    """A claimed delivery that must be dead-lettered without another attempt.

    Only one that already failed: an event that waited out its age in the outbox (busway was
    down) still gets its first attempt, as nothing has gone wrong with its target yet.
    """
    return attempts > 0 and event_age >= timedelta(seconds=policy.maximum_event_age_seconds)
