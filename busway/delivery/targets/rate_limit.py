"""Per-destination invocation rate limits: a token bucket that delays rather than refuses.

AWS's ``InvocationRateLimitPerSecond`` throttles deliveries without failing them. Each call
reserves the next free slot; a caller whose slot is further away than ``max_wait`` reserves
nothing and is told how long to come back after, so waiting stays bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["RateLimiter"]


@dataclass(slots=True)
class _Bucket:
    rate: float
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        *,
        max_wait: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._max_wait = max_wait
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: dict[str, _Bucket] = {}

    def reserve(self, key: str, rate: int) -> float | None:
        """Take a slot for ``key``: the seconds to wait before using it, or None when the wait
        would exceed ``max_wait`` (nothing is taken then). A burst of up to ``rate`` calls is
        let through at once, as a full bucket holds one second's worth."""
        now = self._monotonic()
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate:  # new, or its destination's rate changed
            bucket = self._buckets[key] = _Bucket(float(rate), float(rate), now)
        bucket.tokens = min(bucket.rate, bucket.tokens + (now - bucket.updated) * bucket.rate)
        bucket.updated = now
        wait = max(0.0, (1.0 - bucket.tokens) / bucket.rate)
        if wait > self._max_wait:
            return None
        bucket.tokens -= 1.0  # may go negative: later callers queue behind this one
        return wait

    async def acquire(self, key: str, rate: int) -> float | None:
        """Wait for a slot; None (without waiting) when it is more than ``max_wait`` away, with
        the wait it would have taken available from ``retry_after``."""
        wait = self.reserve(key, rate)
        if wait is not None and wait > 0:
            await self._sleep(wait)
        return wait

    def retry_after(self, key: str) -> float:
        """How long until ``key`` has a free slot again."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        now = self._monotonic()
        tokens = bucket.tokens + (now - bucket.updated) * bucket.rate
        return max(0.0, (1.0 - tokens) / bucket.rate)
