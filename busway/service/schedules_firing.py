"""Firing EventBridge Scheduler schedules: each tick once, through the delivery outbox.

One plan per enabled schedule: its next tick (the scheduled time) and when to invoke it (the
tick plus a random delay inside a flexible time window). ``fire_due`` invokes what is due;
``run`` sleeps until the earliest plan is due or a schedule changes. An invocation is one
``ScheduleStore.fire``: the fire key (schedule ARN, tick), the event and its delivery, and for
the last tick of an ActionAfterCompletion DELETE schedule its deletion, in one transaction.
The key makes a tick fire at most once, across restarts and nodes.

After downtime missed ticks are not replayed: at start-up a schedule's next tick is the first
one after "now minus its grace" (a minute, AWS's precision, plus its flexible window), so a tick
interrupted by a quick restart still fires (unless its key says it did), older ones never do.

The service also resolves the target of a schedule's delivery for the dispatcher (``target``),
from the schedule as configured now or, for a schedule deleted since it fired, as it was then.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from busway.clock import Clock
from busway.ids import Uuids
from busway.model import Scope, Target
from busway.schedule import InvalidSchedule, SchedulerSchedule, parse_scheduler_expression
from busway.service.schedules_invocation import delivery_target, invocation, is_schedule_arn
from busway.store.schedules import Schedule, ScheduleFire, ScheduleStore

__all__ = ["FiringCounters", "RandomSource", "ScheduleFiring"]

log = logging.getLogger(__name__)

_PRECISION: Final = timedelta(minutes=1)
_EPSILON: Final = timedelta(microseconds=1)
# Fire keys older than this cannot be fired again (the longest grace is a day and a minute).
_FIRE_RETENTION: Final = timedelta(days=2)
_PRUNE_EVERY: Final = timedelta(hours=1)
_RETRY_FAILED_FIRE: Final = timedelta(seconds=1)
# A deleted schedule's target stays resolvable while its last deliveries may still be retried.
_RETIRED_MARGIN: Final = timedelta(hours=1)
_MAX_SLEEP_SECONDS: Final = 60.0


class RandomSource:
    """What the service needs of ``random.Random``: a delay inside a flexible window."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()  # noqa: S311 - spreading load, not secrets

    def uniform(self, low: float, high: float) -> float:
        return self._rng.uniform(low, high)


@dataclass(slots=True)
class FiringCounters:
    fired: int = 0  # ticks invoked by this node
    skipped: int = 0  # ticks whose key another process (or an earlier run) had taken
    failed: int = 0  # fire transactions that failed (tried again)


@dataclass(frozen=True, slots=True)
class _Plan:
    schedule: Schedule
    parsed: SchedulerSchedule
    tick: datetime | None  # None: nothing to invoke, only the deletion after EndDate
    due_at: datetime


class ScheduleFiring:
    """A ``ScheduleListener`` (the schedule service reports changes) and the dispatcher's
    target resolver for ``arn:aws:scheduler:`` ARNs. Use it from one event loop."""

    def __init__(
        self,
        store: ScheduleStore,
        clock: Clock,
        *,
        rng: RandomSource | None = None,
        on_fired: Callable[[], None] | None = None,
    ) -> None:
        self.counters = FiringCounters()
        self._store = store
        self._clock = clock
        self._rng = rng or RandomSource()
        self._on_fired = on_fired
        self._ids = Uuids()
        self._plans: dict[str, _Plan] = {}
        self._due: list[tuple[datetime, int, str]] = []  # (due_at, seq, arn); stale ones skipped
        self._seq = 0
        self._targets: dict[str, Target] = {}  # of live schedules, by ARN
        self._retired: dict[str, tuple[Target, datetime]] = {}  # deleted: target, kept until
        self._changed = asyncio.Event()
        self._pruned_at: datetime | None = None

    # --- start-up --------------------------------------------------------------------------------
    async def load(self) -> None:
        """Plan every stored schedule; call before ``fire_due`` or ``run``."""
        now = self._clock.now()
        keep_until = now + _max_event_age()
        for arn, target in (await self._store.pending_fire_targets()).items():
            self._retired[arn] = (target, keep_until)
        for schedule in await self._store.all_schedules():
            self._targets[schedule.arn] = delivery_target(schedule)
            self._plan(schedule, after=now - _grace(schedule))

    # --- ScheduleListener ------------------------------------------------------------------------
    def scheduled(self, schedule: Schedule) -> None:
        self._targets[schedule.arn] = delivery_target(schedule)
        self._retired.pop(schedule.arn, None)
        # From the change itself, not from now: the write took time, and a rate without a
        # StartDate starts at its creation ("starts immediately").
        self._plan(schedule, after=schedule.modified_at - _EPSILON)
        self._changed.set()

    def unscheduled(self, arns: Sequence[str]) -> None:
        for arn in arns:
            self._plans.pop(arn, None)
            self._retire(arn)
        self._changed.set()

    # --- the dispatcher's target resolver --------------------------------------------------------
    def target(self, scope: Scope, bus_name: str, rule_arn: str, target_id: str) -> Target | None:
        """The target of a schedule's delivery; None for ARNs that are not schedules."""
        if not is_schedule_arn(rule_arn):
            return None
        live = self._targets.get(rule_arn)
        if live is not None:
            return live
        retired = self._retired.get(rule_arn)
        return None if retired is None else retired[0]

    # --- firing ----------------------------------------------------------------------------------
    def next_due_at(self) -> datetime | None:
        while self._due:
            due_at, _, arn = self._due[0]
            plan = self._plans.get(arn)
            if plan is not None and plan.due_at == due_at:
                return due_at
            heapq.heappop(self._due)  # stale: replanned or removed since
        return None

    async def fire_due(self) -> datetime | None:
        """Invoke every plan due now; when the next one is due (None: nothing planned)."""
        now = self._clock.now()
        while (due_at := self.next_due_at()) is not None and due_at <= now:
            _, _, arn = heapq.heappop(self._due)
            await self._invoke(self._plans[arn], now)
        await self._tidy(now)
        return self.next_due_at()

    async def run(self) -> None:
        """Fire until cancelled; a schedule change wakes it."""
        while True:
            self._changed.clear()
            try:
                due = await self.fire_due()
            except Exception:
                log.exception("firing schedules failed; trying again")
                due = None
            wait = _MAX_SLEEP_SECONDS
            if due is not None:
                seconds = (due - self._clock.now()).total_seconds()
                wait = min(max(seconds, 0.0), _MAX_SLEEP_SECONDS)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._changed.wait()

    async def _invoke(self, plan: _Plan, now: datetime) -> None:
        schedule = plan.schedule
        if plan.tick is None:  # past EndDate without a tick left: ActionAfterCompletion DELETE
            await self._store.delete_schedule(schedule.scope, schedule.group_name, schedule.name)
            self.unscheduled([schedule.arn])
            return
        following = plan.parsed.next_fire(plan.tick, created_at=schedule.created_at)
        last = following is None
        delete = schedule.delete_after_completion and last
        event_id = self._ids(now)
        record = invocation(schedule, plan.tick, now, event_id)
        fire = ScheduleFire(schedule.arn, plan.tick, now, event_id, delivery_target(schedule))
        try:
            fired = await self._store.fire(fire, record, delete_schedule=delete)
        except Exception:
            log.exception("firing schedule %s for %s failed", schedule.arn, plan.tick)
            self.counters.failed += 1
            if self._plans.get(schedule.arn) is plan:
                self._put(_Plan(schedule, plan.parsed, plan.tick, now + _RETRY_FAILED_FIRE))
            return
        if self._plans.get(schedule.arn) is not plan:
            return  # changed or deleted while the fire was written: its new plan stands
        if fired:
            self.counters.fired += 1
            if self._on_fired is not None:
                self._on_fired()
        else:
            self.counters.skipped += 1
        if delete and fired:
            self.unscheduled([schedule.arn])
            return
        self._plan(schedule, after=max(plan.tick, now - _grace(schedule)), parsed=plan.parsed)

    async def _tidy(self, now: datetime) -> None:
        """Forget old fire keys and the targets of long-deleted schedules, now and then."""
        if self._pruned_at is not None and now - self._pruned_at < _PRUNE_EVERY:
            return
        self._pruned_at = now
        for arn, (_, until) in list(self._retired.items()):
            if until < now:
                del self._retired[arn]
        try:
            await self._store.prune_fires(now - _FIRE_RETENTION)
        except Exception:
            log.exception("pruning schedule fire records failed")

    # --- planning --------------------------------------------------------------------------------
    def _plan(
        self, schedule: Schedule, *, after: datetime, parsed: SchedulerSchedule | None = None
    ) -> None:
        """Plan the schedule's first tick after ``after``, or drop its plan."""
        self._plans.pop(schedule.arn, None)
        if not schedule.enabled:
            return
        if parsed is None:
            try:
                parsed = parse_scheduler_expression(
                    schedule.expression,
                    schedule.timezone,
                    start_date=schedule.start_date,
                    end_date=schedule.end_date,
                )
            except InvalidSchedule as error:  # e.g. a timezone this machine does not know
                log.error("schedule %s cannot fire: %s", schedule.arn, error.message)
                return
        tick = parsed.next_fire(after, created_at=schedule.created_at)
        if tick is not None:
            window = schedule.flexible_window_minutes
            delay = 0.0 if window is None else self._rng.uniform(0.0, window * 60.0)
            self._put(_Plan(schedule, parsed, tick, tick + timedelta(seconds=delay)))
        elif schedule.delete_after_completion and schedule.end_date is not None:
            self._put(_Plan(schedule, parsed, None, max(schedule.end_date, after)))

    def _put(self, plan: _Plan) -> None:
        arn = plan.schedule.arn
        self._plans[arn] = plan
        self._seq += 1
        heapq.heappush(self._due, (plan.due_at, self._seq, arn))

    def _retire(self, arn: str) -> None:
        target = self._targets.pop(arn, None)
        if target is not None:
            self._retired[arn] = (target, self._clock.now() + _max_event_age(target))


def _grace(schedule: Schedule) -> timedelta:
    return _PRECISION + timedelta(minutes=schedule.flexible_window_minutes or 0)


def _max_event_age(target: Target | None = None) -> timedelta:
    policy = None if target is None else target.retry_policy
    seconds = 86400 if policy is None else policy.maximum_event_age_seconds
    return timedelta(seconds=seconds) + _RETIRED_MARGIN
