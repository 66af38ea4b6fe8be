"""Per-path lookup tables: which anchored alternatives a leaf value at this path can satisfy.

Every alternative is filed under one of its fields (its *anchor*): a field it cannot match
without. A leaf value then finds the alternatives whose anchor it satisfies with hash lookups
(exact values, prefixes and suffixes by length, case-folded keys), a bisect (numeric ranges)
or a short scan of the few conditions that no table serves (wildcards, IP ranges,
``exists``, ``anything-but``). Only those alternatives are checked in full.

What a string value found is remembered (a bounded table, emptied when the path's filing
changes), because the same sources, detail-types and regions recur from event to event.
Members are anything the caller files: alternatives, or the index's gates.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Hashable
from typing import Any

from busway.patterns.conditions import (
    Condition,
    EqualsIgnoreCase,
    ExactLiteral,
    ExactNumber,
    ExactString,
    Numeric,
    Prefix,
    PrefixIgnoreCase,
    Suffix,
    SuffixIgnoreCase,
)
from busway.patterns.flatten import Leaf
from busway.patterns.ignore_case import fold, fold_is_exact
from busway.patterns.numbers import literal_keys

__all__ = ["PathIndex", "anchor_cost"]

Members = set[Any]  # the alternatives filed under one condition

# How much worse than an exact-value bucket of the same size each kind of anchor is.
_KIND_COST: dict[type[Any], int] = {
    ExactString: 0,
    ExactNumber: 0,
    ExactLiteral: 4,
    EqualsIgnoreCase: 1,
    Prefix: 2,
    Suffix: 2,
    PrefixIgnoreCase: 3,
    SuffixIgnoreCase: 3,
    Numeric: 20,
}
_SCANNED_COST = 50
_REMEMBERED_STRINGS = 4096
_CASE_FOLDED = (EqualsIgnoreCase, PrefixIgnoreCase, SuffixIgnoreCase)


def anchor_cost(condition: Condition) -> int:
    """How much worse than an exact-value lookup anchoring on this condition is. It also says
    how loose the condition tends to be: exact values pass fewest events, the scanned kinds
    (``anything-but``, ``exists``, wildcards) most."""
    kind = type(condition)
    if isinstance(condition, _CASE_FOLDED) and not fold_is_exact(condition.value):
        return _SCANNED_COST  # no folded key serves it: scanned
    return _KIND_COST.get(kind, _SCANNED_COST)


class _Buckets:
    """Condition -> members, keyed by a hashable lookup key."""

    __slots__ = ("by_key",)

    def __init__(self) -> None:
        self.by_key: dict[Hashable, dict[Condition, Members]] = {}

    def add(self, key: Hashable, condition: Condition, member: object) -> None:
        self.by_key.setdefault(key, {}).setdefault(condition, set()).add(member)

    def discard(self, key: Hashable, condition: Condition, member: object) -> None:
        conditions = self.by_key.get(key)
        if conditions is None or condition not in conditions:
            return
        members = conditions[condition]
        members.discard(member)
        if not members:
            del conditions[condition]
            if not conditions:
                del self.by_key[key]

    def size(self, key: Hashable) -> int:
        return sum(len(members) for members in self.by_key.get(key, {}).values())


class _Affixes:
    """Prefixes (or suffixes) grouped by length, so one slice per length finds them."""

    __slots__ = ("by_length", "suffix")

    def __init__(self, *, suffix: bool) -> None:
        self.suffix = suffix
        self.by_length: dict[int, _Buckets] = {}

    def add(self, text: str, condition: Condition, member: object) -> None:
        self.by_length.setdefault(len(text), _Buckets()).add(text, condition, member)

    def discard(self, text: str, condition: Condition, member: object) -> None:
        buckets = self.by_length.get(len(text))
        if buckets is not None:
            buckets.discard(text, condition, member)
            if not buckets.by_key:
                del self.by_length[len(text)]

    def size(self, text: str) -> int:
        buckets = self.by_length.get(len(text))
        return 0 if buckets is None else buckets.size(text)

    def lookup(self, value: str) -> list[dict[Condition, Members]]:
        found = []
        size = len(value)
        for length, buckets in self.by_length.items():
            if length > size:
                continue
            key = value[size - length :] if self.suffix else value[:length]
            conditions = buckets.by_key.get(key)
            if conditions is not None:
                found.append(conditions)
        return found


class _Ranges:
    """Numeric conditions, answered by bisecting their sorted end points."""

    __slots__ = ("bounds", "conditions", "slots")

    def __init__(self) -> None:
        self.conditions: dict[Numeric, Members] = {}
        self.bounds: list[float] = []
        self.slots: list[tuple[Numeric, ...]] | None = None

    def add(self, condition: Numeric, member: object) -> None:
        self.conditions.setdefault(condition, set()).add(member)
        self.slots = None

    def discard(self, condition: Numeric, member: object) -> None:
        members = self.conditions.get(condition)
        if members is not None:
            members.discard(member)
            if not members:
                del self.conditions[condition]
                self.slots = None

    def lookup(self, number: float) -> tuple[Numeric, ...]:
        slots = self.slots if self.slots is not None else self._rebuild()
        position = bisect.bisect_left(self.bounds, number)
        on_bound = position < len(self.bounds) and self.bounds[position] == number
        return slots[2 * position + 1 if on_bound else 2 * position]

    def _rebuild(self) -> list[tuple[Numeric, ...]]:
        # Slot 2i is the open gap below bounds[i], slot 2i+1 is bounds[i] itself; one probe
        # value per slot decides which conditions cover the whole slot.
        bounds = sorted({c.low for c in self.conditions} | {c.high for c in self.conditions})
        bounds = [b for b in bounds if math.isfinite(b)]
        probes: list[float] = []
        for index, bound in enumerate(bounds):
            below = math.nextafter(bounds[index - 1], math.inf) if index else None
            probes.extend((below if below is not None else math.nextafter(bound, -math.inf), bound))
        probes.append(math.nextafter(bounds[-1], math.inf) if bounds else 0.0)
        self.bounds = bounds
        self.slots = [tuple(c for c in self.conditions if c.matches(p)) for p in probes]
        return self.slots


class PathIndex:
    """Everything anchored on one path."""

    __slots__ = (
        "by_string",
        "exact",
        "ignore_case",
        "ignore_case_prefixes",
        "ignore_case_suffixes",
        "prefixes",
        "ranges",
        "scanned",
        "suffixes",
    )

    def __init__(self) -> None:
        self.exact = _Buckets()
        self.prefixes = _Affixes(suffix=False)
        self.suffixes = _Affixes(suffix=True)
        self.ignore_case = _Buckets()
        self.ignore_case_prefixes = _Affixes(suffix=False)
        self.ignore_case_suffixes = _Affixes(suffix=True)
        self.ranges = _Ranges()
        self.scanned: dict[Condition, Members] = {}
        # What each recently seen string value found: the same values (sources, detail-types,
        # regions, states) recur from event to event, and a hit costs one dict lookup.
        # Cleared whenever this path's filing changes.
        self.by_string: dict[str, frozenset[Any]] = {}

    def is_empty(self) -> bool:
        return not (
            self.exact.by_key
            or self.prefixes.by_length
            or self.suffixes.by_length
            or self.ignore_case.by_key
            or self.ignore_case_prefixes.by_length
            or self.ignore_case_suffixes.by_length
            or self.ranges.conditions
            or self.scanned
        )

    # ------------------------------------------------------------------ filing

    def add(self, condition: Condition, member: object) -> None:
        self._file(condition, member, adding=True)

    def add_all(self, conditions: tuple[Condition, ...], member: object) -> None:
        for condition in conditions:
            self._file(condition, member, adding=True)

    def discard(self, condition: Condition, member: object) -> None:
        self._file(condition, member, adding=False)

    def _file(self, condition: Condition, member: object, *, adding: bool) -> None:
        self.by_string.clear()
        table, key = self._place(condition)
        if table is None:
            if adding:
                self.scanned.setdefault(condition, set()).add(member)
            elif condition in self.scanned:
                self.scanned[condition].discard(member)
                if not self.scanned[condition]:
                    del self.scanned[condition]
        elif isinstance(table, _Ranges) and isinstance(condition, Numeric):
            if adding:
                table.add(condition, member)
            else:
                table.discard(condition, member)
        elif isinstance(table, _Ranges):
            return
        elif adding:
            table.add(key, condition, member)
        else:
            table.discard(key, condition, member)

    def _place(self, condition: Condition) -> tuple[_Buckets | _Affixes | _Ranges | None, Any]:
        kind = type(condition)
        if kind is ExactString:
            return self.exact, condition.value  # type: ignore[union-attr]
        if kind is ExactNumber:
            return self.exact, ("number", condition.key)  # type: ignore[union-attr]
        if kind is ExactLiteral:
            return self.exact, ("literal", condition.value)  # type: ignore[union-attr]
        if kind is Prefix:
            return self.prefixes, condition.value  # type: ignore[union-attr]
        if kind is Suffix:
            return self.suffixes, condition.value  # type: ignore[union-attr]
        if kind is Numeric:
            return self.ranges, None
        value = getattr(condition, "value", None)
        if isinstance(value, str) and fold_is_exact(value):
            if kind is EqualsIgnoreCase:
                return self.ignore_case, fold(value)
            if kind is PrefixIgnoreCase:
                return self.ignore_case_prefixes, fold(value)
            if kind is SuffixIgnoreCase:
                return self.ignore_case_suffixes, fold(value)
        return None, None

    # ------------------------------------------------------------------ lookup

    def collect(self, leaves: list[Leaf], into: set[Any]) -> None:
        """Add to ``into`` every alternative whose anchor one of these leaves satisfies."""
        for value, _ in leaves:
            if type(value) is str:
                found = self.by_string.get(value)
                into |= found if found is not None else self.remember(value)
            else:
                self.collect_other(value, into)

    def members(self, value: object) -> set[Any]:
        """What ``collect`` adds for one value, not remembered (for callers that keep what
        they make of it themselves)."""
        found: set[Any] = set()
        if type(value) is str:
            self._collect_string(value, found)
            for condition, members in self.scanned.items():
                if condition.matches(value):
                    found |= members
        else:
            self.collect_other(value, found)
        return found

    def remember(self, value: str) -> frozenset[Any] | set[Any]:
        """What ``collect`` adds for a string value not in ``by_string``, remembered there
        while there is room."""
        found: set[Any] = set()
        self._collect_string(value, found)
        for condition, members in self.scanned.items():
            if condition.matches(value):
                found |= members
        if len(self.by_string) < _REMEMBERED_STRINGS:
            # Once full, the values remembered first stay: the recurring ones come early,
            # and a path of ever-new values (ids, file names) just pays one missed lookup.
            self.by_string[value] = frozenset(found)
        return found

    def collect_other(self, value: object, into: set[Any]) -> None:
        """What ``collect`` adds for a value that is not a string (not remembered)."""
        if type(value) is bool or value is None:
            self._add(self.exact.by_key.get(("literal", value)), into)
        else:
            double, exact = literal_keys(value)
            if double is not None:
                self._add(self.exact.by_key.get(("number", double)), into)
                if self.ranges.conditions:
                    for numeric in self.ranges.lookup(double):
                        into |= self.ranges.conditions[numeric]
            if exact is not None:
                self._add(self.exact.by_key.get(("number", exact)), into)
        for condition, members in self.scanned.items():
            if condition.matches(value):
                into |= members

    def _collect_string(self, value: str, into: set[Any]) -> None:
        self._add(self.exact.by_key.get(value), into)
        if self.prefixes.by_length:
            for found in self.prefixes.lookup(value):
                self._add(found, into)
        if self.suffixes.by_length:
            for found in self.suffixes.lookup(value):
                self._add(found, into)
        if (
            self.ignore_case.by_key
            or self.ignore_case_prefixes.by_length
            or self.ignore_case_suffixes.by_length
        ):
            folded = fold(value)
            self._add_verified(self.ignore_case.by_key.get(folded), value, into)
            for found in self.ignore_case_prefixes.lookup(folded):
                self._add_verified(found, value, into)
            for found in self.ignore_case_suffixes.lookup(folded):
                self._add_verified(found, value, into)

    @staticmethod
    def _add(found: dict[Condition, Members] | None, into: set[Any]) -> None:
        if found is not None:
            for members in found.values():
                into |= members

    @staticmethod
    def _add_verified(found: dict[Condition, Members] | None, value: str, into: set[Any]) -> None:
        if found is not None:
            for condition, members in found.items():
                if condition.matches(value):
                    into |= members
