"""Tags on event buses and rules, addressed by ARN."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from busway.arns import bus_arn
from busway.clock import Clock
from busway.errors import ResourceNotFound
from busway.model import Scope
from busway.service.buses import DEFAULT_BUS, BusService, check_tag_count
from busway.service.routing import RoutingTable
from busway.service.rules import managed_rule, rule_not_found
from busway.store import Store

__all__ = ["TagService"]

_EVENTS_ARN: Final = re.compile(
    r"arn:aws[\w-]*:events:(?P<region>[^:]*):(?P<account>[^:]*):(?P<kind>[a-z-]+)/(?P<path>.+)"
)


class TagService:
    def __init__(self, store: Store, routing: RoutingTable, clock: Clock) -> None:
        self._store = store
        self._buses = BusService(store, routing, clock)

    async def list(self, scope: Scope, arn: str) -> dict[str, str]:
        await self._resolve(scope, arn, changing=False)
        return await self._store.get_tags(arn)

    async def tag(self, scope: Scope, arn: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags; the resource may end up with at most 50."""
        await self._resolve(scope, arn, changing=True)
        current = await self._store.get_tags(arn)
        check_tag_count(len(current.keys() | tags.keys()))
        await self._store.tag(arn, tags)

    async def untag(self, scope: Scope, arn: str, keys: Sequence[str]) -> None:
        """Remove tags by key; keys the resource does not carry are ignored."""
        await self._resolve(scope, arn, changing=True)
        await self._store.untag(arn, keys)

    async def _resolve(self, scope: Scope, arn: str, *, changing: bool) -> None:
        """Check that the ARN names an existing bus or rule of the caller's scope."""
        match = _EVENTS_ARN.fullmatch(arn)
        kind = match.group("kind") if match else None
        path = match.group("path") if match else ""
        if match is None or kind not in ("event-bus", "rule"):
            raise ResourceNotFound(f"Resource {arn} does not exist.")
        if kind == "event-bus":
            if arn != bus_arn(scope, path):
                raise ResourceNotFound(f"Event bus {path} does not exist.")
            await self._buses.get(scope, path)
            return
        bus_name, _, rule_name = path.rpartition("/")
        bus_name = bus_name or DEFAULT_BUS
        rule = await self._store.get_rule(scope, bus_name, rule_name)
        if rule is None or rule.arn != arn:  # also refuses another account's or region's ARN
            raise rule_not_found(rule_name, bus_name)
        if changing and rule.managed_by is not None:
            raise managed_rule(rule)
