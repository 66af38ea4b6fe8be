"""``MemoryStore``: the ``Store`` port in dictionaries, for unit tests of services.

It keeps the semantics of the SQL stores, errors included (the contract suite holds both to
them): datetimes come back in UTC, naive ones are refused, a rule needs its bus and a target its
rule. Nothing awaits between reading and changing the dictionaries, so each call is atomic.
"""

from __future__ import annotations

import copy
import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from busway.errors import ResourceNotFound
from busway.model import Delivery, Event, EventBus, IngestRecord, Rule, Scope, Target
from busway.store.memory.tags import MemoryTags
from busway.store.protocol import (
    ACTIVITY_PER_BUS,
    RECENT_EVENTS_WINDOW,
    ActivityPage,
    ClaimedDelivery,
    DeliveryActivity,
    DeliveryOutcome,
    DeliveryRetry,
    DeliveryState,
    RecentEvent,
)
from busway.store.pruning import PruneBatch, choose_expired

__all__ = ["MemoryStore"]

T = TypeVar("T")


@dataclass(slots=True)
class _Pending:
    """A delivery in the outbox; the store changes it in place."""

    event_id: str
    rule_arn: str
    target_id: str
    due_at: datetime
    attempts: int
    error_code: str | None = None
    error_message: str | None = None
    claimed: bool = False

    def delivery(self) -> Delivery:
        return Delivery(self.event_id, self.rule_arn, self.target_id, self.due_at, self.attempts)


class MemoryStore:
    def __init__(self, *, activity_per_bus: int = ACTIVITY_PER_BUS) -> None:
        if activity_per_bus < 1:
            raise ValueError("activity_per_bus must be at least 1")
        self._activity_per_bus = activity_per_bus
        self._seqs: dict[str, int] = {}  # event id -> seq, in the order events came
        self._next_seq = itertools.count(1)
        self._head = 0  # the highest seq given out: pruned events leave it where it was
        # Recorded outcomes per bus, as (event seq, event id, outcome) in recording order, and
        # the seq each bus's ring starts at once outcomes were dropped.
        self._outcomes: dict[tuple[Scope, str], list[tuple[int, str, DeliveryActivity]]] = {}
        self._floors: dict[tuple[Scope, str], int] = {}
        self._buses: dict[tuple[Scope, str], EventBus] = {}
        self._rules: dict[str, Rule] = {}  # by ARN
        self._targets: dict[str, dict[str, Target]] = {}  # rule ARN -> target id -> target
        self._tags = MemoryTags()
        self._events: dict[str, Event] = {}
        self._outbox: dict[int, _Pending] = {}  # by delivery id
        self._outbox_of: dict[str, set[int]] = {}  # event id -> its pending delivery ids
        self._next_delivery_id = itertools.count(1)
        # (due_at, id) of every outbox row, earliest first. A row whose due_at changed leaves
        # its old entry behind; entries that no longer match their row are skipped when met.
        self._due: list[tuple[datetime, int]] = []
        self._fires: dict[str, dict[datetime, str]] = {}  # rule ARN -> fired tick -> event id

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # --- event buses -----------------------------------------------------------------------------
    async def create_bus(self, bus: EventBus) -> bool:
        key = (bus.scope, bus.name)
        if key in self._buses:
            return False
        self._buses[key] = _utc_bus(bus)
        return True

    async def get_bus(self, scope: Scope, name: str) -> EventBus | None:
        return self._buses.get((scope, name))

    async def all_buses(self) -> list[EventBus]:
        return sorted(self._buses.values(), key=lambda bus: bus.arn)

    async def list_buses(
        self, scope: Scope, *, prefix: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[EventBus]:
        buses = (bus for (bus_scope, _), bus in self._buses.items() if bus_scope == scope)
        return _page(buses, lambda bus: bus.name, prefix, after, limit)

    async def update_bus(self, bus: EventBus) -> None:
        key = (bus.scope, bus.name)
        if key in self._buses:
            self._buses[key] = _utc_bus(bus)

    async def delete_bus(self, scope: Scope, name: str) -> None:
        bus = self._buses.pop((scope, name), None)
        if bus is None:
            return
        self._tags.forget(bus.arn)
        for rule in [r for r in self._rules.values() if (r.scope, r.bus_name) == (scope, name)]:
            self._delete_rule(rule.arn)

    # --- rules -----------------------------------------------------------------------------------
    async def put_rule(self, rule: Rule) -> None:
        if (rule.scope, rule.bus_name) not in self._buses:
            raise ResourceNotFound(f"Event bus {rule.bus_name} does not exist.")
        same_name = self._find_rule(rule.scope, rule.bus_name, rule.name)
        if same_name is not None and same_name.arn != rule.arn:
            raise ValueError(f"rule {rule.name} already exists with another ARN")
        self._rules[rule.arn] = replace(rule, created_at=_utc(rule.created_at))

    async def get_rule(self, scope: Scope, bus_name: str, name: str) -> Rule | None:
        return self._find_rule(scope, bus_name, name)

    async def list_rules(
        self,
        scope: Scope,
        bus_name: str,
        *,
        prefix: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Rule]:
        rules = (r for r in self._rules.values() if (r.scope, r.bus_name) == (scope, bus_name))
        return _page(rules, lambda rule: rule.name, prefix, after, limit)

    async def count_rules(self, scope: Scope, bus_name: str) -> int:
        return sum((r.scope, r.bus_name) == (scope, bus_name) for r in self._rules.values())

    async def delete_rule(self, rule_arn: str) -> None:
        self._delete_rule(rule_arn)

    async def all_rules(self) -> list[Rule]:
        return sorted(self._rules.values(), key=lambda rule: rule.arn)

    def _find_rule(self, scope: Scope, bus_name: str, name: str) -> Rule | None:
        for rule in self._rules.values():
            if (rule.scope, rule.bus_name, rule.name) == (scope, bus_name, name):
                return rule
        return None

    def _delete_rule(self, rule_arn: str) -> None:
        self._rules.pop(rule_arn, None)
        self._targets.pop(rule_arn, None)
        self._tags.forget(rule_arn)
        self._fires.pop(rule_arn, None)

    # --- targets ---------------------------------------------------------------------------------
    async def put_targets(self, rule_arn: str, targets: Sequence[Target]) -> None:
        if rule_arn not in self._rules:
            raise ResourceNotFound(f"Rule {rule_arn} does not exist.")
        if targets:
            # A deep copy, as a database keeps: the caller's nested parameters may change later.
            by_id = self._targets.setdefault(rule_arn, {})
            by_id.update((target.id, copy.deepcopy(target)) for target in targets)

    async def remove_targets(self, rule_arn: str, target_ids: Sequence[str]) -> None:
        by_id = self._targets.get(rule_arn, {})
        for target_id in target_ids:
            by_id.pop(target_id, None)
        if not by_id:
            self._targets.pop(rule_arn, None)

    async def list_targets(self, rule_arn: str) -> list[Target]:
        by_id = self._targets.get(rule_arn, {})
        return [by_id[target_id] for target_id in sorted(by_id)]

    async def all_targets(self) -> dict[str, list[Target]]:
        return {rule_arn: await self.list_targets(rule_arn) for rule_arn in sorted(self._targets)}

    # --- tags ------------------------------------------------------------------------------------
    async def get_tags(self, arn: str) -> dict[str, str]:
        return self._tags.get(arn)

    async def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        self._tags.tag(arn, tags)

    async def untag(self, arn: str, keys: Sequence[str]) -> None:
        self._tags.untag(arn, keys)

    # --- events and the delivery outbox ----------------------------------------------------------
    async def append_events(self, records: Sequence[IngestRecord]) -> None:
        self._append(records, None)

    async def append_claimed_events(
        self,
        records: Sequence[IngestRecord],
        lease_until: datetime,
        *,
        on_commit: Callable[[list[ClaimedDelivery]], None] | None = None,
    ) -> list[ClaimedDelivery]:
        claimed = self._append(records, _utc(lease_until))
        if on_commit is not None:
            on_commit(claimed)
        return claimed

    def _append(
        self, records: Sequence[IngestRecord], lease: datetime | None
    ) -> list[ClaimedDelivery]:
        """Store the records, their deliveries claimed until ``lease`` if given: those claims."""
        events = [_utc_event(record.event) for record in records]
        deliveries = [[_utc_delivery(record, d) for d in record.deliveries] for record in records]
        ids = [event.id for event in events]
        if len(set(ids)) != len(ids) or any(event_id in self._events for event_id in ids):
            raise ValueError("an event is already stored")
        for own in deliveries:
            keys = {(d.rule_arn, d.target_id) for d in own}
            if len(keys) != len(own):
                raise ValueError("a delivery is listed twice")
        # Everything is checked: from here on nothing can fail halfway.
        claimed: list[ClaimedDelivery] = []
        for event, own in zip(events, deliveries, strict=True):
            self._events[event.id] = event
            self._head = self._seqs[event.id] = next(self._next_seq)
            for delivery in own:
                delivery_id, pending = self._add_pending(delivery, lease)
                if lease is not None:
                    claimed.append(_claimed(delivery_id, pending, event))
        return claimed

    async def get_event(self, event_id: str) -> Event | None:
        return self._events.get(event_id)

    async def count_events(self) -> int:
        return len(self._events)

    async def list_deliveries(self, event_id: str) -> list[Delivery]:
        pending = (self._outbox[delivery_id] for delivery_id in self._outbox_of.get(event_id, ()))
        return sorted((p.delivery() for p in pending), key=lambda d: (d.rule_arn, d.target_id))

    async def prune_events(self, cut: datetime, *, after: int, limit: int) -> PruneBatch:
        cut = _utc(cut)
        batch = list(
            itertools.islice(
                (
                    (seq, self._events[event_id].ingested_at, event_id in self._outbox_of)
                    for event_id, seq in self._seqs.items()
                    if seq > after
                ),
                max(limit, 0),
            )
        )
        # The newest event is never pruned, so the highest seq given out is still stored.
        doomed, resume_after = choose_expired(batch, cut, self._head or None)
        going = set(doomed)
        for event_id in [event_id for event_id, seq in self._seqs.items() if seq in going]:
            del self._events[event_id], self._seqs[event_id]
        return PruneBatch(len(doomed), resume_after)

    def _add_pending(self, delivery: Delivery, lease: datetime | None) -> tuple[int, _Pending]:
        """Put a delivery in the outbox, claimed until ``lease`` when one is given."""
        delivery_id = next(self._next_delivery_id)
        pending = _Pending(
            delivery.event_id,
            delivery.rule_arn,
            delivery.target_id,
            delivery.due_at if lease is None else lease,
            delivery.attempts,
            claimed=lease is not None,
        )
        self._outbox[delivery_id] = pending
        self._outbox_of.setdefault(delivery.event_id, set()).add(delivery_id)
        heapq.heappush(self._due, (pending.due_at, delivery_id))
        return delivery_id, pending

    # --- delivery: claims on the outbox ----------------------------------------------------------
    async def claim_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedDelivery]:
        now, lease_until = _utc(now), _utc(lease_until)
        if lease_until <= now:
            raise ValueError("a lease must end after it starts")
        claimed: list[ClaimedDelivery] = []
        while self._due and len(claimed) < limit and self._due[0][0] <= now:
            due_at, delivery_id = heapq.heappop(self._due)
            pending = self._outbox.get(delivery_id)
            if pending is None or pending.due_at != due_at:
                continue  # an entry left behind by a change
            pending.due_at, pending.claimed = lease_until, True
            heapq.heappush(self._due, (lease_until, delivery_id))
            claimed.append(_claimed(delivery_id, pending, self._events[pending.event_id]))
        return claimed

    async def complete_deliveries(self, completed: Sequence[int | DeliveryOutcome]) -> None:
        for item in completed:
            delivery_id = item if isinstance(item, int) else item.id
            pending = self._outbox.pop(delivery_id, None)
            if pending is not None:
                if not isinstance(item, int):
                    self._record(pending, item)
                own = self._outbox_of[pending.event_id]
                own.discard(delivery_id)
                if not own:
                    del self._outbox_of[pending.event_id]
        self._compact_due()

    async def retry_deliveries(self, retries: Sequence[DeliveryRetry]) -> int:
        changed = 0
        for retry in retries:
            pending = self._outbox.get(retry.id)
            if pending is None or pending.due_at != _utc(retry.lease_until):
                continue  # done, or claimed again by someone else since
            pending.due_at, pending.claimed = _utc(retry.due_at), False
            pending.attempts = retry.attempts
            pending.error_code, pending.error_message = retry.error_code, retry.error_message
            heapq.heappush(self._due, (pending.due_at, retry.id))
            changed += 1
        self._compact_due()
        return changed

    async def next_due_at(self) -> datetime | None:
        while self._due:
            due_at, delivery_id = self._due[0]
            pending = self._outbox.get(delivery_id)
            if pending is not None and pending.due_at == due_at:
                return due_at
            heapq.heappop(self._due)
        return None

    async def release_claims(self, now: datetime) -> int:
        now = _utc(now)
        released = 0
        for delivery_id, pending in self._outbox.items():
            if pending.claimed:
                pending.due_at, pending.claimed = now, False
                heapq.heappush(self._due, (now, delivery_id))
                released += 1
        self._compact_due()
        return released

    # --- rule schedules --------------------------------------------------------------------------
    async def append_scheduled_event(
        self, rule_arn: str, tick: datetime, record: IngestRecord, *, forget_before: datetime
    ) -> bool:
        tick, forget_before = _utc(tick), _utc(forget_before)
        if forget_before > tick:
            raise ValueError("a fire must not forget its own tick")
        rule = self._rules.get(rule_arn)
        fires = self._fires.get(rule_arn, {})
        if rule is None or not rule.enabled or tick in fires:
            return False
        self._append([record], None)  # checks everything before it changes anything
        fires = self._fires.setdefault(rule_arn, {})
        for old in [fired for fired in fires if fired < forget_before]:
            del fires[old]
        fires[tick] = record.event.id
        return True

    # --- activity --------------------------------------------------------------------------------
    def _record(self, pending: _Pending, outcome: DeliveryOutcome) -> None:
        key = (outcome.scope, outcome.bus_name)
        ring = self._outcomes.setdefault(key, [])
        activity = DeliveryActivity(
            pending.rule_arn,
            pending.target_id,
            outcome.state,
            outcome.attempts,
            error_code=outcome.error_code,
        )
        ring.append((self._seqs[pending.event_id], pending.event_id, activity))
        if len(ring) > self._activity_per_bus:
            floor = sorted((seq for seq, _, _ in ring), reverse=True)[self._activity_per_bus]
            self._outcomes[key] = [entry for entry in ring if entry[0] >= floor]
            self._floors[key] = max(floor, self._floors.get(key, 0))

    async def recent_events(
        self, scope: Scope, bus_name: str, *, after: int | None = None, limit: int = 25
    ) -> ActivityPage:
        if limit <= 0:
            raise ValueError("limit must be at least 1")
        head = self._head
        start = max(self._floors.get((scope, bus_name), 1) - 1, head - RECENT_EVENTS_WINDOW)
        if after is not None:
            start = max(start, after)
        found: list[Event] = []
        for event in reversed(self._events.values()):
            if self._seqs[event.id] <= start:
                break
            if event.scope == scope and event.bus_name == bus_name:
                found.append(event)
        found.reverse()
        found = found[-limit:] if after is None else found[:limit]
        outcomes: dict[str, list[DeliveryActivity]] = {}
        for _, event_id, activity in self._outcomes.get((scope, bus_name), []):
            outcomes.setdefault(event_id, []).append(activity)
        events = [
            RecentEvent(
                self._seqs[event.id],
                event,
                (*outcomes.get(event.id, []), *self._pending_activity(event.id)),
            )
            for event in found
        ]
        if events:
            cursor = events[-1].seq if after is not None else max(head, events[-1].seq)
        else:
            cursor = head if after is None else after
        return ActivityPage(events, cursor)

    def _pending_activity(self, event_id: str) -> list[DeliveryActivity]:
        pending = sorted(
            (self._outbox[delivery_id] for delivery_id in self._outbox_of.get(event_id, ())),
            key=lambda p: (p.rule_arn, p.target_id),
        )
        return [
            DeliveryActivity(
                p.rule_arn,
                p.target_id,
                DeliveryState.RETRYING if p.attempts else DeliveryState.PENDING,
                p.attempts,
                None if p.claimed else p.due_at,
                p.error_code,
            )
            for p in pending
        ]

    async def redrive_delivery(
        self, event: Event, rule_arn: str, target_id: str, due_at: datetime
    ) -> bool:
        event, due_at = _utc_event(event), _utc(due_at)
        stored = self._events.get(event.id)
        if stored is None:
            self._events[event.id] = event
            self._head = self._seqs[event.id] = next(self._next_seq)
        else:
            self._events[event.id] = replace(stored, ingested_at=event.ingested_at)
        for delivery_id in self._outbox_of.get(event.id, ()):
            pending = self._outbox[delivery_id]
            if (pending.rule_arn, pending.target_id) == (rule_arn, target_id):
                return False
        self._add_pending(Delivery(event.id, rule_arn, target_id, due_at), None)
        return True

    def _compact_due(self) -> None:
        # Entries left behind are dropped in one pass once they outnumber the live ones, which
        # keeps the heap within twice the outbox's size at a constant cost per change.
        if len(self._due) > 2 * len(self._outbox) + 64:
            self._due = [(p.due_at, delivery_id) for delivery_id, p in self._outbox.items()]
            heapq.heapify(self._due)


def _claimed(delivery_id: int, pending: _Pending, event: Event) -> ClaimedDelivery:
    return ClaimedDelivery(
        id=delivery_id,
        event=event,
        rule_arn=pending.rule_arn,
        target_id=pending.target_id,
        attempts=pending.attempts,
        lease_until=pending.due_at,
        error_code=pending.error_code,
        error_message=pending.error_message,
    )


def _page(
    items: Iterable[T], name: Callable[[T], str], prefix: str | None, after: str | None, limit: int
) -> list[T]:
    chosen = sorted(
        (item for item in items if _wanted(name(item), prefix, after)),
        key=name,
    )
    return chosen[: max(limit, 0)]


def _wanted(name: str, prefix: str | None, after: str | None) -> bool:
    return (prefix is None or name.startswith(prefix)) and (after is None or name > after)


def _utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"datetime without a timezone: {moment!r}")
    return moment.astimezone(UTC)


def _utc_bus(bus: EventBus) -> EventBus:
    return replace(bus, created_at=_utc(bus.created_at), modified_at=_utc(bus.modified_at))


def _utc_event(event: Event) -> Event:
    return replace(event, time=_utc(event.time), ingested_at=_utc(event.ingested_at))


def _utc_delivery(record: IngestRecord, delivery: Delivery) -> Delivery:
    if delivery.event_id != record.event.id:
        raise ValueError(
            f"delivery for event {delivery.event_id} in the record of {record.event.id}"
        )
    return replace(delivery, due_at=_utc(delivery.due_at))
