"""``MemoryLogGroupStore``: the ``LogGroupStore`` port in dictionaries, for unit tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from busway.errors import ResourceNotFound
from busway.model import Scope
from busway.store.log_groups import (
    BY_NAME,
    EventQuery,
    LogEvent,
    LogGroup,
    LogStream,
    NewLogEvent,
    ResourcePolicy,
    StreamOrder,
)

__all__ = ["MemoryLogGroupStore"]


@dataclass(slots=True)
class _Group:
    group: LogGroup
    streams: dict[str, LogStream] = field(default_factory=dict)
    events: list[LogEvent] = field(default_factory=list)  # in the order stored
    tags: dict[str, str] = field(default_factory=dict)


class MemoryLogGroupStore:
    """Nothing awaits between reading and changing the dictionaries, so each call is atomic."""

    def __init__(self) -> None:
        self._groups: dict[tuple[Scope, str], _Group] = {}
        self._ids = itertools.count(1)
        self._policies: dict[Scope, dict[str, ResourcePolicy]] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def _found(self, scope: Scope, name: str) -> _Group:
        entry = self._groups.get((scope, name))
        if entry is None:
            raise ResourceNotFound("The specified log group does not exist.")
        return entry

    def _with_bytes(self, entry: _Group) -> LogGroup:
        stored = sum(stream.stored_bytes for stream in entry.streams.values())
        return replace(entry.group, stored_bytes=stored)

    async def create_group(self, group: LogGroup, tags: Mapping[str, str] | None = None) -> bool:
        key = (group.scope, group.name)
        if key in self._groups:
            return False
        self._groups[key] = _Group(group, tags=dict(tags or {}))
        return True

    async def group_tags(self, scope: Scope, name: str) -> dict[str, str]:
        return dict(sorted(self._found(scope, name).tags.items()))

    async def tag_group(
        self, scope: Scope, name: str, tags: Mapping[str, str], *, limit: int
    ) -> bool:
        entry = self._found(scope, name)
        if len(entry.tags | dict(tags)) > limit:
            return False
        entry.tags.update(tags)
        return True

    async def untag_group(self, scope: Scope, name: str, keys: Sequence[str]) -> None:
        entry = self._found(scope, name)
        for key in keys:
            entry.tags.pop(key, None)

    async def get_group(self, scope: Scope, name: str) -> LogGroup | None:
        entry = self._groups.get((scope, name))
        return None if entry is None else self._with_bytes(entry)

    async def list_groups(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        pattern: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> list[LogGroup]:
        names = sorted(
            name
            for group_scope, name in self._groups
            if group_scope == scope
            and name.startswith(prefix or "")
            and (pattern is None or pattern in name)
        )
        chosen = names[offset : offset + max(limit, 0)]
        return [self._with_bytes(self._groups[(scope, name)]) for name in chosen]

    async def groups_with_retention(self, *, limit: int) -> list[LogGroup]:
        found = [e.group for e in self._groups.values() if e.group.retention_days is not None]
        found.sort(key=lambda group: (group.scope.account, group.scope.region, group.name))
        return found[: max(limit, 0)]

    async def delete_group(self, scope: Scope, name: str) -> bool:
        return self._groups.pop((scope, name), None) is not None

    async def set_retention(self, scope: Scope, name: str, days: int | None) -> bool:
        entry = self._groups.get((scope, name))
        if entry is None:
            return False
        entry.group = replace(entry.group, retention_days=days)
        return True

    async def create_stream(self, scope: Scope, group_name: str, stream: LogStream) -> bool:
        entry = self._found(scope, group_name)
        if stream.name in entry.streams:
            return False
        entry.streams[stream.name] = replace(stream, group_name=group_name)
        return True

    async def delete_stream(self, scope: Scope, group_name: str, stream_name: str) -> bool:
        entry = self._found(scope, group_name)
        if entry.streams.pop(stream_name, None) is None:
            return False
        entry.events = [e for e in entry.events if e.stream_name != stream_name]
        return True

    async def list_streams(
        self,
        scope: Scope,
        group_name: str,
        *,
        prefix: str | None = None,
        order: StreamOrder = BY_NAME,
        offset: int = 0,
        limit: int = 50,
    ) -> list[LogStream]:
        entry = self._found(scope, group_name)
        streams = [s for s in entry.streams.values() if s.name.startswith(prefix or "")]
        if order.by_last_event:
            streams.sort(key=lambda s: (s.last_event_at or 0, s.name), reverse=order.descending)
        else:
            streams.sort(key=lambda s: s.name, reverse=order.descending)
        return streams[offset : offset + max(limit, 0)]

    async def append(
        self,
        scope: Scope,
        group_name: str,
        stream_name: str,
        events: Sequence[NewLogEvent],
        ingested_at: int,
    ) -> None:
        entry = self._found(scope, group_name)
        stream = entry.streams.get(stream_name) or LogStream(group_name, stream_name, ingested_at)
        for new in events:
            event_id = next(self._ids)
            entry.events.append(
                LogEvent(event_id, stream_name, new.timestamp, new.message, ingested_at)
            )
            stream = _grown(stream, new, ingested_at)
        entry.streams[stream_name] = stream

    async def read_events(self, scope: Scope, group_name: str, query: EventQuery) -> list[LogEvent]:
        entry = self._found(scope, group_name)
        chosen = sorted(
            (event for event in entry.events if _matches(event, query)),
            key=lambda event: event.cursor,
            reverse=query.descending,
        )
        return chosen[: max(query.limit, 0)]

    async def delete_events_before(
        self, scope: Scope, group_name: str, timestamp: int, *, limit: int
    ) -> int:
        entry = self._groups.get((scope, group_name))
        if entry is None:
            return 0
        old = sorted((e for e in entry.events if e.timestamp < timestamp), key=lambda e: e.cursor)
        doomed = {event.id for event in old[: max(limit, 0)]}
        entry.events = [event for event in entry.events if event.id not in doomed]
        return len(doomed)

    async def put_resource_policy(self, policy: ResourcePolicy, *, limit: int) -> bool:
        policies = self._policies.setdefault(policy.scope, {})
        if policy.name not in policies and len(policies) >= limit:
            return False
        policies[policy.name] = policy
        return True

    async def list_resource_policies(self, scope: Scope) -> list[ResourcePolicy]:
        policies = self._policies.get(scope, {})
        return [policies[name] for name in sorted(policies)]

    async def delete_resource_policy(self, scope: Scope, name: str) -> bool:
        return self._policies.get(scope, {}).pop(name, None) is not None


def _grown(stream: LogStream, new: NewLogEvent, ingested_at: int) -> LogStream:
    first, last = stream.first_event_at, stream.last_event_at
    return replace(
        stream,
        first_event_at=new.timestamp if first is None else min(first, new.timestamp),
        last_event_at=new.timestamp if last is None else max(last, new.timestamp),
        last_ingestion_at=ingested_at,
        stored_bytes=stream.stored_bytes + len(new.message.encode()),
    )


def _matches(event: LogEvent, query: EventQuery) -> bool:
    checks: Iterable[bool] = (
        not query.streams or event.stream_name in query.streams,
        query.stream_prefix is None or event.stream_name.startswith(query.stream_prefix),
        query.start is None or event.timestamp >= query.start,
        query.end is None or event.timestamp < query.end,
        query.after is None or event.cursor > query.after,
        query.before is None or event.cursor < query.before,
        all(term in event.message for term in query.terms),
    )
    return all(checks)
