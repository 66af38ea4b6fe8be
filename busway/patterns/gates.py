"""Alternatives as the index files them, and the gates that file some of them again.

An ``Entry`` is one alternative of one rule, filed under an anchor field and maybe a gate
field (see ``index``). A ``Gate`` holds the alternatives that share a loose or crowded anchor,
filed again under a second field.

An alternative is *settled* by the lookups alone when its anchor and gate are its only
fields: once an event's leaves satisfy both, nothing is left to check, so a gate hands over
its rule id rather than the alternative (``Hit``), unless one of the two paths has a leaf
inside an array element (consistency could then still rule it out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from busway.patterns.conditions import Condition, ExactString, Numeric, Prefix, Suffix
from busway.patterns.evaluate import FieldCheck
from busway.patterns.flatten import Reader
from busway.patterns.path_index import PathIndex, anchor_cost

__all__ = ["Entry", "Gate", "GateGroup", "Hit", "Tried", "plan_of"]

FieldSpec = tuple[str, tuple[Condition, ...]]


class Entry:
    """One alternative of one rule, and where it is filed."""

    __slots__ = (
        "anchor",
        "checks",
        "gate",
        "optional",
        "paths",
        "required",
        "rule_id",
        "settled",
    )

    def __init__(self, rule_id: str, checks: tuple[FieldCheck, ...]) -> None:
        self.rule_id = rule_id
        self.checks = checks  # as prepare_alternative orders them, for the consistency search
        self.paths = frozenset(check.path for check in checks)
        self.anchor: FieldSpec | None = None
        self.gate: FieldSpec | None = None
        self.required: tuple[FieldCheck, ...] = ()
        self.optional: tuple[FieldCheck, ...] = ()
        self.settled = False
        self.set_anchor(None, None)

    def set_anchor(self, anchor: FieldSpec | None, gate: FieldSpec | None) -> None:
        """File under ``anchor`` (and ``gate``): the lookups prove those fields, so only the
        others are left, those that need a leaf (the likeliest to fail first, to reject a
        candidate early) apart from those that absence can satisfy."""
        self.anchor, self.gate = anchor, gate
        proven = {field[0] for field in (anchor, gate) if field}
        rest = sorted(
            (check for check in self.checks if check.path not in proven),
            key=lambda check: (max(map(anchor_cost, check.conditions), default=0), check.path),
        )
        self.required = tuple(check for check in rest if not check.absent_ok)
        self.optional = tuple(check for check in rest if check.absent_ok)
        self.settled = anchor is not None and not rest


# What a lookup brought in: the rule ids of the settled alternatives, the alternatives still
# to be checked, and the settled alternatives themselves (for when consistency may matter).
Hit = tuple[frozenset[str], frozenset[Entry], frozenset[Entry]]
_NONE: frozenset[Any] = frozenset()
# Conditions a gate tries in turn, each with what it hands over when a leaf satisfies it, by
# kind, so that the matcher tries prefixes, suffixes and ranges without a call each: (whether
# a suffix, the text), numeric ranges (low, low open, high, high open), any other condition.
Affixes = tuple[tuple[bool, str, Hit], ...]
Ranges = tuple[tuple[float, bool, float, bool, Hit], ...]
Calls = tuple[tuple[Callable[[object], bool], Hit], ...]
Tried = tuple[Affixes, Ranges, Calls]


def hit_of(entries: Iterable[Entry]) -> Hit:
    """Split what a lookup that proves the entries' anchor and gate fields found."""
    settled = [entry for entry in entries if entry.settled]
    rest = [entry for entry in entries if not entry.settled]
    if not settled:
        return _NONE, frozenset(rest), _NONE
    return (
        frozenset(entry.rule_id for entry in settled),
        frozenset(rest) if rest else _NONE,
        frozenset(settled),
    )


class Gate:
    """Alternatives that share a loose anchor (a prefix, a range...) filed again under a
    second field, so an event that satisfies the anchor brings in only those whose second
    field it satisfies too.

    Exact strings (the commonest gate field: a detail-type, a state, an account) sit in a
    plain dict, so a leaf finds them with one lookup whatever their number. Most gates hold
    another condition or two, and most are opened by few events: until a gate holds more than
    ``_SCANNED_GATE`` of those, it tries them in turn (with no table to build, and nothing to
    remember per value); past that, a ``PathIndex`` serves them (and hands over alternatives
    only, settled or not)."""

    __slots__ = (
        "anchor_path",
        "exact",
        "group",
        "hits",
        "index",
        "path",
        "read",
        "scanned",
        "tried",
    )

    def __init__(self, anchor_path: str, path: str, read: Reader) -> None:
        self.anchor_path = anchor_path
        self.path = path
        self.read = read
        self.exact: dict[str, set[Entry]] = {}
        self.scanned: dict[Condition, set[Entry]] = {}
        self.index: PathIndex | None = None
        # What a lookup hands over: per exact value, and per scanned condition (tried in turn).
        self.hits: dict[str, tuple[Hit, ...]] = {}
        self.tried: Tried | None = None
        # The gate as a plan's group of its own (see ``plan_of``), kept up to date.
        self.group: GateGroup = self._as_group()

    def add_all(self, conditions: tuple[Condition, ...], entry: Entry) -> None:
        for condition in conditions:
            if type(condition) is ExactString:
                self.exact.setdefault(condition.value, set()).add(entry)
                self._rehit(condition.value)
            elif self.index is not None:
                self.index.add(condition, entry)
            else:
                self.scanned.setdefault(condition, set()).add(entry)
        if len(self.scanned) > _SCANNED_GATE:
            self.index = PathIndex()
            for condition, entries in self.scanned.items():
                for member in entries:
                    self.index.add(condition, member)
            self.scanned = {}
        self._retry()

    def discard_all(self, conditions: tuple[Condition, ...], entry: Entry) -> None:
        for condition in conditions:
            if type(condition) is ExactString:
                _discard_member(self.exact, condition.value, entry)
                self._rehit(condition.value)
            elif self.index is not None:
                self.index.discard(condition, entry)
            else:
                _discard_member(self.scanned, condition, entry)
        self._retry()

    def is_empty(self) -> bool:
        rest_empty = self.index.is_empty() if self.index is not None else not self.scanned
        return rest_empty and not self.exact

    def _rehit(self, value: str) -> None:
        entries = self.exact.get(value)
        if entries:
            self.hits[value] = (hit_of(entries),)
        else:
            self.hits.pop(value, None)

    def _retry(self) -> None:
        affixes: list[tuple[bool, str, Hit]] = []
        ranges: list[tuple[float, bool, float, bool, Hit]] = []
        calls: list[tuple[Callable[[object], bool], Hit]] = []
        for condition, entries in self.scanned.items():
            hit = hit_of(entries)
            if isinstance(condition, Prefix | Suffix):
                affixes.append((isinstance(condition, Suffix), condition.value, hit))
            elif isinstance(condition, Numeric):
                low, high = condition.low, condition.high
                ranges.append((low, condition.low_open, high, condition.high_open, hit))
            else:
                calls.append((condition.matches, hit))
        self.tried = (tuple(affixes), tuple(ranges), tuple(calls)) if self.scanned else None
        self.group = self._as_group()

    def _as_group(self) -> GateGroup:
        tables = (self.index,) if self.index is not None else ()
        return self.path, self.read, self.anchor_path, self.hits, self.tried, tables


# The gates an anchor value opens, merged per gate path: (gate path, its reader, anchor path,
# the hits of their exact strings by value, the conditions they try in turn with their hits,
# their tables).
GateGroup = tuple[str, Reader, str, dict[str, tuple[Hit, ...]], Tried | None, tuple[PathIndex, ...]]


def plan_of(gates: Iterable[Gate]) -> tuple[GateGroup, ...]:
    """Merge gates that share an anchor path and a gate path, so an event that opens several
    (a source matches several prefixes, each gated on detail-type) looks its value up once.
    Cheap to make the first time a value is seen: a lone gate is its own group, and merged
    tables share the gates' hits rather than copying them."""
    groups: dict[tuple[str, str], list[Gate]] = {}
    for gate in gates:
        groups.setdefault((gate.path, gate.anchor_path), []).append(gate)
    return tuple(
        members[0].group if len(members) == 1 else _merged(members) for members in groups.values()
    )


def _merged(gates: list[Gate]) -> GateGroup:
    first = gates[0]
    tables = tuple(gate.index for gate in gates if gate.index is not None)
    return (
        first.path,
        first.read,
        first.anchor_path,
        _merged_hits(gates),
        _merged_tried(gates),
        tables,
    )


def _merged_hits(gates: list[Gate]) -> dict[str, tuple[Hit, ...]]:
    merged = dict(gates[0].hits)
    for gate in gates[1:]:
        for value, hits in gate.hits.items():
            found = merged.get(value)
            merged[value] = hits if found is None else found + hits
    return merged


def _merged_tried(gates: list[Gate]) -> Tried | None:
    tried = [gate.tried for gate in gates if gate.tried is not None]
    if len(tried) < 2:
        return tried[0] if tried else None
    affixes, ranges, calls = zip(*tried, strict=True)
    return (
        tuple(chain.from_iterable(affixes)),
        tuple(chain.from_iterable(ranges)),
        tuple(chain.from_iterable(calls)),
    )


def _discard_member(table: dict[Any, set[Entry]], key: Any, entry: Entry) -> None:
    entries = table.get(key)
    if entries is not None:
        entries.discard(entry)
        if not entries:
            del table[key]


_SCANNED_GATE = 4  # conditions a gate tries in turn before a table serves it
