"""Long polling: receivers wait on their queue until a send (or a timer) wakes them.

One ``asyncio.Event`` per queue with waiters; a wake sets it and drops it, so the next waiters
get a fresh one. The number of waiting receivers is capped: past the cap a long poll is answered
as a short one. ``close`` wakes everybody and makes later waits return at once (shutdown).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Hashable

__all__ = ["QueueWaiters"]


class QueueWaiters:
    def __init__(self, *, max_waiters: int = 10_000) -> None:
        self._events: dict[Hashable, asyncio.Event] = {}
        self._waiting = 0
        self._max_waiters = max_waiters
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def can_wait(self) -> bool:
        return not self._closed and self._waiting < self._max_waiters

    def watch(self, key: Hashable) -> asyncio.Event:
        """The event the next ``wake(key)`` sets: take it *before* looking at the queue, so a
        send that lands between the look and the wait is not missed."""
        return self._events.setdefault(key, asyncio.Event())

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        """Return when ``event`` is set or after ``seconds``, whichever comes first."""
        if seconds <= 0 or not self.can_wait():
            return
        self._waiting += 1
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await event.wait()
        finally:
            self._waiting -= 1

    def wake(self, key: Hashable) -> None:
        event = self._events.pop(key, None)
        if event is not None:
            event.set()

    def close(self) -> None:
        self._closed = True
        for key in list(self._events):
            self.wake(key)
