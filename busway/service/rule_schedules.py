"""Rule schedules: every tick of an enabled scheduled rule emits AWS's Scheduled Event.

A tick is a UTC minute the rule's ``cron()`` selects, or for ``rate()`` the minute of the rule's
creation plus a whole number of periods. At the tick the event (source ``aws.events``,
detail-type ``Scheduled Event``, the rule's ARN as its one resource, detail ``{}``, ``time`` the
tick) is stored with one delivery per target of that rule, and of that rule only: as on AWS,
other rules never see scheduled events.

Exactly once per tick: the store writes a fire record keyed by (rule ARN, tick) in the
transaction that stores the event, and a tick already recorded is not written again, whoever
tries (this process, its successor after a restart, another node on the same database). A tick
may fire until its minute is over (``GRACE``: AWS promises "within the minute"); ticks missed
for longer (busway was down) are skipped, never replayed: after downtime the next tick fires.

The service keeps each scheduled rule's next tick in memory: it reads the rules from the store
once, then follows the routing table's reports of each changed rule, and sleeps until the
earliest tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from busway import jsontext
from busway.clock import Clock
from busway.ids import Uuids
from busway.model import Delivery, Event, IngestRecord, Rule
from busway.observability.telemetry import NO_TELEMETRY, IngestTelemetry
from busway.schedule import InvalidSchedule, Schedule, next_fire, parse_schedule
from busway.service.ingest import DeliveryHandoff, service_envelope
from busway.service.routing import RoutingTable, RuleChange
from busway.store.protocol import Store

__all__ = [
    "FIRE_RECORD_RETENTION",
    "GRACE",
    "SCHEDULED_DETAIL_TYPE",
    "SCHEDULED_SOURCE",
    "RuleScheduleService",
    "rate_anchor",
]

log = logging.getLogger(__name__)

SCHEDULED_SOURCE = "aws.events"
SCHEDULED_DETAIL_TYPE = "Scheduled Event"
# A tick still fires this long after it came; older missed ticks are skipped.
GRACE = timedelta(minutes=1)
# Fire records older than this are deleted as new ticks fire: far longer than any node can try
# to fire a tick (GRACE), so forgetting them never lets a tick fire twice.
FIRE_RECORD_RETENTION = timedelta(days=1)
# The longest sleep: the wall clock may be set while we sleep on the monotonic one.
_MAX_SLEEP_SECONDS = 60.0
# After a failed write the tick is tried again this soon, while its grace lasts.
_RETRY = timedelta(seconds=1)
# Sleep a little past the tick, so the wake-up does not come a hair early and sleep again.
_LATE_SECONDS = 0.001


def rate_anchor(rule: Rule) -> datetime:
    """The instant a rate schedule counts its periods from: the minute the rule was created in.

    AWS counts rates from creation at a granularity of one minute; busway fires at the start
    of the minute, so the periods count from the start of the creation minute.
    """
    return rule.created_at.astimezone(UTC).replace(second=0, microsecond=0)


@dataclass(slots=True)
class _Scheduled:
    """A scheduled rule as this service tracks it."""

    rule: Rule
    schedule: Schedule
    tick: datetime | None  # the next tick to fire; None: the schedule has no more
    retry_at: datetime | None = None  # the store failed on ``tick``: not before then


class RuleScheduleService:
    """Fires the ticks of the rules' schedules. ``run`` is the background task; ``fire_due``
    does one round and is what tests drive with a ``FakeClock``. Use it from one event loop."""

    def __init__(
        self,
        store: Store,
        routing: RoutingTable,
        clock: Clock,
        *,
        dispatch: DeliveryHandoff | None = None,
        id_factory: Callable[[datetime], str] | None = None,
        telemetry: IngestTelemetry = NO_TELEMETRY,
    ) -> None:
        self._telemetry = telemetry  # a fired tick counts as its rule triggered
        self._store = store
        self._routing = routing
        self._clock = clock
        self._dispatch = dispatch
        self._new_id = id_factory or Uuids()
        self._rules: dict[str, _Scheduled] = {}  # by rule ARN
        self._loaded = False
        self._reading = False  # a read of every rule is under way
        self._stale = True  # read every rule again before the next round
        self._changed = asyncio.Event()
        routing.watch_rules(self.rules_changed)

    def rules_changed(self, change: RuleChange) -> None:
        """A rule was put, enabled, disabled or deleted: follow it before the next tick.

        Only the changed rule is looked at, so putting many rules costs no read per rule; until
        the first read, during one, or when a whole bus went, every rule is read again instead.
        """
        if change.rule is None or not self._loaded or self._reading:
            self._stale = True
        elif change.removed:
            self._rules.pop(change.rule.arn, None)
        else:
            self._follow(change.rule, since=self._clock.now())
        self._changed.set()

    async def run(self) -> None:
        """Fire ticks as they come, until cancelled."""
        while True:
            self._changed.clear()
            try:
                await self.fire_due()
            except Exception:
                # Reading the rules failed; the store may be back in a moment.
                log.exception("firing rule schedules failed; trying again")
                await self._sleep(_RETRY.total_seconds())
                continue
            await self._sleep(self.seconds_until_next())

    async def fire_due(self) -> int:
        """Fire every tick that has come and not fired yet; how many this call fired."""
        now = self._clock.now()
        if self._stale:
            await self._reload(now)
        fired = 0
        for scheduled in list(self._rules.values()):
            fired += await self._fire_rule(scheduled, now)
        return fired

    def next_tick(self) -> datetime | None:
        """When the service next has something to do (a tick, or a retry), if ever."""
        wakes = [
            max(scheduled.tick, scheduled.retry_at or scheduled.tick)
            for scheduled in self._rules.values()
            if scheduled.tick is not None
        ]
        return min(wakes, default=None)

    def seconds_until_next(self) -> float:
        """How long ``run`` sleeps now, unless a rule change wakes it earlier."""
        wake = self.next_tick()
        if wake is None:
            return _MAX_SLEEP_SECONDS
        seconds = (wake - self._clock.now()).total_seconds()
        return min(max(seconds, 0.0) + _LATE_SECONDS, _MAX_SLEEP_SECONDS)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._changed.wait()

    async def _reload(self, now: datetime) -> None:
        """Read the scheduled rules again; a rule whose schedule did not change keeps its tick.

        At start-up a rule may fire the tick of the current minute if nobody has (a restart
        across a minute's start); a rule put or enabled while running starts with its next
        tick after now.
        """
        self._stale = False  # before reading: a change made while we read is read again
        self._reading = True
        try:
            rules = await self._store.all_rules()
        except BaseException:
            self._stale = True
            raise
        finally:
            self._reading = False
        since = now - GRACE if not self._loaded else now
        self._loaded = True
        known, self._rules = self._rules, {}
        for rule in rules:
            if rule.arn in known:
                self._rules[rule.arn] = known[rule.arn]
            self._follow(rule, since=since)

    def _follow(self, rule: Rule, *, since: datetime) -> None:
        """Track the rule as it is now: a tick after ``since`` for a new or changed schedule."""
        known = self._rules.get(rule.arn)
        if rule.schedule_expression is None or not rule.enabled:
            self._rules.pop(rule.arn, None)
        elif known is not None and _same_schedule(known.rule, rule):
            known.rule = rule
        else:
            try:
                schedule = parse_schedule(rule.schedule_expression)
            except InvalidSchedule:
                # Validated when it was put; a stored one that no longer parses fires never.
                log.error("rule %s has an invalid schedule: %s", rule.arn, rule.schedule_expression)
                self._rules.pop(rule.arn, None)
                return
            after = max(since, rule.created_at)
            self._rules[rule.arn] = _Scheduled(rule, schedule, _next_tick(rule, schedule, after))

    async def _fire_rule(self, scheduled: _Scheduled, now: datetime) -> int:
        """Fire the rule's tick if it has come; move on to its next tick. How many fired."""
        fired = 0
        tick = scheduled.tick
        while tick is not None and tick <= now:
            if scheduled.retry_at is not None and scheduled.retry_at > now:
                return fired
            if now - tick < GRACE:
                try:
                    fired += await self._fire(scheduled.rule, tick, now)
                except Exception:
                    log.exception("firing rule %s for %s failed", scheduled.rule.arn, tick)
                    scheduled.retry_at = now + _RETRY
                    return fired
            # Past the grace, a missed tick is skipped: the next one after it may still be due.
            tick = _next_tick(scheduled.rule, scheduled.schedule, max(tick, now - GRACE))
            scheduled.tick, scheduled.retry_at = tick, None
        return fired

    async def _fire(self, rule: Rule, tick: datetime, now: datetime) -> int:
        """Store the tick's Scheduled Event for the rule's own targets; 0 if it fired already."""
        event_id = self._new_id(now)
        resources = (rule.arn,)
        envelope = service_envelope(
            rule.scope, event_id, SCHEDULED_SOURCE, SCHEDULED_DETAIL_TYPE, tick, resources, {}
        )
        event = Event(
            id=event_id,
            scope=rule.scope,
            bus_name=rule.bus_name,
            source=SCHEDULED_SOURCE,
            detail_type=SCHEDULED_DETAIL_TYPE,
            time=tick,
            ingested_at=now,
            body=jsontext.dumpb(envelope),
            resources=resources,
        )
        deliveries = tuple(
            Delivery(event_id, rule.arn, target.id, now)
            for target in self._routing.rule_targets(rule)
        )
        record = IngestRecord(event, deliveries)
        stored = await self._store.append_scheduled_event(
            rule.arn, tick, record, forget_before=tick - FIRE_RECORD_RETENTION
        )
        if not stored:
            return 0
        self._telemetry.routed([record])
        if deliveries and self._dispatch is not None:
            self._dispatch.wake()
        return 1


def _same_schedule(old: Rule, new: Rule) -> bool:
    return (old.schedule_expression, old.created_at) == (new.schedule_expression, new.created_at)


def _next_tick(rule: Rule, schedule: Schedule, after: datetime) -> datetime | None:
    return next_fire(schedule, after, anchor=rate_anchor(rule))
