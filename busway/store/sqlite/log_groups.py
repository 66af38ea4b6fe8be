"""``SqliteLogGroupStore``: the ``LogGroupStore`` port on the node's shared ``SqliteDatabase``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

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
from busway.store.sql import read_queries
from busway.store.sqlite.database import SqliteDatabase

__all__ = ["SqliteLogGroupStore"]

_Q = read_queries("busway.store.sqlite", "log_groups.sql")


class SqliteLogGroupStore:
    """Opening and closing the database is its owner's business (the node's ``SqliteStore``)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database

    async def _read(self, query: str, params: Mapping[str, Any]) -> list[Any]:
        return await self.database.read(lambda c: c.execute(query, params).fetchall())

    async def _group_id(self, scope: Scope, name: str) -> int:
        found = await self._read(_Q["group_id"], _key(scope, name))
        if not found:
            raise ResourceNotFound("The specified log group does not exist.")
        group_id: int = found[0][0]
        return group_id

    async def create_group(self, group: LogGroup, tags: Mapping[str, str] | None = None) -> bool:
        params = {
            **_key(group.scope, group.name),
            "created_at": group.created_at,
            "retention_days": group.retention_days,
            "kms_key_id": group.kms_key_id,
            "log_group_class": group.log_group_class,
        }

        def create(connection: sqlite3.Connection) -> bool:
            if connection.execute(_Q["insert_group"], params).rowcount != 1:
                return False
            _upsert_tags(connection, _group_id_in(connection, params), tags or {})
            return True

        return await self.database.write(create)

    async def group_tags(self, scope: Scope, name: str) -> dict[str, str]:
        key = _key(scope, name)

        def read(connection: sqlite3.Connection) -> dict[str, str]:
            params = {"group_id": _group_id_in(connection, key)}
            return dict(connection.execute(_Q["group_tags"], params).fetchall())

        return await self.database.read(read)

    async def tag_group(
        self, scope: Scope, name: str, tags: Mapping[str, str], *, limit: int
    ) -> bool:
        key = _key(scope, name)

        def tag(connection: sqlite3.Connection) -> bool:
            group_id = _group_id_in(connection, key)
            held = dict(connection.execute(_Q["group_tags"], {"group_id": group_id}).fetchall())
            if len(held | dict(tags)) > limit:
                return False
            _upsert_tags(connection, group_id, tags)
            return True

        return await self.database.write(tag)

    async def untag_group(self, scope: Scope, name: str, keys: Sequence[str]) -> None:
        key = _key(scope, name)

        def untag(connection: sqlite3.Connection) -> None:
            group_id = _group_id_in(connection, key)
            rows = [{"group_id": group_id, "key": tag_key} for tag_key in keys]
            connection.executemany(_Q["delete_group_tag"], rows)

        await self.database.write(untag)

    async def get_group(self, scope: Scope, name: str) -> LogGroup | None:
        found = await self._read(_Q["get_group"], _key(scope, name))
        return _group(found[0]) if found else None

    async def list_groups(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        pattern: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> list[LogGroup]:
        params = {
            **_key(scope, ""),
            "prefix": prefix,
            "pattern": pattern,
            "offset": offset,
            "limit": max(limit, 0),
        }
        return [_group(row) for row in await self._read(_Q["list_groups"], params)]

    async def groups_with_retention(self, *, limit: int) -> list[LogGroup]:
        rows = await self._read(_Q["groups_with_retention"], {"limit": max(limit, 0)})
        return [_group(row) for row in rows]

    async def delete_group(self, scope: Scope, name: str) -> bool:
        params = _key(scope, name)
        return await self.database.write(
            lambda c: c.execute(_Q["delete_group"], params).rowcount == 1
        )

    async def set_retention(self, scope: Scope, name: str, days: int | None) -> bool:
        params = {**_key(scope, name), "days": days}
        return await self.database.write(
            lambda c: c.execute(_Q["set_retention"], params).rowcount == 1
        )

    async def create_stream(self, scope: Scope, group_name: str, stream: LogStream) -> bool:
        key = _key(scope, group_name)

        def create(connection: sqlite3.Connection) -> bool:
            group_id = _group_id_in(connection, key)
            params = {"group_id": group_id, "name": stream.name, "created_at": stream.created_at}
            return connection.execute(_Q["insert_stream"], params).rowcount == 1

        return await self.database.write(create)

    async def delete_stream(self, scope: Scope, group_name: str, stream_name: str) -> bool:
        key = _key(scope, group_name)

        def delete(connection: sqlite3.Connection) -> bool:
            params = {"group_id": _group_id_in(connection, key), "name": stream_name}
            return connection.execute(_Q["delete_stream"], params).rowcount == 1

        return await self.database.write(delete)

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
        params = {
            "group_id": await self._group_id(scope, group_name),
            "prefix": prefix,
            "by_last": order.by_last_event,
            "descending": order.descending,
            "offset": offset,
            "limit": max(limit, 0),
        }
        rows = await self._read(_Q["list_streams"], params)
        return [LogStream(group_name, *row) for row in rows]

    async def append(
        self,
        scope: Scope,
        group_name: str,
        stream_name: str,
        events: Sequence[NewLogEvent],
        ingested_at: int,
    ) -> None:
        if not events:
            return
        key = _key(scope, group_name)
        timestamps = [event.timestamp for event in events]
        stream = {
            "name": stream_name,
            "ingested_at": ingested_at,
            "first": min(timestamps),
            "last": max(timestamps),
            "bytes": sum(len(event.message.encode()) for event in events),
        }

        def append(connection: sqlite3.Connection) -> None:
            group_id = _group_id_in(connection, key)
            connection.execute(_Q["grow_stream"], {**stream, "group_id": group_id})
            rows = [(group_id, stream_name, e.timestamp, e.message, ingested_at) for e in events]
            connection.executemany(_Q["insert_event"], rows)

        await self.database.write(append)

    async def read_events(self, scope: Scope, group_name: str, query: EventQuery) -> list[LogEvent]:
        params = {
            "group_id": await self._group_id(scope, group_name),
            "streams": json.dumps(query.streams) if query.streams else None,
            "stream_prefix": query.stream_prefix,
            "start": query.start,
            "end": query.end,
            "after_ts": query.after.timestamp if query.after else None,
            "after_id": query.after.id if query.after else None,
            "before_ts": query.before.timestamp if query.before else None,
            "before_id": query.before.id if query.before else None,
            "terms": json.dumps(query.terms),
            "limit": max(query.limit, 0),
        }
        name = "read_events_descending" if query.descending else "read_events_ascending"
        return [LogEvent(*row) for row in await self._read(_Q[name], params)]

    async def delete_events_before(
        self, scope: Scope, group_name: str, timestamp: int, *, limit: int
    ) -> int:
        key = _key(scope, group_name)

        def delete(connection: sqlite3.Connection) -> int:
            found = connection.execute(_Q["group_id"], key).fetchone()
            if found is None:
                return 0
            params = {"group_id": found[0], "timestamp": timestamp, "limit": max(limit, 0)}
            deleted: int = connection.execute(_Q["delete_events_before"], params).rowcount
            return deleted

        return await self.database.write(delete)

    async def put_resource_policy(self, policy: ResourcePolicy, *, limit: int) -> bool:
        params = {
            **_key(policy.scope, policy.name),
            "document": policy.document,
            "updated_at": policy.updated_at,
        }

        def put(connection: sqlite3.Connection) -> bool:
            exists = connection.execute(_Q["resource_policy_exists"], params).fetchone()
            if exists is None:
                (count,) = connection.execute(_Q["count_resource_policies"], params).fetchone()
                if count >= limit:
                    return False
            connection.execute(_Q["upsert_resource_policy"], params)
            return True

        return await self.database.write(put)

    async def list_resource_policies(self, scope: Scope) -> list[ResourcePolicy]:
        rows = await self._read(_Q["list_resource_policies"], _key(scope, ""))
        return [
            ResourcePolicy(Scope(account, region), name, document, updated_at)
            for account, region, name, document, updated_at in rows
        ]

    async def delete_resource_policy(self, scope: Scope, name: str) -> bool:
        params = _key(scope, name)
        return await self.database.write(
            lambda c: c.execute(_Q["delete_resource_policy"], params).rowcount == 1
        )


def _key(scope: Scope, name: str) -> dict[str, Any]:
    return {"account": scope.account, "region": scope.region, "name": name}


def _group_id_in(connection: sqlite3.Connection, key: Mapping[str, Any]) -> int:
    found = connection.execute(_Q["group_id"], key).fetchone()
    if found is None:
        raise ResourceNotFound("The specified log group does not exist.")
    group_id: int = found[0]
    return group_id


def _group(row: Sequence[Any]) -> LogGroup:
    account, region, name, created_at, retention_days, stored_bytes, kms_key_id, log_class = row
    return LogGroup(
        Scope(account, region),
        name,
        created_at,
        retention_days,
        stored_bytes,
        kms_key_id,
        log_class,
    )


def _upsert_tags(connection: sqlite3.Connection, group_id: int, tags: Mapping[str, str]) -> None:
    rows = [{"group_id": group_id, "key": key, "value": value} for key, value in tags.items()]
    connection.executemany(_Q["upsert_group_tag"], rows)
