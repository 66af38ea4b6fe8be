"""API destinations: an HTTP endpoint, a method, a rate limit and the connection to call it with
(spec section 9.2). A destination is ACTIVE while its connection is AUTHORIZED, else INACTIVE.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Final

from busway.arns import arn as arn_of
from busway.clock import Clock
from busway.config import Settings
from busway.endpoints import endpoint_refusal
from busway.errors import LimitExceeded, ResourceAlreadyExists, ResourceNotFound, ValidationError
from busway.model import Scope
from busway.service.connections import connection_not_found
from busway.service.paging import DEFAULT_PAGE_SIZE, Page, decode_token, page_of
from busway.store.connections import ApiDestination, ConnectionState, ConnectionStore

__all__ = [
    "DEFAULT_RATE_LIMIT_PER_SECOND",
    "ApiDestinationService",
    "ApiDestinationState",
    "DestinationView",
]

DEFAULT_RATE_LIMIT_PER_SECOND: Final = 300


class ApiDestinationState(enum.StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


# A destination with the state its connection gives it.
DestinationView = tuple[ApiDestination, ApiDestinationState]


def _not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(
        f"Failed to describe the api-destination(s). An api-destination '{name}' does not exist."
    )


class ApiDestinationService:
    def __init__(
        self,
        store: ConnectionStore,
        clock: Clock,
        settings: Settings,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._new_id = new_id

    async def create(
        self,
        scope: Scope,
        name: str,
        *,
        connection_arn: str,
        endpoint: str,
        http_method: str,
        rate_limit_per_second: int | None = None,
        description: str | None = None,
    ) -> DestinationView:
        rate = (
            DEFAULT_RATE_LIMIT_PER_SECOND
            if rate_limit_per_second is None
            else rate_limit_per_second
        )
        self._check(endpoint, rate)
        await self._connection_in(scope, connection_arn)
        now = self._clock.now()
        arn = arn_of(scope, "events", f"api-destination/{name}/{self._new_id()}")
        destination = ApiDestination(
            scope, name, arn, connection_arn, endpoint, http_method, rate, now, now, description
        )
        if not await self._store.create_api_destination(destination):
            raise ResourceAlreadyExists(f"An api-destination '{name}' already exists.")
        return destination, await self._state_of(destination)

    async def get(self, scope: Scope, name: str) -> DestinationView:
        destination = await self._get(scope, name)
        return destination, await self._state_of(destination)

    async def list(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        connection_arn: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> Page[DestinationView]:
        after = decode_token(next_token)
        size = limit or DEFAULT_PAGE_SIZE
        fetched = await self._store.list_api_destinations(
            scope, prefix=prefix, connection_arn=connection_arn, after=after, limit=size + 1
        )
        page = page_of(fetched, size, lambda destination: destination.name)
        states: dict[str, ApiDestinationState] = {}  # by connection ARN: one lookup each
        views = []
        for destination in page.items:
            if destination.connection_arn not in states:
                states[destination.connection_arn] = await self._state_of(destination)
            views.append((destination, states[destination.connection_arn]))
        return Page(views, page.next_token)

    async def update(
        self,
        scope: Scope,
        name: str,
        *,
        connection_arn: str | None = None,
        endpoint: str | None = None,
        http_method: str | None = None,
        rate_limit_per_second: int | None = None,
        description: str | None = None,
    ) -> DestinationView:
        """Change the members given; members left out keep their values."""
        current = await self._get(scope, name)
        updated = replace(
            current,
            connection_arn=connection_arn or current.connection_arn,
            endpoint=endpoint or current.endpoint,
            http_method=http_method or current.http_method,
            rate_limit_per_second=rate_limit_per_second or current.rate_limit_per_second,
            description=current.description if description is None else description,
            modified_at=self._clock.now(),
        )
        self._check(updated.endpoint, updated.rate_limit_per_second)
        if connection_arn is not None:
            await self._connection_in(scope, connection_arn)
        await self._store.update_api_destination(updated)
        return updated, await self._state_of(updated)

    async def delete(self, scope: Scope, name: str) -> None:
        """Rule targets that name the destination stay; their deliveries fail from now on."""
        destination = await self._get(scope, name)
        await self._store.delete_api_destination(destination.arn)

    async def _get(self, scope: Scope, name: str) -> ApiDestination:
        destination = await self._store.get_api_destination(scope, name)
        if destination is None:
            raise _not_found(name)
        return destination

    def _check(self, endpoint: str, rate: int) -> None:
        refusal = endpoint_refusal(endpoint, allow_http=self._settings.allow_http_endpoints)
        if refusal is not None:
            raise ValidationError(refusal)
        most = self._settings.max_api_destination_rate_per_second
        if rate > most:
            raise LimitExceeded(f"The invocation rate limit per second cannot exceed {most}.")

    async def _connection_in(self, scope: Scope, arn: str) -> None:
        connection = await self._store.get_connection_by_arn(arn)
        if connection is None or connection.scope != scope:
            raise connection_not_found(arn.split("/")[1] if arn.count("/") >= 2 else arn)

    async def _state_of(self, destination: ApiDestination) -> ApiDestinationState:
        connection = await self._store.get_connection_by_arn(destination.connection_arn)
        if connection is not None and connection.state is ConnectionState.AUTHORIZED:
            return ApiDestinationState.ACTIVE
        return ApiDestinationState.INACTIVE
