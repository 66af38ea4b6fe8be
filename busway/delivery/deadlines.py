"""One timeout for many concurrent attempts, at the cost of a dict entry each.

``asyncio.timeout`` schedules (and then cancels) a timer of the event loop per use: a
noticeable share of the CPU a delivery costs, spent on a bound that is almost never reached.
Here a watchdog task looks at the attempts in progress every ``resolution`` seconds and cancels
those that ran over; the attempt itself only registers and unregisters. Cancellation follows
``asyncio.timeout``'s protocol: only when the watchdog's request is the task's only one
(``Task.uncancel``) is it a timeout; a cancellation from anywhere else still propagates.

A deadline may therefore pass by up to ``resolution`` before it is enforced.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["Deadlines"]

_MAX_RESOLUTION = 1.0  # seconds
_TICKS_PER_TIMEOUT = 4  # finer than this for short timeouts


class Deadlines:
    """Use from one event loop: ``enter`` in the task to bound, right before its await;
    ``expired`` when that await raised ``CancelledError``; ``leave`` in a ``finally``."""

    def __init__(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("a timeout must be positive")
        self.seconds = seconds
        self._resolution = min(_MAX_RESOLUTION, seconds / _TICKS_PER_TIMEOUT)
        self._due: dict[asyncio.Task[object], float] = {}  # in progress: when they time out
        self._cancelled: set[asyncio.Task[object]] = set()  # cancelled by the watchdog
        self._watchdog: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the watchdog in the running loop, unless it runs already (cheap to repeat).
        One that ended with the loop it ran in is replaced."""
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.create_task(self._watch(), name="busway-deadlines")

    async def stop(self) -> None:
        """Enforce no more deadlines; idempotent."""
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and not watchdog.done():
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog

    def enter(self, seconds: float | None = None) -> asyncio.Task[object]:
        """Start the current task's deadline, ``seconds`` from now (default: the timeout given
        at construction, which also sets the resolution); returns the task, for ``expired``
        and ``leave``."""
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("deadlines bound tasks: call enter() from one")
        after = self.seconds if seconds is None else seconds
        self._due[task] = asyncio.get_running_loop().time() + after
        return task

    def expired(self, task: asyncio.Task[object]) -> bool:
        """Whether the ``CancelledError`` the task just got is its deadline alone (then the
        cancellation is withdrawn, and the caller carries on, as after a timeout)."""
        if task not in self._cancelled:
            return False
        self._cancelled.discard(task)
        return task.uncancel() == 0

    def leave(self, task: asyncio.Task[object]) -> None:
        self._due.pop(task, None)
        self._cancelled.discard(task)

    def expire(self, now: float) -> None:
        """Cancel the tasks whose deadline is ``now`` (the loop's clock) or earlier: the
        watchdog's round."""
        overdue = [task for task, due in self._due.items() if due <= now]
        for task in overdue:
            del self._due[task]  # cancelled once; leave() still cleans up after
            self._cancelled.add(task)
            task.cancel()

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._resolution)
            self.expire(loop.time())
