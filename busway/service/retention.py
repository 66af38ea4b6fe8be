"""Event retention: stored events are deleted once they are old and have nothing left to deliver.

The events table is the outbox's other half and the activity's source; without a bound it grows
with every event ever accepted (at 10,000 events/s, tens of GB an hour). An event goes once it
was ingested longer ago than the retention and no delivery of it is pending: what is still to
be delivered, retried or redriven is never touched, so nothing accepted is lost to a sweep.

A sweep walks the store oldest first, one bounded batch (one short write transaction) at a time,
so ingest's writes interleave with it; the node calls ``step`` in a loop and sleeps for as long
as ``step`` says. Batches that delete nothing (events still pending behind the cut) are spaced
out, so that a long outbox of old retries is walked without holding the writer.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from busway.clock import Clock
from busway.store import Store

__all__ = ["SWEEP_EVERY", "EventRetention"]

log = logging.getLogger(__name__)

SWEEP_EVERY: Final = 60.0  # seconds between sweeps, once one has reached the young end
# Events one write transaction examines. Measured against single-event appends running beside a
# 90,000-event sweep on SQLite: 1,000 per batch raised their p99 to 16-23 ms (7 ms per batch),
# 250 to about 9 ms (2 ms per batch), at the same sweep speed (over 100,000 events/s).
_BATCH: Final = 250
_PAUSE_AFTER_IDLE_BATCH: Final = 0.05  # seconds, after a batch that found nothing to delete


class EventRetention:
    def __init__(
        self, store: Store, clock: Clock, retention: timedelta, *, batch: int = _BATCH
    ) -> None:
        if retention <= timedelta(0):
            raise ValueError("retention must be positive")
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self._store = store
        self._clock = clock
        self._retention = retention
        self._batch = batch
        self._after = 0  # where the sweep under way has got to (0: a new sweep)
        self._swept = 0  # events deleted by the sweep under way
        self.deleted = 0  # events deleted since start

    async def step(self) -> float:
        """Run one batch of the sweep under way (starting one if none is); returns how many
        seconds to wait before the next step."""
        cut = self._clock.now() - self._retention
        batch = await self._store.prune_events(cut, after=self._after, limit=self._batch)
        self._swept += batch.deleted
        self.deleted += batch.deleted
        if batch.resume_after is not None:
            self._after = batch.resume_after
            return 0.0 if batch.deleted else _PAUSE_AFTER_IDLE_BATCH
        if self._swept:
            log.info("deleted %d events ingested before %s", self._swept, cut.isoformat())
        self._after = self._swept = 0
        return SWEEP_EVERY

    async def sweep(self) -> int:
        """Finish the sweep under way, or run a whole one, without pausing (for tests and
        tools); returns how many events went meanwhile."""
        before = self.deleted
        while await self.step() != SWEEP_EVERY:
            pass
        return self.deleted - before
