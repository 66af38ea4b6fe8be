"""The ``LogGroupStore`` port: log groups, their streams and log events, kept durably.

Times are integer milliseconds since the Unix epoch, as CloudWatch Logs counts them. Every read
is bounded by a ``limit``; events are ordered by ``(timestamp, id)``, where ``id`` grows with
each event stored, so a ``Cursor`` marks an exact place to resume reading from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from busway.model import Scope

__all__ = [
    "BY_NAME",
    "Cursor",
    "EventQuery",
    "LogEvent",
    "LogGroup",
    "LogGroupStore",
    "LogStream",
    "NewLogEvent",
    "ResourcePolicy",
    "StreamOrder",
]


@dataclass(frozen=True, slots=True)
class LogGroup:
    scope: Scope
    name: str
    created_at: int
    retention_days: int | None = None  # None: events never expire
    stored_bytes: int = 0
    kms_key_id: str | None = None  # shown as given; busway encrypts nothing with it
    log_group_class: str = "STANDARD"


@dataclass(frozen=True, slots=True)
class LogStream:
    group_name: str
    name: str
    created_at: int
    first_event_at: int | None = None
    last_event_at: int | None = None
    last_ingestion_at: int | None = None
    stored_bytes: int = 0


@dataclass(frozen=True, slots=True)
class ResourcePolicy:
    """An account-level resource policy of CloudWatch Logs (which services may write logs)."""

    scope: Scope
    name: str
    document: str
    updated_at: int


@dataclass(frozen=True, slots=True)
class NewLogEvent:
    timestamp: int
    message: str


@dataclass(frozen=True, slots=True)
class LogEvent:
    id: int
    stream_name: str
    timestamp: int
    message: str
    ingested_at: int

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.timestamp, self.id)


@dataclass(frozen=True, slots=True, order=True)
class Cursor:
    """A place between events: reading after it starts with the first event past it."""

    timestamp: int
    id: int


@dataclass(frozen=True, slots=True)
class StreamOrder:
    by_last_event: bool = False  # else by stream name
    descending: bool = False


BY_NAME = StreamOrder()


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which events of one group to read. Bounds are ``start <= timestamp < end``; ``terms`` must
    all occur in the message (case-sensitive). ``after``/``before`` are exclusive cursors;
    ``descending`` reads newest first (to page backwards)."""

    limit: int
    streams: tuple[str, ...] = ()  # empty: every stream
    stream_prefix: str | None = None
    start: int | None = None
    end: int | None = None
    terms: tuple[str, ...] = ()
    after: Cursor | None = None
    before: Cursor | None = None
    descending: bool = False


class LogGroupStore(Protocol):
    async def create_group(self, group: LogGroup, tags: Mapping[str, str] | None = None) -> bool:
        """False when the group already exists (it is left unchanged)."""
        ...

    async def group_tags(self, scope: Scope, name: str) -> dict[str, str]:
        """Raises ``ResourceNotFound`` without the group."""
        ...

    async def tag_group(
        self, scope: Scope, name: str, tags: Mapping[str, str], *, limit: int
    ) -> bool:
        """Add or replace tags; False, with nothing written, when the group would hold more
        than ``limit``. Raises ``ResourceNotFound`` without the group."""
        ...

    async def untag_group(self, scope: Scope, name: str, keys: Sequence[str]) -> None:
        """Raises ``ResourceNotFound`` without the group; unknown keys are no error."""
        ...

    async def get_group(self, scope: Scope, name: str) -> LogGroup | None: ...

    async def list_groups(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        pattern: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> list[LogGroup]:
        """Groups by name; ``pattern``: only names that hold it (case-sensitive)."""
        ...

    async def groups_with_retention(self, *, limit: int) -> list[LogGroup]:
        """Groups (of every scope) whose events expire, up to ``limit``."""
        ...

    async def delete_group(self, scope: Scope, name: str) -> bool:
        """Deletes the group, its streams and events; False when there was no such group."""
        ...

    async def set_retention(self, scope: Scope, name: str, days: int | None) -> bool:
        """False when there is no such group."""
        ...

    async def create_stream(self, scope: Scope, group_name: str, stream: LogStream) -> bool:
        """False when the stream exists; raises ``ResourceNotFound`` without the group."""
        ...

    async def delete_stream(self, scope: Scope, group_name: str, stream_name: str) -> bool:
        """Deletes the stream and its events; False when there was no such stream; raises
        ``ResourceNotFound`` without the group."""
        ...

    async def list_streams(
        self,
        scope: Scope,
        group_name: str,
        *,
        prefix: str | None = None,
        order: StreamOrder = BY_NAME,
        offset: int = 0,
        limit: int = 50,
    ) -> list[LogStream]: ...

    async def append(
        self,
        scope: Scope,
        group_name: str,
        stream_name: str,
        events: Sequence[NewLogEvent],
        ingested_at: int,
    ) -> None:
        """Store events, creating the stream if needed; raises ``ResourceNotFound`` without the
        group. All or nothing."""
        ...

    async def read_events(self, scope: Scope, group_name: str, query: EventQuery) -> list[LogEvent]:
        """Up to ``query.limit`` events in (timestamp, id) order, reversed when descending."""
        ...

    async def delete_events_before(
        self, scope: Scope, group_name: str, timestamp: int, *, limit: int
    ) -> int:
        """Delete up to ``limit`` events older than ``timestamp``; returns how many went."""
        ...

    async def put_resource_policy(self, policy: ResourcePolicy, *, limit: int) -> bool:
        """Create or replace the policy of that name; False, with nothing written, when it is
        new and its scope holds ``limit`` policies already."""
        ...

    async def list_resource_policies(self, scope: Scope) -> list[ResourcePolicy]:
        """The scope's policies by name."""
        ...

    async def delete_resource_policy(self, scope: Scope, name: str) -> bool:
        """False when there was no such policy."""
        ...
