"""Event buses: create, describe, list, update, delete, and the default bus every scope has."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Final

from busway.arns import bus_arn
from busway.clock import Clock
from busway.errors import LimitExceeded, ResourceAlreadyExists, ResourceNotFound, ValidationError
from busway.model import EventBus, LogConfig, Scope
from busway.service.paging import DEFAULT_PAGE_SIZE, Page, decode_token, page_of
from busway.service.routing import RoutingTable
from busway.store import Store

__all__ = [
    "DEFAULT_BUS",
    "MAX_TAGS_PER_RESOURCE",
    "BusService",
    "bus_name_of",
    "bus_not_found",
    "check_tag_count",
]

DEFAULT_BUS: Final = "default"
MAX_TAGS_PER_RESOURCE: Final = 50
_BUS_ARN: Final = re.compile(r"arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus/(.+)")


def bus_name_of(name_or_arn: str) -> str:
    """The bus name in an ``EventBusName`` member, which may also be the bus's ARN.

    An ARN of another account or region names a bus busway does not hold apart from the
    caller's own, so only its name counts: the bus is looked up in the caller's scope.
    """
    if not name_or_arn.startswith("arn:"):  # the common case, on PutEvents' hot path
        return name_or_arn
    match = _BUS_ARN.fullmatch(name_or_arn)
    return match.group(1) if match else name_or_arn


def bus_not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(f"Event bus {name} does not exist.")


def check_tag_count(count: int) -> None:
    """Refuse a resource that would carry more tags than AWS allows (buses and rules alike)."""
    if count > MAX_TAGS_PER_RESOURCE:
        # AWS's text for this is not recorded; worded after its other quota messages.
        raise LimitExceeded(
            f"The number of tags on a resource cannot exceed {MAX_TAGS_PER_RESOURCE}."
        )


class BusService:
    def __init__(self, store: Store, routing: RoutingTable, clock: Clock) -> None:
        self._store = store
        self._routing = routing
        self._clock = clock

    async def ensure_default(self, scope: Scope) -> EventBus:
        """The scope's default bus, stored the first time anything asks for it."""
        bus = await self._store.get_bus(scope, DEFAULT_BUS)
        if bus is not None:
            return bus
        now = self._clock.now()
        fresh = EventBus(scope, DEFAULT_BUS, bus_arn(scope, DEFAULT_BUS), now, now)
        self._routing.add_bus(scope, DEFAULT_BUS)
        if await self._store.create_bus(fresh):
            return fresh
        # Another request stored it between our read and our write: theirs stands.
        return await self._store.get_bus(scope, DEFAULT_BUS) or fresh

    async def get(self, scope: Scope, name: str) -> EventBus:
        if name == DEFAULT_BUS:
            return await self.ensure_default(scope)
        bus = await self._store.get_bus(scope, name)
        if bus is None:
            raise bus_not_found(name)
        return bus

    async def create(
        self,
        scope: Scope,
        name: str,
        *,
        event_source_name: str | None = None,
        description: str | None = None,
        kms_key_identifier: str | None = None,
        dead_letter_arn: str | None = None,
        log_config: LogConfig | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> EventBus:
        if name == DEFAULT_BUS:
            raise ResourceAlreadyExists(f"Event bus {name} already exists.")
        if event_source_name is not None:
            # Partner event sources are not implemented, so none exists to attach a bus to.
            raise ResourceNotFound(f"Event source {event_source_name} does not exist.")
        if name.startswith("aws."):
            # AWS's text, as real-AWS error reports quote it (terraform-provider-aws #35065,
            # for a partner bus name without EventSourceName): the prefix is checked before '/'.
            raise ValidationError("EventBus name starting with 'aws.' is not valid.")
        if "/" in name:
            raise ValidationError("Event bus name must not contain '/'.")
        check_tag_count(len(tags or {}))
        now = self._clock.now()
        bus = EventBus(
            scope,
            name,
            bus_arn(scope, name),
            now,
            now,
            description=description,
            kms_key_identifier=kms_key_identifier,
            dead_letter_arn=dead_letter_arn,
            log_config=log_config,
        )
        if not await self._store.create_bus(bus):
            raise ResourceAlreadyExists(f"Event bus {name} already exists.")
        if tags:
            await self._store.tag(bus.arn, tags)
        self._routing.add_bus(scope, name)
        return bus

    async def update(
        self,
        scope: Scope,
        name: str,
        *,
        description: str | None = None,
        kms_key_identifier: str | None = None,
        dead_letter_arn: str | None = None,
        log_config: LogConfig | None = None,
    ) -> EventBus:
        """Change the members given; members left out keep their values."""
        bus = await self.get(scope, name)
        updated = replace(
            bus,
            description=bus.description if description is None else description,
            kms_key_identifier=(
                bus.kms_key_identifier if kms_key_identifier is None else kms_key_identifier
            ),
            dead_letter_arn=bus.dead_letter_arn if dead_letter_arn is None else dead_letter_arn,
            log_config=bus.log_config if log_config is None else log_config,
            modified_at=self._clock.now(),
        )
        await self._store.update_bus(updated)
        return updated

    async def set_policy(self, bus: EventBus, policy: str | None) -> EventBus:
        updated = replace(bus, policy=policy, modified_at=self._clock.now())
        await self._store.update_bus(updated)
        return updated

    async def delete(self, scope: Scope, name: str) -> None:
        """Delete a custom bus with its rules and their targets; an unknown name is no error.

        The spec (7.1) marks ResourceNotFoundException here as recorded on AWS, but the
        recording it cites (LocalStack's AWS-validated test_describe_delete_not_existing_event_bus)
        calls DeleteEventBus outside ``pytest.raises``, so on AWS it succeeded; the snapshot
        entry named after the delete holds the DescribeEventBus error object of the line before.
        The API model lists no ResourceNotFound for the operation either."""
        if name == DEFAULT_BUS:
            raise ValidationError("Cannot delete event bus default.")
        if await self._store.get_bus(scope, name) is None:
            return
        await self._store.delete_bus(scope, name)
        self._routing.remove_bus(scope, name)

    async def list(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> Page[EventBus]:
        after = decode_token(next_token)
        await self.ensure_default(scope)
        size = limit or DEFAULT_PAGE_SIZE
        fetched = await self._store.list_buses(scope, prefix=prefix, after=after, limit=size + 1)
        return page_of(fetched, size, lambda bus: bus.name)
