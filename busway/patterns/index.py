"""``RuleIndex``: many rules, one shared index, one pass per event.

Each rule's alternatives are filed under an anchor field (see ``path_index``); the anchor is
the field whose conditions are the least common among all rules, so a value many rules share
(the same ``detail-type``) does not become everyone's anchor. As counts grow, alternatives
anchored on a condition that became common are filed again (at each doubling, so the total
work stays proportional to the number of rules). Matching an event flattens it once, asks
the path tables of the paths it has for candidate alternatives, and checks only those in
full. Alternatives that absence alone can satisfy (every field allows ``exists: false``)
have no anchor and are checked for every event; they are rare.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from busway.patterns.compiler import DEFAULT_MAX_PATTERN_CHARS, Alternative, compile_pattern
from busway.patterns.conditions import Condition
from busway.patterns.evaluate import FieldCheck, alternative_holds, prepare_alternative
from busway.patterns.flatten import flatten_event, wanted_paths
from busway.patterns.path_index import PathIndex

__all__ = ["RuleIndex"]


class _Entry:
    """One alternative of one rule, and where it is filed."""

    __slots__ = ("anchor", "checks", "rest", "rule_id")

    def __init__(self, rule_id: str, alternative: Alternative) -> None:
        self.rule_id = rule_id
        self.checks: tuple[FieldCheck, ...] = prepare_alternative(alternative)
        self.anchor: tuple[str, tuple[Condition, ...]] | None = None
        # The fields left to check once the lookup found the anchor satisfied (enough when
        # the event has no array elements to keep apart).
        self.rest: tuple[FieldCheck, ...] = self.checks

    def set_anchor(self, anchor: tuple[str, tuple[Condition, ...]] | None) -> None:
        self.anchor = anchor
        path = anchor[0] if anchor else None
        self.rest = tuple(check for check in self.checks if check.path != path)


class RuleIndex:
    """Rules by id; ``matches(event)`` returns the ids of the rules the event matches."""

    def __init__(self, *, max_pattern_chars: int = DEFAULT_MAX_PATTERN_CHARS) -> None:
        self.max_pattern_chars = max_pattern_chars
        self._rules: dict[str, list[_Entry]] = {}
        self._paths: dict[str, PathIndex] = {}
        self._unanchored: set[_Entry] = set()
        # How many fields of all alternatives carry each (path, condition), and which
        # alternatives are anchored on it.
        self._popularity: Counter[tuple[str, Condition]] = Counter()
        self._anchored_on: dict[tuple[str, Condition], set[_Entry]] = {}
        # Paths rules mention, so flattening skips the rest of each event.
        self._path_users: Counter[str] = Counter()
        self._wanted: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def add(self, rule_id: str, pattern: str | Mapping[str, Any]) -> None:
        """Add or replace a rule; raises ``InvalidEventPattern`` (leaving the index as it was)."""
        alternatives = compile_pattern(pattern, max_pattern_chars=self.max_pattern_chars)
        self.remove(rule_id)
        entries = [_Entry(rule_id, alternative) for alternative in dict.fromkeys(alternatives)]
        self._rules[rule_id] = entries
        self._use_paths(entries, 1)
        for entry in entries:
            grown = self._count(entry, 1)
            self._file(entry)
            for key in grown:
                self._refile_anchored_on(key)

    def remove(self, rule_id: str) -> None:
        """Forget a rule; an unknown id is not an error."""
        entries = self._rules.pop(rule_id, [])
        for entry in entries:
            self._unfile(entry)
            self._count(entry, -1)
        if entries:
            self._use_paths(entries, -1)

    def matches(self, event: Mapping[str, Any]) -> set[str]:
        leaves, has_arrays = flatten_event(event, self._wanted)
        candidates: set[_Entry] = set(self._unanchored) if self._unanchored else set()
        paths = self._paths
        for path, found in leaves.items():
            path_index = paths.get(path)
            if path_index is not None:
                path_index.collect(found, candidates)
        matched: set[str] = set()
        for entry in candidates:
            rule_id = entry.rule_id
            if rule_id in matched:
                continue
            if has_arrays:
                holds = alternative_holds(entry.checks, leaves, True)
            else:
                holds = alternative_holds(entry.rest, leaves, False)
            if holds:
                matched.add(rule_id)
        return matched

    # ------------------------------------------------------------------ filing

    def _use_paths(self, entries: list[_Entry], step: int) -> None:
        changed = False
        for entry in entries:
            for check in entry.checks:
                users = self._path_users[check.path] + step
                changed = changed or users in (0, 1)
                if users:
                    self._path_users[check.path] = users
                else:
                    del self._path_users[check.path]
        if changed:  # a path appeared or vanished
            self._wanted = wanted_paths(list(self._path_users))

    def _count(self, entry: _Entry, step: int) -> list[tuple[str, Condition]]:
        """Adjust popularity; return the keys whose count just reached a power of two."""
        grown = []
        for check in entry.checks:
            if check.absent_ok:
                continue
            for condition in check.conditions:
                key = (check.path, condition)
                count = self._popularity[key] + step
                if count:
                    self._popularity[key] = count
                else:
                    del self._popularity[key]
                if step > 0 and count >= 2 and count & (count - 1) == 0:
                    grown.append(key)
        return grown

    def _refile_anchored_on(self, key: tuple[str, Condition]) -> None:
        for entry in list(self._anchored_on.get(key, ())):
            self._unfile(entry)
            self._file(entry)

    def _file(self, entry: _Entry) -> None:
        best: tuple[int, str, tuple[Condition, ...]] | None = None
        for check in entry.checks:
            if check.absent_ok:
                continue
            path_index = self._paths.get(check.path) or _EMPTY
            cost = sum(
                path_index.weight(condition) + self._popularity[(check.path, condition)]
                for condition in check.conditions
            )
            if best is None or cost < best[0]:
                best = (cost, check.path, check.conditions)
        if best is None:
            self._unanchored.add(entry)
            return
        _, path, conditions = best
        entry.set_anchor((path, conditions))
        path_index = self._paths.setdefault(path, PathIndex())
        for condition in conditions:
            path_index.add(condition, entry)
            self._anchored_on.setdefault((path, condition), set()).add(entry)

    def _unfile(self, entry: _Entry) -> None:
        if entry.anchor is None:
            self._unanchored.discard(entry)
            return
        path, conditions = entry.anchor
        entry.set_anchor(None)
        path_index = self._paths[path]
        for condition in conditions:
            path_index.discard(condition, entry)
            anchored = self._anchored_on.get((path, condition))
            if anchored is not None:
                anchored.discard(entry)
                if not anchored:
                    del self._anchored_on[(path, condition)]
        if path_index.is_empty():
            del self._paths[path]


_EMPTY = PathIndex()
