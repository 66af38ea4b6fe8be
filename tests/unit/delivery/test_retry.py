from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from busway.delivery.retry import (
    DEFAULT_BACKOFF,
    Backoff,
    Complete,
    DeadLetter,
    Exhausted,
    RetryAt,
    expired,
    next_step,
    retry_delay,
)
from busway.delivery.target import Outcome
from busway.model import RetryPolicy

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
FAILED = Outcome.failure("ERROR_FROM_TARGET", "HTTP 503", retryable=True)
DEFAULT = RetryPolicy()


class Fixed:
    """A "random" source that always says the same thing."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def _nominal(retry: int, backoff: Backoff = DEFAULT_BACKOFF) -> float:
    return min(backoff.cap_seconds, backoff.base_seconds * 2.0 ** min(retry - 1, 64))


def test_delays_double_from_the_base_up_to_the_cap() -> None:
    assert [retry_delay(n, DEFAULT_BACKOFF, Fixed(1.0)) for n in (1, 2, 3, 10, 11, 185)] == [
        1.0,
        2.0,
        4.0,
        512.0,
        640.0,
        640.0,
    ]
    # Half of each wait is jitter: the least a wait can be is half the nominal one.
    assert retry_delay(4, DEFAULT_BACKOFF, Fixed(0.0)) == 4.0
    assert retry_delay(10**6, DEFAULT_BACKOFF, Fixed(0.0)) == 320.0


def test_retries_are_numbered_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        retry_delay(0, DEFAULT_BACKOFF, Fixed(0.5))


def test_the_default_policy_spreads_185_retries_over_about_a_day() -> None:
    rng = random.Random(20240102)
    for _ in range(20):
        total = sum(retry_delay(n, DEFAULT_BACKOFF, rng) for n in range(1, 186))
        assert timedelta(hours=22) < timedelta(seconds=total) < timedelta(hours=24)


@given(
    retry=st.integers(min_value=1, max_value=10_000),
    seed=st.integers(min_value=0, max_value=2**32),
    base=st.floats(min_value=0.01, max_value=10),
    cap=st.floats(min_value=10, max_value=10_000),
)
def test_a_delay_lies_between_half_and_all_of_the_nominal_wait(
    retry: int, seed: int, base: float, cap: float
) -> None:
    backoff = Backoff(base, cap)
    delay = retry_delay(retry, backoff, random.Random(seed))
    nominal = _nominal(retry, backoff)
    assert nominal / 2 <= delay <= nominal
    assert delay <= cap


def test_a_delivered_event_is_complete() -> None:
    step = next_step(Outcome.success(), 1, timedelta(0), DEFAULT, NOW, Fixed(0.5))
    assert step == Complete()


def test_a_retryable_failure_is_retried_after_the_backoff() -> None:
    step = next_step(FAILED, 3, timedelta(seconds=5), DEFAULT, NOW, Fixed(1.0))
    assert step == RetryAt(NOW + timedelta(seconds=4))  # the wait before retry 3


def test_a_failure_that_is_not_retryable_is_dead_lettered_at_once() -> None:
    failure = Outcome.failure("NO_RESOURCE", "gone", retryable=False)
    step = next_step(failure, 1, timedelta(0), DEFAULT, NOW, Fixed(0.5))
    assert step == DeadLetter("NO_RESOURCE", "gone", None)


def test_retries_end_after_maximum_retry_attempts() -> None:
    policy = RetryPolicy(maximum_retry_attempts=2)
    assert isinstance(next_step(FAILED, 2, timedelta(0), policy, NOW, Fixed(0.5)), RetryAt)
    step = next_step(FAILED, 3, timedelta(0), policy, NOW, Fixed(0.5))
    assert step == DeadLetter("ERROR_FROM_TARGET", "HTTP 503", Exhausted.MAXIMUM_RETRY_ATTEMPTS)
    no_retries = RetryPolicy(maximum_retry_attempts=0)
    step = next_step(FAILED, 1, timedelta(0), no_retries, NOW, Fixed(0.5))
    assert isinstance(step, DeadLetter)
    assert step.exhausted is Exhausted.MAXIMUM_RETRY_ATTEMPTS


def test_a_retry_past_the_maximum_event_age_is_not_scheduled() -> None:
    policy = RetryPolicy(maximum_event_age_seconds=60)
    age = timedelta(seconds=59)
    assert next_step(FAILED, 1, age, policy, NOW, Fixed(0.0)) == RetryAt(
        NOW + timedelta(seconds=0.5)
    )
    step = next_step(FAILED, 1, age, policy, NOW, Fixed(1.0))  # 59 s + 1 s is not past 60 s
    assert step == RetryAt(NOW + timedelta(seconds=1))
    step = next_step(FAILED, 2, age, policy, NOW, Fixed(1.0))  # 59 s + 2 s is
    assert step == DeadLetter("ERROR_FROM_TARGET", "HTTP 503", Exhausted.MAXIMUM_EVENT_AGE)


def test_retry_after_postpones_a_retry_but_never_hastens_it() -> None:
    later = Outcome.failure("THROTTLING", "429", retryable=True, retry_after_seconds=120)
    assert next_step(later, 1, timedelta(0), DEFAULT, NOW, Fixed(1.0)) == RetryAt(
        NOW + timedelta(seconds=120)
    )
    sooner = Outcome.failure("THROTTLING", "429", retryable=True, retry_after_seconds=0.1)
    assert next_step(sooner, 5, timedelta(0), DEFAULT, NOW, Fixed(1.0)) == RetryAt(
        NOW + timedelta(seconds=16)
    )


def test_a_retry_after_beyond_the_event_age_dead_letters_now() -> None:
    policy = RetryPolicy(maximum_event_age_seconds=600)
    later = Outcome.failure("THROTTLING", "429", retryable=True, retry_after_seconds=3600)
    step = next_step(later, 1, timedelta(0), policy, NOW, Fixed(0.5))
    assert step == DeadLetter("THROTTLING", "429", Exhausted.MAXIMUM_EVENT_AGE)


def test_a_negative_retry_after_stops_retrying() -> None:
    stop = Outcome.failure("ERROR_FROM_TARGET", "503", retryable=True, retry_after_seconds=-1)
    step = next_step(stop, 1, timedelta(0), DEFAULT, NOW, Fixed(0.5))
    assert step == DeadLetter("ERROR_FROM_TARGET", "503", None)


def test_a_failure_without_a_code_or_message_still_names_one() -> None:
    bare = Outcome(delivered=False, retryable=False)
    assert next_step(bare, 1, timedelta(0), DEFAULT, NOW, Fixed(0.5)) == DeadLetter(
        "ERROR_FROM_TARGET", "ERROR_FROM_TARGET", None
    )


@given(
    attempts=st.integers(min_value=1, max_value=400),
    age_s=st.integers(min_value=0, max_value=100_000),
    max_retries=st.integers(min_value=0, max_value=185),
    max_age_s=st.integers(min_value=60, max_value=86_400),
    retry_after=st.none() | st.floats(min_value=-10, max_value=100_000),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_a_scheduled_retry_respects_both_limits_and_the_retry_after(
    attempts: int,
    age_s: int,
    max_retries: int,
    max_age_s: int,
    retry_after: float | None,
    seed: int,
) -> None:
    policy = RetryPolicy(max_retries, max_age_s)
    failure = Outcome.failure("X", "y", retryable=True, retry_after_seconds=retry_after)
    age = timedelta(seconds=age_s)
    step = next_step(failure, attempts, age, policy, NOW, random.Random(seed))
    if isinstance(step, RetryAt):
        wait = step.at - NOW
        assert attempts - 1 < max_retries
        assert age + wait <= timedelta(seconds=max_age_s)
        assert wait >= timedelta(seconds=_nominal(attempts) / 2)
        if retry_after is not None:
            assert retry_after >= 0
            assert wait >= timedelta(seconds=retry_after) - timedelta(microseconds=1)
    else:
        assert isinstance(step, DeadLetter)
        if step.exhausted is None:
            assert retry_after is not None
            assert retry_after < 0


def test_only_a_delivery_that_failed_before_expires_unattempted() -> None:
    policy = RetryPolicy(maximum_event_age_seconds=60)
    assert not expired(0, timedelta(days=3), policy)
    assert not expired(1, timedelta(seconds=59), policy)
    assert expired(1, timedelta(seconds=60), policy)
