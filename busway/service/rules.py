"""Rules: PutRule's create-or-replace, describe, list, enable, disable, delete.

Every change is written to the store first and then mirrored into the routing table, so the
ingest path sees a rule only once it is durable; the routing table tells the firing of schedules
(``rule_schedules``) that rules changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Final

from busway.arns import rule_arn
from busway.clock import Clock
from busway.config import Settings
from busway.errors import (
    InvalidEventPatternError,
    LimitExceeded,
    ManagedRuleError,
    ResourceNotFound,
    ValidationError,
)
from busway.model import Rule, RuleState, Scope
from busway.patterns import InvalidEventPattern, validate_pattern
from busway.patterns.compiler import compile_pattern
from busway.patterns.conditions import AnythingButWildcard, Wildcard
from busway.schedule import InvalidSchedule, parse_schedule
from busway.service.buses import DEFAULT_BUS, BusService, check_tag_count
from busway.service.paging import DEFAULT_PAGE_SIZE, Page, decode_token, page_of
from busway.service.routing import RoutingTable
from busway.store import Store

__all__ = ["QUOTA_EXCEEDED", "RuleService", "rule_not_found"]

# AWS's text for every quota a PutRule or PutTargets call would break (recorded for targets).
QUOTA_EXCEEDED: Final = "The requested resource exceeds the maximum number allowed."
_SCHEDULE_ONLY_ON_DEFAULT: Final = "ScheduleExpression is supported only on the default event bus."
_PATTERN_OR_SCHEDULE: Final = "Parameter(s) EventPattern or ScheduleExpression must be specified."
_HAS_TARGETS: Final = "Rule can't be deleted since it has targets."


def rule_not_found(name: str, bus_name: str) -> ResourceNotFound:
    return ResourceNotFound(f"Rule {name} does not exist on EventBus {bus_name}.")


def managed_rule(rule: Rule) -> ManagedRuleError:
    # AWS's wording is not recorded; this names the rule and the service that owns it.
    return ManagedRuleError(
        f"Rule {rule.name} is managed by {rule.managed_by} and cannot be changed by you."
    )


class RuleService:
    def __init__(
        self, store: Store, routing: RoutingTable, clock: Clock, settings: Settings
    ) -> None:
        self._store = store
        self._routing = routing
        self._clock = clock
        self._settings = settings
        self._buses = BusService(store, routing, clock)

    async def put(
        self,
        scope: Scope,
        name: str,
        *,
        bus_name: str = DEFAULT_BUS,
        event_pattern: str | None = None,
        schedule_expression: str | None = None,
        state: RuleState = RuleState.ENABLED,
        description: str | None = None,
        role_arn: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Rule:
        """Create the rule, or replace every field of an existing one but its targets and tags."""
        if event_pattern is None and schedule_expression is None:
            raise ValidationError(_PATTERN_OR_SCHEDULE)
        await self._buses.get(scope, bus_name)
        existing = await self._store.get_rule(scope, bus_name, name)
        if existing is not None and existing.managed_by is not None:
            raise managed_rule(existing)
        if schedule_expression is not None:
            _check_schedule(bus_name, schedule_expression)
        wildcard = event_pattern is not None and self._check_pattern(event_pattern)
        if existing is None:
            check_tag_count(len(tags or {}))
            await self._check_rule_quota(scope, bus_name)
        if wildcard and not (existing is not None and _has_wildcard(existing)):
            await self._check_wildcard_quota(scope, bus_name)
        rule = Rule(
            scope=scope,
            bus_name=bus_name,
            name=name,
            arn=rule_arn(scope, bus_name, name),
            state=state,
            created_at=existing.created_at if existing else self._clock.now(),
            created_by=scope.account,
            event_pattern=event_pattern,
            schedule_expression=schedule_expression,
            description=description,
            role_arn=role_arn,
        )
        await self._store.put_rule(rule)
        if existing is None and tags:
            await self._store.tag(rule.arn, tags)
        self._routing.put_rule(rule)
        return rule

    async def get(self, scope: Scope, name: str, *, bus_name: str = DEFAULT_BUS) -> Rule:
        await self._buses.get(scope, bus_name)
        rule = await self._store.get_rule(scope, bus_name, name)
        if rule is None:
            raise rule_not_found(name, bus_name)
        return rule

    async def list(
        self,
        scope: Scope,
        *,
        bus_name: str = DEFAULT_BUS,
        prefix: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> Page[Rule]:
        after = decode_token(next_token)
        await self._buses.get(scope, bus_name)
        size = limit or DEFAULT_PAGE_SIZE
        fetched = await self._store.list_rules(
            scope, bus_name, prefix=prefix, after=after, limit=size + 1
        )
        return page_of(fetched, size, lambda rule: rule.name)

    async def enable(self, scope: Scope, name: str, *, bus_name: str = DEFAULT_BUS) -> Rule:
        return await self._set_state(scope, name, bus_name, RuleState.ENABLED)

    async def disable(self, scope: Scope, name: str, *, bus_name: str = DEFAULT_BUS) -> Rule:
        return await self._set_state(scope, name, bus_name, RuleState.DISABLED)

    async def delete(
        self, scope: Scope, name: str, *, bus_name: str = DEFAULT_BUS, force: bool = False
    ) -> None:
        """Delete a rule without targets; deleting a rule that does not exist is no error."""
        await self._buses.get(scope, bus_name)
        rule = await self._store.get_rule(scope, bus_name, name)
        if rule is None:
            return
        if rule.managed_by is not None and not force:
            raise managed_rule(rule)
        if await self._store.list_targets(rule.arn):
            raise ValidationError(_HAS_TARGETS)
        await self._store.delete_rule(rule.arn)
        self._routing.remove_rule(rule)

    async def names_by_target(
        self,
        scope: Scope,
        target_arn: str,
        *,
        bus_name: str = DEFAULT_BUS,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> Page[str]:
        """Names of the bus's rules with a target of that ARN, ascending."""
        after = decode_token(next_token)
        await self._buses.get(scope, bus_name)
        size = limit or DEFAULT_PAGE_SIZE
        names: list[str] = []
        # Scan rules in name order until one more than a page has matched: a bus holds a few
        # hundred rules at most, and this runs on the control plane only.
        while len(names) <= size:
            batch = await self._store.list_rules(
                scope, bus_name, after=after, limit=DEFAULT_PAGE_SIZE
            )
            for rule in batch:
                targets = await self._store.list_targets(rule.arn)
                if any(target.arn == target_arn for target in targets):
                    names.append(rule.name)
            if len(batch) < DEFAULT_PAGE_SIZE:
                break
            after = batch[-1].name
        return page_of(names, size, lambda rule_name: rule_name)

    async def _set_state(self, scope: Scope, name: str, bus_name: str, state: RuleState) -> Rule:
        rule = await self.get(scope, name, bus_name=bus_name)
        if rule.managed_by is not None:
            raise managed_rule(rule)
        updated = replace(rule, state=state)
        await self._store.put_rule(updated)
        self._routing.put_rule(updated)
        return updated

    def _check_pattern(self, event_pattern: str) -> bool:
        """Validate the pattern as AWS does; True when it uses wildcard matching."""
        try:
            validate_pattern(event_pattern, max_pattern_chars=self._settings.max_pattern_chars)
        except InvalidEventPattern as exc:
            raise InvalidEventPatternError(exc.message) from None
        return _uses_wildcard(event_pattern)

    async def _check_rule_quota(self, scope: Scope, bus_name: str) -> None:
        if await self._store.count_rules(scope, bus_name) >= self._settings.max_rules_per_bus:
            raise LimitExceeded(QUOTA_EXCEEDED)

    async def _check_wildcard_quota(self, scope: Scope, bus_name: str) -> None:
        count = 0
        after: str | None = None
        while True:
            batch = await self._store.list_rules(
                scope, bus_name, after=after, limit=DEFAULT_PAGE_SIZE
            )
            count += sum(_has_wildcard(rule) for rule in batch)
            if count >= self._settings.max_wildcard_rules_per_bus:
                raise LimitExceeded(QUOTA_EXCEEDED)
            if len(batch) < DEFAULT_PAGE_SIZE:
                return
            after = batch[-1].name


def _check_schedule(bus_name: str, expression: str) -> None:
    if bus_name != DEFAULT_BUS:
        raise ValidationError(_SCHEDULE_ONLY_ON_DEFAULT)
    try:
        parse_schedule(expression)
    except InvalidSchedule as exc:
        raise ValidationError(exc.message) from None


def _has_wildcard(rule: Rule) -> bool:
    return rule.event_pattern is not None and _uses_wildcard(rule.event_pattern)


def _uses_wildcard(pattern: str) -> bool:
    """Whether a valid pattern counts against the per-bus quota of wildcard rules."""
    # The pattern was accepted once; a lowered size quota must not make it unreadable now.
    alternatives = compile_pattern(pattern, max_pattern_chars=len(pattern))
    return any(
        isinstance(condition, Wildcard | AnythingButWildcard)
        for alternative in alternatives
        for _, conditions in alternative
        for condition in conditions
    )
