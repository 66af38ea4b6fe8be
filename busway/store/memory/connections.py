"""``MemoryConnectionStore``: connections and API destinations in dictionaries, for unit tests.

Nothing awaits between reading and changing the dictionaries, so each call is atomic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Protocol, TypeVar

from busway.model import Scope
from busway.store.connections import (
    ApiDestination,
    Connection,
    ConnectionState,
    deauthorizable,
)

__all__ = ["MemoryConnectionStore"]


class MemoryConnectionStore:
    def __init__(
        self, connections: Iterable[Connection] = (), destinations: Iterable[ApiDestination] = ()
    ) -> None:
        """Optionally holding some records from the start (tests built outside a coroutine)."""
        self._connections = {c.arn: c for c in connections}  # by ARN
        self._destinations = {d.arn: d for d in destinations}  # by ARN

    # --- connections -----------------------------------------------------------------------------
    async def create_connection(self, connection: Connection) -> bool:
        if await self.get_connection(connection.scope, connection.name) is not None:
            return False
        self._connections[connection.arn] = connection
        return True

    async def get_connection(self, scope: Scope, name: str) -> Connection | None:
        return _named(self._connections.values(), scope, name)

    async def get_connection_by_arn(self, arn: str) -> Connection | None:
        return self._connections.get(arn)

    async def list_connections(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        state: ConnectionState | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Connection]:
        found = (c for c in self._connections.values() if state is None or c.state is state)
        return _page(found, scope, lambda c: c.name, prefix, after, limit)

    async def update_connection(self, connection: Connection) -> None:
        if connection.arn in self._connections:
            self._connections[connection.arn] = connection

    async def mark_authorized(self, arn: str, at: datetime) -> bool:
        connection = self._connections.get(arn)
        if connection is None or connection.state is not ConnectionState.AUTHORIZING:
            return False
        authorized = replace(connection, state=ConnectionState.AUTHORIZED, authorized_at=at)
        self._connections[arn] = authorized
        return True

    async def mark_deauthorized(self, arn: str, modified_at: datetime) -> bool:
        connection = self._connections.get(arn)
        if connection is None or not deauthorizable(connection, modified_at):
            return False
        self._connections[arn] = replace(connection, state=ConnectionState.DEAUTHORIZED)
        return True

    async def delete_connection(self, arn: str) -> None:
        self._connections.pop(arn, None)

    # --- API destinations ------------------------------------------------------------------------
    async def create_api_destination(self, destination: ApiDestination) -> bool:
        if await self.get_api_destination(destination.scope, destination.name) is not None:
            return False
        self._destinations[destination.arn] = destination
        return True

    async def get_api_destination(self, scope: Scope, name: str) -> ApiDestination | None:
        return _named(self._destinations.values(), scope, name)

    async def get_api_destination_by_arn(self, arn: str) -> ApiDestination | None:
        return self._destinations.get(arn)

    async def list_api_destinations(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        connection_arn: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ApiDestination]:
        found = (
            d
            for d in self._destinations.values()
            if connection_arn is None or d.connection_arn == connection_arn
        )
        return _page(found, scope, lambda d: d.name, prefix, after, limit)

    async def update_api_destination(self, destination: ApiDestination) -> None:
        if destination.arn in self._destinations:
            self._destinations[destination.arn] = destination

    async def delete_api_destination(self, arn: str) -> None:
        self._destinations.pop(arn, None)


class _Named(Protocol):
    @property
    def scope(self) -> Scope: ...

    @property
    def name(self) -> str: ...


R = TypeVar("R", bound=_Named)


def _named(records: Iterable[R], scope: Scope, name: str) -> R | None:
    return next((r for r in records if r.scope == scope and r.name == name), None)


def _page(
    records: Iterable[R],
    scope: Scope,
    key: Callable[[R], str],
    prefix: str | None,
    after: str | None,
    limit: int,
) -> list[R]:
    """Name order, as the SQL stores page: by name, strictly after ``after``."""
    chosen = [
        r
        for r in records
        if r.scope == scope
        and (prefix is None or key(r).startswith(prefix))
        and (after is None or key(r) > after)
    ]
    return sorted(chosen, key=key)[: max(limit, 0)]
