"""The per-destination rate limit: counted with a fake clock, never measured on the wall clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from busway.delivery.target import Outcome
from busway.delivery.targets.api_destination import ApiDestinationTarget, retry_after_seconds
from busway.delivery.targets.rate_limit import RateLimiter
from busway.endpoints import endpoint_refusal
from tests.unit.delivery_http.conftest import (
    Endpoint,
    connection,
    deliver,
    destination,
    invocation,
    prepared_store,
)


class FakeTime:
    """A monotonic clock that only sleeping moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_burst_of_rate_passes_then_callers_queue_at_the_rate() -> None:
    time = FakeTime()
    limiter = RateLimiter(max_wait=10, monotonic=time.monotonic, sleep=time.sleep)
    waits = [limiter.reserve("d", 2) for _ in range(6)]
    assert waits == [0.0, 0.0, 0.5, 1.0, 1.5, 2.0]


def test_waits_beyond_the_bound_take_no_slot() -> None:
    time = FakeTime()
    limiter = RateLimiter(max_wait=1.0, monotonic=time.monotonic, sleep=time.sleep)
    assert [limiter.reserve("d", 1) for _ in range(3)] == [0.0, 1.0, None]
    assert limiter.retry_after("d") == 2.0
    time.now += 2.0
    assert limiter.reserve("d", 1) == 0.0  # the refused caller took nothing
    assert limiter.reserve("other", 1) == 0.0  # each destination has its own bucket


def test_a_changed_rate_starts_a_fresh_bucket() -> None:
    time = FakeTime()
    limiter = RateLimiter(monotonic=time.monotonic, sleep=time.sleep)
    assert [limiter.reserve("d", 1) for _ in range(2)] == [0.0, 1.0]
    assert limiter.reserve("d", 5) == 0.0


def test_sequential_deliveries_are_paced_at_the_rate(endpoint: Endpoint) -> None:
    time = FakeTime()
    limiter = RateLimiter(max_wait=1.0, monotonic=time.monotonic, sleep=time.sleep)
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn, rate_limit_per_second=2)
    outcomes, _ = deliver([conn, dest], [invocation(dest.arn)] * 6, rate_limiter=limiter)
    assert all(outcome.delivered for outcome in outcomes)
    assert len(endpoint.seen) == 6
    assert time.slept == [0.5] * 4  # a burst of 2, then one every half second


def test_concurrent_deliveries_wait_a_bounded_time_then_are_throttled(endpoint: Endpoint) -> None:
    time = FakeTime()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:  # the clock stands still: all arrive at once
        slept.append(seconds)

    limiter = RateLimiter(max_wait=1.0, monotonic=time.monotonic, sleep=sleep)
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn, rate_limit_per_second=2)

    async def main() -> list[Outcome]:
        target = ApiDestinationTarget(await prepared_store([conn, dest]), rate_limiter=limiter)
        try:
            return await asyncio.gather(*(target.invoke(invocation(dest.arn)) for _ in range(6)))
        finally:
            await target.close()

    outcomes = asyncio.run(main())
    assert [outcome.delivered for outcome in outcomes] == [True] * 4 + [False] * 2
    assert len(endpoint.seen) == 4
    assert sorted(slept) == [0.5, 1.0]
    for outcome in outcomes[4:]:
        assert (outcome.retryable, outcome.error_code) == (True, "THROTTLING")
        assert outcome.error_message == "The invocation rate limit of 2 per second was reached."
        assert outcome.retry_after_seconds is not None
        assert outcome.retry_after_seconds > 1.0


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds(" -1 ", now) == -1.0
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(later, now) == 30.0
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(earlier, now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_endpoint_rules() -> None:
    assert endpoint_refusal("https://hooks.example.com/x", allow_http=False) is None
    assert endpoint_refusal("http://127.0.0.1:8080/x", allow_http=False) is None
    assert endpoint_refusal("http://hooks.example.com/x", allow_http=True) is None
    assert endpoint_refusal("http://hooks.example.com/x", allow_http=False) is not None
    assert endpoint_refusal("https:///no-host", allow_http=True) is not None
    assert endpoint_refusal("ftp://hooks.example.com/x", allow_http=True) is not None


def test_the_limiter_waits_without_blocking_the_loop() -> None:
    limiter = RateLimiter(max_wait=1.0)

    async def main() -> list[float | None]:
        return [await limiter.acquire("d", 300) for _ in range(3)]

    assert asyncio.run(main()) == [0.0, 0.0, 0.0]
