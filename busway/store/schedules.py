"""The ``ScheduleStore`` port: EventBridge Scheduler schedule groups, schedules and fire records.

A fire record says "this schedule's tick has been invoked". Its key is (schedule ARN, tick), and
``fire`` writes it in the same transaction as the invocation's event and delivery: whoever
inserts the key first fires the tick, anybody later (a restarted node, another node on the same
database) finds it taken and writes nothing. A unique key decides, not a lock.

Listing follows the ``Store`` conventions: ascending order, at most ``limit`` items, strictly
after ``after`` (keyset paging). Schedules order by (group name, name).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from busway.model import IngestRecord, RetryPolicy, Scope, Target

__all__ = [
    "DEFAULT_GROUP",
    "EventBridgeTarget",
    "Schedule",
    "ScheduleFire",
    "ScheduleGroup",
    "ScheduleKey",
    "ScheduleState",
    "ScheduleStore",
    "ScheduleTarget",
]

DEFAULT_GROUP = "default"


class ScheduleState(enum.StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


@dataclass(frozen=True, slots=True)
class ScheduleGroup:
    scope: Scope
    name: str
    arn: str
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True, slots=True)
class EventBridgeTarget:
    """``EventBridgeParameters``: the target is a bus; the event's Detail is the Input."""

    source: str
    detail_type: str


@dataclass(frozen=True, slots=True)
class ScheduleTarget:
    arn: str
    role_arn: str
    input: str | None = None
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    dead_letter_arn: str | None = None
    sqs_message_group_id: str | None = None
    event_bridge: EventBridgeTarget | None = None
    # Parameters of templated targets busway keeps but does not deliver to (EcsParameters,
    # KinesisParameters, ...), exactly as the client sent them, keyed by member name.
    other_parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Schedule:
    scope: Scope
    group_name: str
    name: str
    arn: str
    expression: str
    timezone: str  # IANA name
    target: ScheduleTarget
    created_at: datetime
    modified_at: datetime
    state: ScheduleState = ScheduleState.ENABLED
    flexible_window_minutes: int | None = None  # None: FlexibleTimeWindow OFF
    start_date: datetime | None = None
    end_date: datetime | None = None
    description: str | None = None
    kms_key_arn: str | None = None
    delete_after_completion: bool = False  # ActionAfterCompletion DELETE

    @property
    def key(self) -> ScheduleKey:
        return (self.group_name, self.name)

    @property
    def enabled(self) -> bool:
        return self.state is ScheduleState.ENABLED


ScheduleKey = tuple[str, str]  # (group name, schedule name): the listing order


@dataclass(frozen=True, slots=True)
class ScheduleFire:
    """One tick of a schedule, invoked: ``target`` is the delivery target as configured when
    it fired, so a delivery outlives a schedule deleted meanwhile (ActionAfterCompletion)."""

    schedule_arn: str
    tick: datetime  # the scheduled time, before any flexible delay
    fired_at: datetime
    event_id: str
    target: Target


class ScheduleStore(Protocol):
    # --- schedule groups -------------------------------------------------------------------------
    async def create_group(self, group: ScheduleGroup) -> bool:
        """Insert a group; False (and no change) when its scope has one of that name."""
        ...

    async def get_group(self, scope: Scope, name: str) -> ScheduleGroup | None: ...

    async def list_groups(
        self, scope: Scope, *, prefix: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[ScheduleGroup]: ...

    async def count_groups(self, scope: Scope) -> int: ...

    async def delete_group(self, scope: Scope, name: str) -> list[str]:
        """Delete the group, its schedules and its tags; the ARNs of the schedules deleted."""
        ...

    # --- tags (schedule groups only) -------------------------------------------------------------
    async def get_tags(self, arn: str) -> dict[str, str]: ...

    async def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite the given keys; other keys stay."""
        ...

    async def untag(self, arn: str, keys: Sequence[str]) -> None: ...

    # --- schedules -------------------------------------------------------------------------------
    async def create_schedule(self, schedule: Schedule) -> bool:
        """Insert a schedule; False (and no change) when its group has one of that name.
        Raises ``busway.errors.ResourceNotFound`` when its group does not exist."""
        ...

    async def update_schedule(self, schedule: Schedule) -> bool:
        """Replace the stored schedule with the same ARN; False when there is none."""
        ...

    async def get_schedule(self, scope: Scope, group: str, name: str) -> Schedule | None: ...

    async def list_schedules(
        self,
        scope: Scope,
        *,
        group: str | None = None,
        prefix: str | None = None,
        state: ScheduleState | None = None,
        after: ScheduleKey | None = None,
        limit: int = 100,
    ) -> list[Schedule]: ...

    async def count_schedules(self, scope: Scope) -> int: ...

    async def delete_schedule(self, scope: Scope, group: str, name: str) -> bool:
        """False when there was no such schedule."""
        ...

    async def all_schedules(self) -> list[Schedule]:
        """Every schedule of every scope, for the firing service at start-up."""
        ...

    # --- firing ----------------------------------------------------------------------------------
    async def fire(
        self, fire: ScheduleFire, record: IngestRecord, *, delete_schedule: bool = False
    ) -> bool:
        """Atomically: take the key (schedule ARN, tick), append the invocation's event with its
        deliveries to the outbox and, with ``delete_schedule``, delete the schedule. False, and
        nothing written, when the key was already taken."""
        ...

    async def pending_fire_targets(self) -> dict[str, Target]:
        """For each deleted schedule with a fire whose delivery is still in the outbox, that
        fire's target (the latest fire's when there are several), by schedule ARN: what its
        deliveries resolve to after a restart."""
        ...

    async def prune_fires(self, before: datetime) -> int:
        """Forget fires of ticks before ``before``; returns how many."""
        ...
