"""Event activity: a bus's recent events with the rules each matched and where each delivery
stands, for the console and ``busway events tail`` (the ``Busway.ListRecentEvents`` operation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from busway.errors import ValidationError
from busway.model import Event, Scope
from busway.service.buses import BusService
from busway.store.protocol import DeliveryActivity, DeliveryState, RecentEvent, Store

__all__ = [
    "MAX_RECENT_EVENTS",
    "ActivityService",
    "DeliveryStatus",
    "EventActivity",
    "RecentActivity",
    "latest_deliveries",
]

MAX_RECENT_EVENTS: Final = 100


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """Where one delivery of an event stands; ``target_arn`` is None once the target is gone."""

    rule_arn: str
    target_id: str
    target_arn: str | None
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None = None
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class EventActivity:
    """One event and the latest state of each of its deliveries, by (rule ARN, target id)."""

    event: Event
    deliveries: tuple[DeliveryStatus, ...]

    @property
    def rule_arns(self) -> list[str]:
        """The rules the event matched (those with targets: only they leave a trace)."""
        return sorted({delivery.rule_arn for delivery in self.deliveries})


@dataclass(frozen=True, slots=True)
class RecentActivity:
    """Events oldest first; ``cursor`` asks for the events after them."""

    events: list[EventActivity]
    cursor: str


def latest_deliveries(recorded: tuple[DeliveryActivity, ...]) -> tuple[DeliveryActivity, ...]:
    """The last word on each (rule, target): a redriven delivery that is pending again, or the
    outcome of its latest attempt, ordered by rule ARN then target id."""
    latest: dict[tuple[str, str], DeliveryActivity] = {}
    for delivery in recorded:  # outcomes in the order they were recorded, then pending ones
        latest[(delivery.rule_arn, delivery.target_id)] = delivery
    return tuple(latest[key] for key in sorted(latest))


class ActivityService:
    def __init__(self, store: Store, buses: BusService) -> None:
        self._store = store
        self._buses = buses

    async def recent(
        self, scope: Scope, bus_name: str, *, after: str | None = None, limit: int = 25
    ) -> RecentActivity:
        """Without ``after``, the bus's latest ``limit`` events; with a cursor of an earlier
        answer, the events that came after those (at most ``limit``, oldest first)."""
        if not 1 <= limit <= MAX_RECENT_EVENTS:
            raise ValidationError(f"Limit must be between 1 and {MAX_RECENT_EVENTS}.")
        await self._buses.get(scope, bus_name)  # ResourceNotFound for a missing bus
        page = await self._store.recent_events(
            scope, bus_name, after=_cursor_seq(after), limit=limit
        )
        arns: dict[str, dict[str, str]] = {}  # rule ARN -> target id -> target ARN
        events = []
        for recent in page.events:
            events.append(await self._activity(recent, arns))
        return RecentActivity(events, str(page.cursor))

    async def _activity(
        self, recent: RecentEvent, arns: dict[str, dict[str, str]]
    ) -> EventActivity:
        statuses = []
        for delivery in latest_deliveries(recent.deliveries):
            of_rule = arns.get(delivery.rule_arn)
            if of_rule is None:
                targets = await self._store.list_targets(delivery.rule_arn)
                of_rule = arns[delivery.rule_arn] = {t.id: t.arn for t in targets}
            statuses.append(
                DeliveryStatus(
                    delivery.rule_arn,
                    delivery.target_id,
                    of_rule.get(delivery.target_id),
                    delivery.state,
                    delivery.attempts,
                    delivery.next_attempt_at,
                    delivery.error_code,
                )
            )
        return EventActivity(recent.event, tuple(statuses))


def _cursor_seq(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 19:
        raise ValidationError(f"Invalid cursor: {cursor}")
    return int(cursor)
