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
  (group commit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from busway.model import Delivery, Event, EventBus, IngestRecord, Rule, Scope, Target

__all__ = ["Store"]


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

    async def get_event(self, event_id: str) -> Event | None: ...

    async def count_events(self) -> int: ...

    async def list_deliveries(self, event_id: str) -> list[Delivery]:
        """Deliveries still pending for an event, ordered by (rule ARN, target id)."""
        ...
