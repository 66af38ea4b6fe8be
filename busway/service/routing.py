"""Which targets an event goes to: per bus, one compiled RuleIndex and each rule's targets.

Kept in memory and updated by the rule, target and bus services as they change the store, so the
ingest path never reads configuration from the database. Rules are indexed by ARN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from busway.model import EventBus, Rule, Scope, Target
from busway.patterns import RuleIndex

__all__ = ["BusRoutes", "RoutingTable", "RuleChange", "RuleWatcher"]

BusKey = tuple[str, str, str]  # account, region, bus name


def _key(scope: Scope, bus_name: str) -> BusKey:
    return (scope.account, scope.region, bus_name)


@dataclass
class BusRoutes:
    index: RuleIndex
    targets: dict[str, tuple[Target, ...]] = field(default_factory=dict)  # by rule ARN


@dataclass(frozen=True, slots=True)
class RuleChange:
    """A rule as it is now, or as it was when ``removed``; no rule: a whole bus went."""

    rule: Rule | None
    removed: bool = False


RuleWatcher = Callable[[RuleChange], None]


class RoutingTable:
    def __init__(self, *, max_pattern_chars: int = 2048) -> None:
        self._max_pattern_chars = max_pattern_chars
        self._buses: dict[BusKey, BusRoutes] = {}
        self._rule_watchers: list[RuleWatcher] = []

    def watch_rules(self, watcher: RuleWatcher) -> None:
        """Call ``watcher`` after every change of a rule (put, removed, its bus removed)."""
        self._rule_watchers.append(watcher)

    def _rules_changed(self, change: RuleChange) -> None:
        for watcher in self._rule_watchers:
            watcher(change)

    def load(
        self,
        buses: Iterable[EventBus],
        rules: Iterable[Rule],
        targets: Mapping[str, Sequence[Target]],
    ) -> None:
        """Fill the table from the store at start-up."""
        for bus in buses:
            self.add_bus(bus.scope, bus.name)
        for rule in rules:
            self.put_rule(rule)
            self.set_targets(rule, targets.get(rule.arn, ()))

    def add_bus(self, scope: Scope, bus_name: str) -> None:
        self._routes(scope, bus_name)

    def remove_bus(self, scope: Scope, bus_name: str) -> None:
        self._buses.pop(_key(scope, bus_name), None)
        self._rules_changed(RuleChange(None))

    def has_bus(self, scope: Scope, bus_name: str) -> bool:
        """Every scope has its default bus, whether or not anything stored it yet."""
        return bus_name == "default" or _key(scope, bus_name) in self._buses

    def bus_names(self) -> set[str]:
        """The names of the buses of every scope (``default`` included)."""
        return {"default", *(name for _, _, name in self._buses)}

    def targeted_rule_arns(self) -> list[str]:
        """The ARNs of the rules that have targets, on every bus of every scope."""
        return [arn for routes in self._buses.values() for arn in routes.targets]

    def put_rule(self, rule: Rule) -> None:
        """Index the rule's pattern while it is enabled; a disabled rule matches nothing, and
        neither does a rule without a pattern (a schedule only)."""
        routes = self._routes(rule.scope, rule.bus_name)
        if rule.enabled and rule.event_pattern is not None:
            routes.index.add(rule.arn, rule.event_pattern)
        else:
            routes.index.remove(rule.arn)
        self._rules_changed(RuleChange(rule))

    def remove_rule(self, rule: Rule) -> None:
        routes = self._buses.get(_key(rule.scope, rule.bus_name))
        if routes is not None:
            routes.index.remove(rule.arn)
            routes.targets.pop(rule.arn, None)
        self._rules_changed(RuleChange(rule, removed=True))

    def set_targets(self, rule: Rule, targets: Sequence[Target]) -> None:
        routes = self._routes(rule.scope, rule.bus_name)
        if targets:
            routes.targets[rule.arn] = tuple(targets)
        else:
            routes.targets.pop(rule.arn, None)

    def route(
        self, scope: Scope, bus_name: str, event: Mapping[str, Any]
    ) -> list[tuple[str, Target]]:
        """(rule ARN, target) for every target of every enabled rule the event matches."""
        routes = self._buses.get(_key(scope, bus_name))
        if routes is None:
            return []
        matched = routes.index.matches(event)
        return [
            (rule_arn, target)
            for rule_arn in sorted(matched)
            for target in routes.targets.get(rule_arn, ())
        ]

    def rule_targets(self, rule: Rule) -> tuple[Target, ...]:
        """The rule's targets as configured now (a scheduled event goes to these alone)."""
        routes = self._buses.get(_key(rule.scope, rule.bus_name))
        return () if routes is None else routes.targets.get(rule.arn, ())

    def target(self, scope: Scope, bus_name: str, rule_arn: str, target_id: str) -> Target | None:
        """A rule's target as configured now; None once the target, its rule or bus is gone."""
        routes = self._buses.get(_key(scope, bus_name))
        if routes is None:
            return None
        for target in routes.targets.get(rule_arn, ()):
            if target.id == target_id:
                return target
        return None

    def _routes(self, scope: Scope, bus_name: str) -> BusRoutes:
        key = _key(scope, bus_name)
        routes = self._buses.get(key)
        if routes is None:
            routes = BusRoutes(RuleIndex(max_pattern_chars=self._max_pattern_chars))
            self._buses[key] = routes
        return routes
