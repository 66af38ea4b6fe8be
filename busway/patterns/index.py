"""``RuleIndex``: many rules, one shared index, one pass per event.

Each rule's alternatives are filed under an anchor field (see ``path_index``); the anchor is
the field whose conditions are the least common among all rules, so a value many rules share
(the same ``detail-type``) does not become everyone's anchor. As counts grow, alternatives
anchored on a condition that became common are filed again (at each doubling, so the total
work stays proportional to the number of rules).

An anchor that is loose (a prefix, a range: many events satisfy it) or crowded (an exact value
several alternatives share) is not the end of the lookup: such alternatives sit behind a
*gate*, a second-level table on another of their fields that a table serves (or on their only
other field, whatever its kind), so an event brings in only the alternatives whose two fields
it satisfies. A gate looks exact strings up in a dict; most gates hold another condition or
two at most and are opened by few events, so a gate tries those in turn until it holds more
than a few; only then does it get a table (nothing to build or remember for the rest). The
matcher tries prefixes, suffixes and numeric ranges itself, with no call per condition
(``gates.Tried``). Of the two fields, the one whose path other anchors already need becomes
the anchor. When those two fields are all an alternative has (``gates``: it is *settled*), the
gate's lookup hands over its rule id as matched, with nothing left to check, unless
consistency could still rule it out. An anchor value often opens several gates on the same
path (a source satisfies a few prefixes, each gated on detail-type): the first time a string
value is seen, the gates it opens are merged per gate path (``gates.plan_of``, sharing the
gates' own tables), so each path's value is looked up once; what a value opens is kept until
a gate on that anchor path changes.

Matching an event reads it lazily, one path at a time: up front only the anchor paths (those
the path tables and the gates' tables are keyed by), then a gate's path when an event opens
that gate, and a candidate's other paths when it is checked; each path is read at most once per
event, by a reader made for the path that files the leaves itself. The anchor paths are kept as
one tuple with their readers, tables and what their values open, made again when a table
appears or goes, so the per-event loop looks nothing up by path. Array trails name an array by
the id of its list object, so paths read separately agree on which element is which. Fields are
shared objects, so each distinct field is judged at most once per event whatever the number of
candidates using it; the array-consistency search runs only for an alternative that uses a path
with a leaf inside an array element (all of its paths have been read by then). Alternatives
that absence alone can satisfy (every field allows ``exists: false``) have no anchor and are
checked for every event; they are rare.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from busway.patterns.compiler import DEFAULT_MAX_PATTERN_CHARS, compile_pattern
from busway.patterns.conditions import Condition
from busway.patterns.evaluate import FieldCheck, consistent_choice_exists, prepare_alternative
from busway.patterns.flatten import LazyLeaves, PathTrees, Reader, lazy_leaves
from busway.patterns.gates import Entry, Gate, GateGroup, Hit, plan_of
from busway.patterns.numbers import as_double
from busway.patterns.path_index import PathIndex, anchor_cost

__all__ = ["RuleIndex"]


class _SharedChecks:
    """One ``FieldCheck`` object per distinct field among all rules, so the verdict on a field
    computed for one candidate of an event serves every other candidate with that field."""

    __slots__ = ("_checks", "_users")

    def __init__(self) -> None:
        self._checks: dict[_FieldKey, FieldCheck] = {}
        self._users: Counter[_FieldKey] = Counter()

    def share(self, checks: tuple[FieldCheck, ...]) -> tuple[FieldCheck, ...]:
        shared = []
        for check in checks:
            key = _field_key(check)
            shared.append(self._checks.setdefault(key, check))
            self._users[key] += 1
        return tuple(shared)

    def release(self, checks: tuple[FieldCheck, ...]) -> None:
        for check in checks:
            key = _field_key(check)
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._checks[key]


_FieldKey = tuple[str, tuple[Condition, ...], bool]


def _field_key(check: FieldCheck) -> _FieldKey:
    return check.path, check.conditions, check.absent_ok


class RuleIndex:
    """Rules by id; ``matches(event)`` returns the ids of the rules the event matches."""

    def __init__(self, *, max_pattern_chars: int = DEFAULT_MAX_PATTERN_CHARS) -> None:
        self.max_pattern_chars = max_pattern_chars
        self._rules: dict[str, list[Entry]] = {}
        self._paths: dict[str, PathIndex] = {}
        self._unanchored: set[Entry] = set()
        self._shared = _SharedChecks()
        # Gates by (anchor path, anchor conditions, gate path), and filed by anchor path.
        self._gates: dict[tuple[str, tuple[Condition, ...], str], Gate] = {}
        self._gate_paths: dict[str, PathIndex] = {}
        # What each anchor value seen lately opens, by anchor path (see ``_plan``).
        self._plans: dict[str, dict[str, tuple[GateGroup, ...]]] = {}
        # How many fields of all alternatives carry each (path, condition), and which
        # alternatives are anchored on it.
        self._popularity: Counter[tuple[str, Condition]] = Counter()
        self._anchored_on: dict[tuple[str, Condition], set[Entry]] = {}
        # Paths rules mention (each with its single-path table, for reading it lazily), and
        # the paths candidates are looked up by, each with its reader, tables and plans
        # (None: to be made again).
        self._path_users: Counter[str] = Counter()
        self._trees = PathTrees()
        self._anchors: tuple[_Anchor, ...] | None = None

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def add(self, rule_id: str, pattern: str | Mapping[str, Any]) -> None:
        """Add or replace a rule; raises ``InvalidEventPattern`` (leaving the index as it was)."""
        alternatives = compile_pattern(pattern, max_pattern_chars=self.max_pattern_chars)
        self.remove(rule_id)
        entries = [
            Entry(rule_id, self._shared.share(prepare_alternative(alternative)))
            for alternative in dict.fromkeys(alternatives)
        ]
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
            self._shared.release(entry.checks)
        if entries:
            self._use_paths(entries, -1)

    def matches(self, event: Mapping[str, Any]) -> set[str]:
        anchors = self._anchors
        if anchors is None:
            anchors = self._anchors = self._make_anchors()
        leaves = lazy_leaves(event, self._trees)
        matched: set[str] = set()
        candidates = self._candidates(anchors, leaves, matched)
        if not candidates:
            return matched
        # Each field's verdict for this event, computed at most once whatever the candidates.
        verdicts: dict[FieldCheck, bool] = {}
        pinned = leaves.pinned  # grows as paths are read
        get, event, trees = leaves.get, leaves.event, leaves.trees
        for entry in candidates:
            rule_id = entry.rule_id
            if rule_id in matched:
                continue
            for check in entry.required:
                holds = verdicts.get(check)
                if holds is None:
                    # ``check.holds`` written out (a required field needs a leaf): this runs
                    # for every candidate, and a call costs more than the check itself.
                    found = get(check.path)
                    if found is None:
                        found = trees[check.path](event, leaves)
                    holds = False
                    accepts = check.accepts
                    for value, _ in found:
                        if accepts(value):
                            holds = True
                            break
                    verdicts[check] = holds
                if not holds:
                    break
            else:
                # Most true matches have nothing left to judge: spare them the call.
                needs_rest = entry.optional or (pinned and not pinned.isdisjoint(entry.paths))
                if not needs_rest or self._rest_holds(entry, leaves, verdicts):
                    matched.add(rule_id)
        return matched

    def _make_anchors(self) -> tuple[_Anchor, ...]:
        return tuple(
            (
                path,
                self._trees[path],
                self._paths.get(path),
                self._gate_paths.get(path),
                self._plans.setdefault(path, {}),
            )
            for path in {**self._paths, **self._gate_paths}
        )

    def _candidates(
        self, anchors: tuple[_Anchor, ...], leaves: LazyLeaves, matched: set[str]
    ) -> set[Entry]:
        """The alternatives whose anchor some leaf satisfies, and the unanchored ones; the
        rule ids of alternatives the gates settle go straight into ``matched``. The lookups
        and the gates are written out here rather than called: this runs for every event,
        and an event opens several gates."""
        candidates: set[Entry] = set(self._unanchored) if self._unanchored else set()
        event, get, pinned = leaves.event, leaves.get, leaves.pinned
        for path, read, path_index, gate_index, known in anchors:  # read for every event
            found = read(event, leaves)
            if not found:
                continue
            if path_index is not None:
                # ``path_index.collect``, for the string values it remembers.
                remembered = path_index.by_string
                for value, _ in found:
                    if type(value) is str:
                        members = remembered.get(value)
                        candidates |= members if members is not None else path_index.remember(value)
                    else:
                        path_index.collect_other(value, candidates)
            if gate_index is None:
                continue
            for anchor_value, _ in found:
                plan = known.get(anchor_value) if type(anchor_value) is str else None
                if plan is None:
                    plan = self._plan(path, anchor_value)
                for gate_path, gate_read, anchor_path, exact, tried, tables in plan:
                    gated = get(gate_path)
                    if gated is None:
                        gated = gate_read(event, leaves)
                    if not gated:
                        continue
                    hits: tuple[Hit, ...] | None = None
                    if exact:
                        for value, _ in gated:
                            if type(value) is str:
                                found_hits = exact.get(value)
                                if found_hits is not None:
                                    hits = found_hits if hits is None else hits + found_hits
                    if tried is not None:
                        affixes, ranges, calls = tried
                        for value, _ in gated:
                            kind = type(value)
                            if kind is str:
                                for suffix, text, hit in affixes:
                                    if value.endswith(text) if suffix else value.startswith(text):
                                        hits = (hit,) if hits is None else (*hits, hit)
                            elif ranges and kind is not bool:
                                number = as_double(value)
                                if number is not None:
                                    for low, low_open, high, high_open, hit in ranges:
                                        # As ``Numeric.matches`` does, for a finite number.
                                        if (number > low or (number == low and not low_open)) and (
                                            number < high or (number == high and not high_open)
                                        ):
                                            hits = (hit,) if hits is None else (*hits, hit)
                            if calls:
                                for accepts, hit in calls:
                                    if accepts(value):
                                        hits = (hit,) if hits is None else (*hits, hit)
                    if tables:
                        for table in tables:
                            table.collect(gated, candidates)
                    if hits is None:
                        continue
                    # Settled rule ids match outright, unless consistency could still rule
                    # them out.
                    unsure = bool(pinned) and (gate_path in pinned or anchor_path in pinned)
                    for settled, rest, settled_entries in hits:
                        if rest:
                            candidates |= rest
                        if settled:
                            if unsure:
                                candidates |= settled_entries
                            else:
                                matched |= settled
        return candidates

    def _forget_plans(self, path: str) -> None:
        """A gate anchored on ``path`` changed: what its values open is to be merged again
        (emptied in place, as the anchors hold the table)."""
        known = self._plans.get(path)
        if known is not None:
            known.clear()

    def _plan(self, path: str, value: object) -> tuple[GateGroup, ...]:
        """The gates an anchor value opens, merged per gate path; kept for a string value
        (sources, detail-types recur), until a gate anchored on the path changes."""
        plan = plan_of(self._gate_paths[path].members(value))
        if type(value) is str:
            known = self._plans.setdefault(path, {})
            if len(known) < _REMEMBERED_PLANS:
                known[value] = plan
        return plan

    @staticmethod
    def _rest_holds(entry: Entry, leaves: LazyLeaves, verdicts: dict[FieldCheck, bool]) -> bool:
        """Given its anchor and required fields hold plainly: the fields absence can satisfy,
        then array consistency where a leaf the alternative uses sits in an array element.
        Every path of the alternative has been read by then, so ``pinned`` knows them all."""
        pinned = leaves.pinned
        for check in entry.optional:
            holds = verdicts.get(check)
            if holds is None:
                holds = verdicts[check] = check.holds(leaves)  # absence satisfies the field
            # Present but unaccepted leaves still let ``exists: false`` hold when they all sit
            # in elements other than those the search chooses.
            if not holds and check.path not in pinned:
                return False
        if pinned and not pinned.isdisjoint(entry.paths):
            return consistent_choice_exists(entry.checks, leaves)
        return True

    # ------------------------------------------------------------------ filing

    def _use_paths(self, entries: list[Entry], step: int) -> None:
        changed = False
        for entry in entries:
            for check in entry.checks:
                users = self._path_users[check.path] + step
                changed = changed or users in (0, 1)
                if users:
                    self._path_users[check.path] = users
                else:
                    del self._path_users[check.path]
        if changed:  # a path vanished: forget its table
            for path in list(self._trees):
                if path not in self._path_users:
                    del self._trees[path]

    def _count(self, entry: Entry, step: int) -> list[tuple[str, Condition]]:
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

    def _ranked_fields(self, entry: Entry) -> list[tuple[int, FieldCheck]]:
        """The fields an anchor can serve (those needing a leaf), cheapest first: a kind's
        cost plus how many alternatives share the condition."""
        ranked = []
        for check in entry.checks:
            if check.absent_ok:
                continue
            cost = sum(
                anchor_cost(condition) + self._popularity[(check.path, condition)]
                for condition in check.conditions
            )
            ranked.append((cost, check))
        ranked.sort(key=lambda ranked_check: ranked_check[0])
        return ranked

    def _file(self, entry: Entry) -> None:
        ranked = self._ranked_fields(entry)
        if not ranked:
            self._unanchored.add(entry)
            return
        anchor = ranked[0][1]
        gate_field = _gate_field(ranked, len(entry.checks))
        if gate_field is not None and self._read_sooner(gate_field, anchor):
            anchor, gate_field = gate_field, anchor
        entry.set_anchor(_field(anchor), _field(gate_field) if gate_field else None)
        for condition in anchor.conditions:
            self._anchored_on.setdefault((anchor.path, condition), set()).add(entry)
        if gate_field is None:
            self._table(self._paths, anchor.path).add_all(anchor.conditions, entry)
        else:
            self._open_gate(anchor, gate_field.path).add_all(gate_field.conditions, entry)
            self._forget_plans(anchor.path)

    def _read_sooner(self, gate_field: FieldCheck, anchor: FieldCheck) -> bool:
        """Whether to swap the two: an anchor path is read for every event and a gate path
        only for the events that open the gate, so when the gate's path is read up front
        already (another anchor) and the anchor's is not, and a table serves the anchor's
        conditions as well, filing the other way round spares every event a path."""
        return (
            self._read_up_front(gate_field.path)
            and not self._read_up_front(anchor.path)
            and all(anchor_cost(condition) <= _TABLE_COST for condition in anchor.conditions)
        )

    def _read_up_front(self, path: str) -> bool:
        return path in self._paths or path in self._gate_paths

    def _unfile(self, entry: Entry) -> None:
        if entry.anchor is None:
            self._unanchored.discard(entry)
            return
        (path, conditions), gate = entry.anchor, entry.gate
        entry.set_anchor(None, None)
        for condition in conditions:
            anchored = self._anchored_on[(path, condition)]
            anchored.discard(entry)
            if not anchored:
                del self._anchored_on[(path, condition)]
        if gate is None:
            self._discard_all(self._paths, path, conditions, entry)
        else:
            self._close_gate(path, conditions, gate, entry)
            self._forget_plans(path)

    def _table(self, tables: dict[str, PathIndex], path: str) -> PathIndex:
        """The table of ``path`` in ``tables`` (the anchors' or the gates'), made if new."""
        path_index = tables.get(path)
        if path_index is None:
            path_index = tables[path] = PathIndex()
            self._anchors = None  # one more path to read up front
        return path_index

    def _discard_all(
        self,
        tables: dict[str, PathIndex],
        path: str,
        conditions: tuple[Condition, ...],
        member: object,
    ) -> None:
        path_index = tables[path]
        for condition in conditions:
            path_index.discard(condition, member)
        if path_index.is_empty():
            del tables[path]
            self._anchors = None

    # ------------------------------------------------------------------ gates

    def _open_gate(self, anchor: FieldCheck, path: str) -> Gate:
        """The second-level table for alternatives anchored on ``anchor`` and gated on
        ``path``; made and filed on first use."""
        key = (anchor.path, anchor.conditions, path)
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = Gate(anchor.path, path, self._trees[path])
            self._table(self._gate_paths, anchor.path).add_all(anchor.conditions, gate)
        return gate

    def _close_gate(
        self,
        path: str,
        conditions: tuple[Condition, ...],
        gated_on: tuple[str, tuple[Condition, ...]],
        entry: Entry,
    ) -> None:
        key = (path, conditions, gated_on[0])
        gate = self._gates[key]
        gate.discard_all(gated_on[1], entry)
        if gate.is_empty():
            del self._gates[key]
            self._discard_all(self._gate_paths, path, conditions, gate)


def _field(check: FieldCheck) -> tuple[str, tuple[Condition, ...]]:
    return check.path, check.conditions


def _gate_field(ranked: list[tuple[int, FieldCheck]], fields: int) -> FieldCheck | None:
    """The field to gate an alternative on: the first of the others (in rank order) that a
    table serves; failing that, when the alternative has just one other field (of ``fields``
    in all), that one, which the gate tries in turn (an ``anything-but``, an ``exists``, a
    wildcard): the gate then settles the alternative, which spares a candidate's check of
    every event that brings it in. None when the anchor is an exact value few alternatives
    share: its bucket is small already."""
    cost, anchor = ranked[0]
    if cost < _CROWDED and all(anchor_cost(condition) == 0 for condition in anchor.conditions):
        return None
    for _, check in ranked[1:]:
        if all(anchor_cost(condition) <= _TABLE_COST for condition in check.conditions):
            return check
    if fields == len(ranked) == 2:
        return ranked[1][1]
    return None


# An anchor path with its reader, its table (None: it anchors only gates), the table of the
# gates anchored on it (or None) and what each of its values opens (see ``_plan``).
_Anchor = tuple[str, Reader, PathIndex | None, PathIndex | None, dict[str, tuple[GateGroup, ...]]]
_REMEMBERED_PLANS = 4096  # as a path table remembers strings: the recurring ones come early
_TABLE_COST = 20  # kinds up to numeric ranges are served by a table, not a scan
_CROWDED = 4  # alternatives sharing an exact anchor before it is worth gating them
