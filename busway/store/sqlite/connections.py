"""``SqliteConnectionStore``: connections and API destinations on the shared ``SqliteDatabase``.

A record is kept as one JSON document written by msgspec (datetimes as RFC 3339 text in UTC),
so adding a member to a record needs no migration.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import msgspec

from busway.model import Scope
from busway.store.connections import (
    ApiDestination,
    Connection,
    ConnectionState,
    deauthorizable,
)
from busway.store.sql import read_queries
from busway.store.sqlite.database import SqliteDatabase

__all__ = ["SqliteConnectionStore"]

_Q = read_queries("busway.store.sqlite", "connections.sql")
_CONNECTION = msgspec.json.Decoder(Connection)
_DESTINATION = msgspec.json.Decoder(ApiDestination)
_ENCODER = msgspec.json.Encoder()


class SqliteConnectionStore:
    """The ``ConnectionStore`` on a database that is opened and closed by its owner."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database

    async def _rows(self, query: str, params: dict[str, Any]) -> list[Any]:
        return await self._database.read(lambda c: c.execute(query, params).fetchall())

    async def _one(self, query: str, params: dict[str, Any]) -> str | None:
        found = await self._rows(query, params)
        return found[0][0] if found else None

    async def _execute(self, query: str, params: dict[str, Any]) -> int:
        return await self._database.write(lambda c: c.execute(query, params).rowcount)

    # --- connections -----------------------------------------------------------------------------
    async def create_connection(self, connection: Connection) -> bool:
        return await self._execute(_Q["insert_connection"], _connection_params(connection)) == 1

    async def get_connection(self, scope: Scope, name: str) -> Connection | None:
        body = await self._one(_Q["get_connection"], _key(scope, name=name))
        return None if body is None else _CONNECTION.decode(body)

    async def get_connection_by_arn(self, arn: str) -> Connection | None:
        body = await self._one(_Q["get_connection_by_arn"], {"arn": arn})
        return None if body is None else _CONNECTION.decode(body)

    async def list_connections(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        state: ConnectionState | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Connection]:
        if limit <= 0:
            return []
        state_text = None if state is None else state.value
        params = _key(scope, prefix=prefix, state=state_text, after=after, limit=limit)
        return [
            _CONNECTION.decode(body) for (body,) in await self._rows(_Q["list_connections"], params)
        ]

    async def update_connection(self, connection: Connection) -> None:
        await self._execute(_Q["update_connection"], _connection_params(connection))

    async def mark_authorized(self, arn: str, at: datetime) -> bool:
        def authorized(current: Connection) -> Connection | None:
            if current.state is not ConnectionState.AUTHORIZING:
                return None
            return replace(current, state=ConnectionState.AUTHORIZED, authorized_at=at)

        return await self._change(arn, authorized)

    async def mark_deauthorized(self, arn: str, modified_at: datetime) -> bool:
        def refused(current: Connection) -> Connection | None:
            if not deauthorizable(current, modified_at):
                return None
            return replace(current, state=ConnectionState.DEAUTHORIZED)

        return await self._change(arn, refused)

    async def _change(self, arn: str, change: Callable[[Connection], Connection | None]) -> bool:
        """Store what ``change`` makes of the connection (None: no change), in one write."""

        def write(connection: sqlite3.Connection) -> bool:
            row = connection.execute(_Q["get_connection_by_arn"], {"arn": arn}).fetchone()
            changed = None if row is None else change(_CONNECTION.decode(row[0]))
            if changed is None:
                return False
            connection.execute(_Q["update_connection"], _connection_params(changed))
            return True

        return await self._database.write(write)

    async def delete_connection(self, arn: str) -> None:
        await self._execute(_Q["delete_connection"], {"arn": arn})

    # --- API destinations ------------------------------------------------------------------------
    async def create_api_destination(self, destination: ApiDestination) -> bool:
        params = _destination_params(destination)
        return await self._execute(_Q["insert_api_destination"], params) == 1

    async def get_api_destination(self, scope: Scope, name: str) -> ApiDestination | None:
        body = await self._one(_Q["get_api_destination"], _key(scope, name=name))
        return None if body is None else _DESTINATION.decode(body)

    async def get_api_destination_by_arn(self, arn: str) -> ApiDestination | None:
        body = await self._one(_Q["get_api_destination_by_arn"], {"arn": arn})
        return None if body is None else _DESTINATION.decode(body)

    async def list_api_destinations(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        connection_arn: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ApiDestination]:
        if limit <= 0:
            return []
        params = _key(scope, prefix=prefix, connection_arn=connection_arn, after=after, limit=limit)
        found = await self._rows(_Q["list_api_destinations"], params)
        return [_DESTINATION.decode(body) for (body,) in found]

    async def update_api_destination(self, destination: ApiDestination) -> None:
        await self._execute(_Q["update_api_destination"], _destination_params(destination))

    async def delete_api_destination(self, arn: str) -> None:
        await self._execute(_Q["delete_api_destination"], {"arn": arn})


def _key(scope: Scope, **params: Any) -> dict[str, Any]:
    return {"account": scope.account, "region": scope.region, **params}


def _connection_params(connection: Connection) -> dict[str, Any]:
    return _key(
        connection.scope,
        name=connection.name,
        arn=connection.arn,
        state=connection.state.value,
        body=_ENCODER.encode(connection).decode("utf-8"),
    )


def _destination_params(destination: ApiDestination) -> dict[str, Any]:
    return _key(
        destination.scope,
        name=destination.name,
        arn=destination.arn,
        connection_arn=destination.connection_arn,
        body=_ENCODER.encode(destination).decode("utf-8"),
    )
