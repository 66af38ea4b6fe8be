"""The storage port. SQLite, PostgreSQL and the in-memory store all implement ``Store``.

Every implementation passes the shared contract suite in ``tests/contract``. Methods are async so a
network database fits the same shape; implementations keep their own connections and threads.

Conventions:
- Listing methods return items in ascending name (or id) order, at most ``limit`` of them,
  starting strictly after ``after`` when it is given (keyset paging; the API layer turns the last
  name into an opaque NextToken).
- Writes of configuration are upserts unless the name says otherwise; deleting what does not
  exist is not an error.
- ``append_events`` is the ingest hot path: when it returns, the events and their deliveries are
  durable, all of one call or none. Concurrent callers may share one transaction and one fsync
  (group commit). ``append_claimed_events`` also claims the deliveries it writes, for the
  dispatcher of the node that accepted the events (the hand-off: no claim between commit and
  delivery).
- Deliveries are claimed before they are attempted: ``claim_deliveries`` leases due deliveries to
  one dispatcher until ``lease_until``; nobody else claims them before then, and anybody may
  once it has passed (the holder crashed). A delivery leaves the outbox only through
  ``complete_deliveries``, after its target acknowledged it or it was dead-lettered or dropped.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from busway.frozen import quick_init
from busway.model import Delivery, Event, EventBus, IngestRecord, Rule, Scope, Target
from busway.store.pruning import PruneBatch

__all__ = [
    "ACTIVITY_PER_BUS",
    "RECENT_EVENTS_WINDOW",
    "ActivityPage",
    "ClaimedDelivery",
    "DeliveryActivity",
    "DeliveryOutcome",
    "DeliveryRetry",
    "DeliveryState",
    "RecentEvent",
    "Store",
]


@quick_init
@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery leased to one dispatcher until ``lease_until``, with its event."""

    id: int
    event: Event
    rule_arn: str
    target_id: str
    attempts: int  # attempts made before this claim
    lease_until: datetime  # also the claim's token: see ``DeliveryRetry``
    error_code: str | None = None  # of the last failed attempt, if any
    error_message: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class DeliveryRetry:
    """Give a claimed delivery back, due again at ``due_at`` (a retry, or a release)."""

    id: int
    lease_until: datetime  # the claim given up; ignored when another claim has replaced it
    due_at: datetime
    attempts: int  # attempts made so far
    error_code: str | None = None
    error_message: str | None = None


# Outcomes kept per bus by default (stores take ``activity_per_bus``), and how many of the latest
# events of a store ``recent_events`` looks through: events carry no index by bus, which would
# cost every PutEvents one more write, so finding a quiet bus's events is a bounded scan.
ACTIVITY_PER_BUS = 10_000
RECENT_EVENTS_WINDOW = 50_000


class DeliveryState(enum.StrEnum):
    """Where a delivery stands, as the activity record shows it."""

    PENDING = "PENDING"  # in the outbox, not attempted yet
    RETRYING = "RETRYING"  # in the outbox after a failed attempt
    DELIVERED = "DELIVERED"  # acknowledged by its target
    DEAD_LETTERED = "DEAD_LETTERED"  # put on its target's dead-letter queue
    DROPPED = "DROPPED"  # nothing to deliver: its rule or target is gone, or its input is empty
    FAILED = "FAILED"  # failed for good and no dead-letter queue took it


@quick_init
@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """How a claimed delivery left the outbox (``state`` is one of the final ones), recorded in
    the activity of its event's bus by ``complete_deliveries``."""

    id: int
    scope: Scope
    bus_name: str
    state: DeliveryState
    attempts: int  # attempts made in all
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryActivity:
    """One delivery of a recent event: pending in the outbox, or how it ended."""

    rule_arn: str
    target_id: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None = None  # pending and not claimed: when it is due
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class RecentEvent:
    """An event of a bus's activity; ``seq`` orders the events of a store as they came in.
    ``deliveries`` lists final outcomes in the order they were recorded (a redriven delivery
    may have several), then the pending ones."""

    seq: int
    event: Event
    deliveries: tuple[DeliveryActivity, ...] = ()


@dataclass(frozen=True, slots=True)
class ActivityPage:
    """Recent events oldest first; ``cursor`` is the ``after`` that continues past them."""

    events: list[RecentEvent]
    cursor: int


class Store(Protocol):
    async def open(self) -> None:
        """Connect and bring the schema up to date (migrations)."""
        ...

    async def close(self) -> None:
        """Flush pending writes and release connections; idempotent."""
        ...

    # --- event buses -------------------------------------------------------------------------
    async def create_bus(self, bus: EventBus) -> bool:
        """Insert a bus; False (and no change) when one with that name exists in its scope."""
        ...

    async def get_bus(self, scope: Scope, name: str) -> EventBus | None: ...

    async def all_buses(self) -> list[EventBus]:
        """Every bus of every scope, for warming the in-memory routing tables at start-up."""
        ...

    async def list_buses(
        self, scope: Scope, *, prefix: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[EventBus]: ...

    async def update_bus(self, bus: EventBus) -> None:
        """Replace the stored bus with the same (scope, name)."""
        ...

    async def delete_bus(self, scope: Scope, name: str) -> None:
        """Delete the bus with its rules, their targets, and the tags of all of them."""
        ...

    # --- rules -------------------------------------------------------------------------------
    async def put_rule(self, rule: Rule) -> None:
        """Insert or replace the rule with the same ARN; its targets are kept."""
        ...

    async def get_rule(self, scope: Scope, bus_name: str, name: str) -> Rule | None: ...

    async def list_rules(
        self,
        scope: Scope,
        bus_name: str,
        *,
        prefix: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Rule]: ...

    async def count_rules(self, scope: Scope, bus_name: str) -> int: ...

    async def delete_rule(self, rule_arn: str) -> None:
        """Delete the rule, its targets and its tags."""
        ...

    async def all_rules(self) -> list[Rule]:
        """Every rule of every scope, for warming the in-memory routing tables at start-up."""
        ...

    # --- targets -----------------------------------------------------------------------------
    async def put_targets(self, rule_arn: str, targets: Sequence[Target]) -> None:
        """Insert or replace targets of a rule by their id."""
        ...

    async def remove_targets(self, rule_arn: str, target_ids: Sequence[str]) -> None: ...

    async def list_targets(self, rule_arn: str) -> list[Target]:
        """The targets of a rule in ascending id order."""
        ...

    async def all_targets(self) -> dict[str, list[Target]]:
        """Targets of every rule, keyed by rule ARN, for warming the routing tables."""
        ...

    # --- tags (any resource, by ARN) ----------------------------------------------------------
    async def get_tags(self, arn: str) -> dict[str, str]: ...

    async def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite the given keys; other keys stay."""
        ...

    async def untag(self, arn: str, keys: Sequence[str]) -> None: ...

    # --- events and the delivery outbox -------------------------------------------------------
    async def append_events(self, records: Sequence[IngestRecord]) -> None:
        """Durably store events with their deliveries, atomically; see the module docstring."""
        ...

    async def append_claimed_events(
        self,
        records: Sequence[IngestRecord],
        lease_until: datetime,
        *,
        on_commit: Callable[[list[ClaimedDelivery]], None] | None = None,
    ) -> list[ClaimedDelivery]:
        """``append_events``, with the deliveries stored already claimed until ``lease_until``,
        exactly as ``claim_deliveries`` leaves them (so ``release_claims`` and lease expiry cover
        them; their ``due_at`` is ignored); they are returned in record order.

        ``on_commit`` gets the same claims as soon as they are committed: before this returns,
        and possibly before the commit is durable (on its way to disk, safe from a crash of the
        process), so that delivering them need not wait for the disk. Only returning
        acknowledges the events as durable."""
        ...

    async def get_event(self, event_id: str) -> Event | None: ...

    async def count_events(self) -> int: ...

    async def list_deliveries(self, event_id: str) -> list[Delivery]:
        """Deliveries still pending for an event, ordered by (rule ARN, target id)."""
        ...

    async def prune_events(self, cut: datetime, *, after: int, limit: int) -> PruneBatch:
        """One batch of a retention sweep: of the first ``limit`` events stored after seq
        ``after`` (0: from the oldest), delete those ingested before ``cut`` that have no delivery
        in the outbox, except the newest event of the store, in one transaction; see
        ``busway.store.pruning`` for the choice and for when the sweep is over."""
        ...

    # --- delivery: claims on the outbox, for the dispatcher ------------------------------------
    async def claim_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedDelivery]:
        """Lease up to ``limit`` deliveries due at ``now`` (their ``due_at`` has come, which
        includes expired leases) until ``lease_until``, the earliest due first (then in the
        order they were stored). Atomic: two callers never get the same delivery while its
        lease runs. ``lease_until`` must be later than ``now``.
        """
        ...

    async def complete_deliveries(self, completed: Sequence[int | DeliveryOutcome]) -> None:
        """Remove delivered (or dead-lettered, or dropped) deliveries; unknown ids are ignored.
        A ``DeliveryOutcome`` is also recorded in its bus's activity, in the same write; the
        activity keeps the outcomes of about ``activity_per_bus`` (a store option) deliveries
        per bus, dropping those of the oldest events first."""
        ...

    async def retry_deliveries(self, retries: Sequence[DeliveryRetry]) -> int:
        """Reschedule claimed deliveries, each only if its lease is still the one named (it
        was not taken over); returns how many were rescheduled."""
        ...

    async def next_due_at(self) -> datetime | None:
        """When the earliest delivery (claimed or not) is due, or None for an empty outbox."""
        ...

    async def release_claims(self, now: datetime) -> int:
        """Make every claimed delivery due at ``now``; returns how many. Only for a store that
        no other dispatcher uses (SQLite: one node per file), at start-up, before claiming:
        the claims of a crashed process are then taken up at once, not when their leases end."""
        ...

    # --- rule schedules ----------------------------------------------------------------------
    async def append_scheduled_event(
        self, rule_arn: str, tick: datetime, record: IngestRecord, *, forget_before: datetime
    ) -> bool:
        """Fire the rule's schedule for ``tick``: store the fire record (rule ARN, tick) with
        ``record`` (the Scheduled Event and its deliveries) in one transaction, and forget the
        rule's fire records of ticks before ``forget_before`` (not after ``tick``; a naive
        datetime is a ValueError). Returns False, having written
        nothing, when that tick was fired already (by anyone sharing the store) or the rule no
        longer exists or is disabled: the unique key decides, so every tick fires at most
        once however many nodes try. Deleting a rule deletes its fire records."""
        ...

    # --- activity: recent events of a bus, and redriving dead letters ---------------------------
    async def recent_events(
        self, scope: Scope, bus_name: str, *, after: int | None = None, limit: int = 25
    ) -> ActivityPage:
        """Without ``after``: the bus's latest ``limit`` events. With it: the first ``limit``
        events stored after the one whose ``seq`` is ``after``. Only events whose outcomes the
        activity still keeps count, among the store's last ``RECENT_EVENTS_WINDOW``."""
        ...

    async def redrive_delivery(
        self, event: Event, rule_arn: str, target_id: str, due_at: datetime
    ) -> bool:
        """Put a new delivery of ``event`` to (rule, target) in the outbox, due at ``due_at``, in
        one transaction: the event is stored if it is missing, and its ``ingested_at`` is set to
        the given one (the delivery's maximum event age counts from the redrive). False, with
        nothing changed but that, when such a delivery is pending already."""
        ...
