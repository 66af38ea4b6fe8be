"""The ``ConnectionStore`` contract, run against every implementation."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from busway.model import Scope
from busway.store.connections import (
    ApiDestination,
    ApiKeyAuth,
    AuthorizationType,
    BasicAuth,
    Connection,
    ConnectionState,
    ConnectionStore,
    HttpParameterSet,
    OAuthClientCredentials,
    Parameter,
)
from busway.store.memory.connections import MemoryConnectionStore
from busway.store.sqlite.connections import SqliteConnectionStore
from busway.store.sqlite.database import SqliteDatabase
from tests.contract.support import OTHER_SCOPE, SCOPE, T0

Body = Callable[[ConnectionStore], Awaitable[None]]


@asynccontextmanager
async def _memory(_: pathlib.Path) -> AsyncIterator[ConnectionStore]:
    yield MemoryConnectionStore()


@asynccontextmanager
async def _sqlite(tmp_path: pathlib.Path) -> AsyncIterator[ConnectionStore]:
    database = SqliteDatabase(tmp_path / "busway.db")
    await database.open()
    try:
        yield SqliteConnectionStore(database)
    finally:
        await database.close()


_STORES = {"memory": _memory, "sqlite": _sqlite}


@pytest.fixture(params=sorted(_STORES))
def run(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Callable[[Body], None]:
    """Runs a test body against a fresh, open store of one kind."""
    opener = _STORES[request.param]

    def runner(body: Body) -> None:
        async def main() -> None:
            async with opener(tmp_path) as store:
                await body(store)

        asyncio.run(main())

    return runner


def connection(name: str, scope: Scope = SCOPE, **fields: Any) -> Connection:
    made = Connection(
        scope=scope,
        name=name,
        arn=f"arn:aws:events:{scope.region}:{scope.account}:connection/{name}/id-{name}",
        secret_arn=f"arn:aws:secretsmanager:{scope.region}:{scope.account}:secret:x-{name}",
        authorization_type=AuthorizationType.BASIC,
        state=ConnectionState.AUTHORIZED,
        created_at=T0,
        modified_at=T0,
        authorized_at=T0,
        basic=BasicAuth("user", "s3cret"),
    )
    return replace(made, **fields)


def destination(
    name: str, connection_arn: str, scope: Scope = SCOPE, **fields: Any
) -> ApiDestination:
    made = ApiDestination(
        scope=scope,
        name=name,
        arn=f"arn:aws:events:{scope.region}:{scope.account}:api-destination/{name}/id-{name}",
        connection_arn=connection_arn,
        endpoint="https://example.com/orders/*",
        http_method="POST",
        rate_limit_per_second=300,
        created_at=T0,
        modified_at=T0,
    )
    return replace(made, **fields)


def test_a_connection_round_trips_with_its_secrets(run: Callable[[Body], None]) -> None:
    oauth = connection(
        "oauth",
        authorization_type=AuthorizationType.OAUTH_CLIENT_CREDENTIALS,
        state=ConnectionState.AUTHORIZING,
        authorized_at=None,
        basic=None,
        description="tokens",
        oauth=OAuthClientCredentials(
            "client",
            "client-secret",
            "https://auth.example.com/token",
            "POST",
            HttpParameterSet(body=(Parameter("grant_type", "client_credentials"),)),
        ),
        invocation_parameters=HttpParameterSet(
            headers=(Parameter("x-a", "1"), Parameter("x-b", "hidden", is_secret=True)),
            query=(Parameter("q", "v"),),
        ),
    )
    keyed = connection("keyed", basic=None, api_key=ApiKeyAuth("x-api-key", "k"))

    async def body(store: ConnectionStore) -> None:
        assert await store.create_connection(oauth)
        assert await store.create_connection(keyed)
        assert await store.get_connection(SCOPE, "oauth") == oauth
        assert await store.get_connection_by_arn(keyed.arn) == keyed
        assert await store.get_connection(OTHER_SCOPE, "oauth") is None
        assert await store.get_connection_by_arn(keyed.arn + "x") is None

    run(body)


def test_a_name_is_taken_once_per_scope(run: Callable[[Body], None]) -> None:
    async def body(store: ConnectionStore) -> None:
        assert await store.create_connection(connection("c"))
        again = connection("c", arn="arn:aws:events:us-east-1:123456789012:connection/c/other")
        assert not await store.create_connection(again)
        assert await store.create_connection(connection("c", scope=OTHER_SCOPE))
        assert (await store.get_connection(SCOPE, "c")) == connection("c")

    run(body)


def test_connections_list_by_name_with_prefix_state_and_paging(
    run: Callable[[Body], None],
) -> None:
    async def body(store: ConnectionStore) -> None:
        for name in ("b", "a2", "a1", "c"):
            await store.create_connection(connection(name))
        await store.create_connection(connection("a3", scope=OTHER_SCOPE))
        deauthorized = connection("a0", state=ConnectionState.DEAUTHORIZED)
        await store.create_connection(deauthorized)
        names = [c.name for c in await store.list_connections(SCOPE)]
        assert names == ["a0", "a1", "a2", "b", "c"]
        listed = await store.list_connections(SCOPE, prefix="a", after="a0", limit=1)
        assert [c.name for c in listed] == ["a1"]
        found = await store.list_connections(SCOPE, state=ConnectionState.DEAUTHORIZED)
        assert found == [deauthorized]
        assert await store.list_connections(SCOPE, limit=0) == []

    run(body)


def test_connections_update_authorize_and_delete(run: Callable[[Body], None]) -> None:
    authorizing = connection("o", state=ConnectionState.AUTHORIZING, authorized_at=None)
    later = T0 + timedelta(seconds=5)

    async def body(store: ConnectionStore) -> None:
        await store.create_connection(authorizing)
        assert await store.mark_authorized(authorizing.arn, later)
        stored = await store.get_connection_by_arn(authorizing.arn)
        assert stored == replace(authorizing, state=ConnectionState.AUTHORIZED, authorized_at=later)
        assert not await store.mark_authorized(authorizing.arn, later)  # not AUTHORIZING now
        assert not await store.mark_authorized("arn:missing", later)
        changed = replace(authorizing, state=ConnectionState.DEAUTHORIZED, description="d")
        await store.update_connection(changed)
        assert await store.get_connection(SCOPE, "o") == changed
        assert await store.list_connections(SCOPE, state=ConnectionState.DEAUTHORIZED) == [changed]
        await store.update_connection(connection("never-created"))
        assert await store.get_connection(SCOPE, "never-created") is None
        await store.delete_connection(authorizing.arn)
        await store.delete_connection(authorizing.arn)
        assert await store.get_connection(SCOPE, "o") is None

    run(body)


def test_refused_credentials_deauthorize_only_the_connection_that_held_them(
    run: Callable[[Body], None],
) -> None:
    authorized = connection("a")
    authorizing = connection("o", state=ConnectionState.AUTHORIZING, authorized_at=None)
    changed = connection("c", modified_at=T0 + timedelta(seconds=5))

    async def body(store: ConnectionStore) -> None:
        for made in (authorized, authorizing, changed):
            await store.create_connection(made)
        assert await store.mark_deauthorized(authorized.arn, T0)
        assert await store.mark_deauthorized(authorizing.arn, T0)
        assert not await store.mark_deauthorized(changed.arn, T0)  # changed since T0
        assert not await store.mark_deauthorized(authorized.arn, T0)  # deauthorized already
        assert not await store.mark_deauthorized("arn:missing", T0)
        states = {c.name: c.state for c in await store.list_connections(SCOPE)}
        assert states == {
            "a": ConnectionState.DEAUTHORIZED,
            "c": ConnectionState.AUTHORIZED,
            "o": ConnectionState.DEAUTHORIZED,
        }
        stored = await store.get_connection_by_arn(authorized.arn)
        assert stored == replace(authorized, state=ConnectionState.DEAUTHORIZED)

    run(body)


def test_api_destinations_round_trip_list_update_and_delete(run: Callable[[Body], None]) -> None:
    first, second = connection("first"), connection("second")

    async def body(store: ConnectionStore) -> None:
        await store.create_connection(first)
        made = destination("d1", first.arn, description="orders")
        assert await store.create_api_destination(made)
        assert not await store.create_api_destination(made)
        await store.create_api_destination(destination("d2", second.arn))
        await store.create_api_destination(destination("d0", first.arn, scope=OTHER_SCOPE))
        assert await store.get_api_destination(SCOPE, "d1") == made
        assert await store.get_api_destination_by_arn(made.arn) == made
        assert [d.name for d in await store.list_api_destinations(SCOPE)] == ["d1", "d2"]
        by_connection = await store.list_api_destinations(SCOPE, connection_arn=second.arn)
        assert [d.name for d in by_connection] == ["d2"]
        paged = await store.list_api_destinations(SCOPE, prefix="d", after="d1", limit=5)
        assert [d.name for d in paged] == ["d2"]
        moved = replace(made, connection_arn=second.arn, rate_limit_per_second=7)
        await store.update_api_destination(moved)
        assert await store.get_api_destination_by_arn(made.arn) == moved
        assert len(await store.list_api_destinations(SCOPE, connection_arn=second.arn)) == 2
        await store.delete_api_destination(made.arn)
        assert await store.get_api_destination(SCOPE, "d1") is None

    run(body)
