"""Does one alternative (an AND of fields) hold for a flattened event?

Without arrays this is a plain check per field. With arrays, event-ruler's array consistency
applies: the leaves chosen for the different fields must not come from different elements of
the same array, so the choice is a small backtracking search over candidate leaves.
``exists: false`` (and any field that absence satisfies) is judged within the elements the
other fields chose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from busway.patterns.compiler import Alternative
from busway.patterns.conditions import Condition, ExactString, Exists
from busway.patterns.flatten import Leaves, Trail

__all__ = ["FieldCheck", "alternative_holds", "consistent_choice_exists", "prepare_alternative"]


class FieldCheck:
    """One field of an alternative, ready to test: its path, the conditions a present leaf
    can satisfy, and whether the absence of any leaf satisfies it."""

    __slots__ = ("absent_ok", "accepts", "conditions", "path")

    def __init__(self, path: str, conditions: Sequence[Condition]) -> None:
        self.path = path
        self.absent_ok = Exists(False) in conditions
        self.conditions = tuple(c for c in conditions if c != Exists(False))
        # Most fields hold one condition: call it directly rather than through any(); a list
        # of exact strings (``"state": ["pending", "running"]``) is one set lookup.
        self.accepts: Callable[[object], bool] = (
            self.conditions[0].matches
            if len(self.conditions) == 1
            else _one_of_strings(self.conditions) or self._any
        )

    def _any(self, value: object) -> bool:
        return any(condition.matches(value) for condition in self.conditions)

    def holds(self, leaves: Leaves) -> bool:
        """The plain check, ignoring array consistency: some leaf at the path is accepted, or
        there is none and absence is enough."""
        found = leaves.get(self.path)
        if found is None:
            found = leaves.read(self.path)  # as empty, or lazily
        if not found:
            return self.absent_ok
        accepts = self.accepts
        # A plain loop: this runs for every candidate, and any() over a generator costs more.
        for value, _ in found:  # noqa: SIM110
            if accepts(value):
                return True
        return False


def _one_of_strings(conditions: tuple[Condition, ...]) -> Callable[[object], bool] | None:
    """For exact strings only: whether a value is one of them, as a single set lookup."""
    strings = [condition.value for condition in conditions if type(condition) is ExactString]
    if len(strings) < len(conditions):
        return None
    values = frozenset(strings)

    def accepts(value: object) -> bool:
        return type(value) is str and value in values

    return accepts


def prepare_alternative(alternative: Alternative) -> tuple[FieldCheck, ...]:
    """Fields that need a leaf first (they narrow the search), absence-friendly ones last."""
    checks = [FieldCheck(path, conditions) for path, conditions in alternative]
    return tuple(sorted(checks, key=lambda check: check.absent_ok))


def alternative_holds(checks: Sequence[FieldCheck], leaves: Leaves, has_arrays: bool) -> bool:
    if not has_arrays:
        return all(check.holds(leaves) for check in checks)
    # Consistency only narrows what the plain check allows, so settle the common cases with
    # the plain check and search only when a leaf that matters sits in an array element.
    pinned = False
    for check in checks:
        found = leaves[check.path]
        if not found:
            if check.absent_ok:
                continue
            return False
        if not check.absent_ok and not check.holds(leaves):
            return False
        pinned = pinned or any(trail for _, trail in found)
    if not pinned:
        return all(check.holds(leaves) for check in checks)
    return _search(checks, 0, leaves, {})


def consistent_choice_exists(checks: Sequence[FieldCheck], leaves: Leaves) -> bool:
    """Whether the fields can be satisfied by leaves of the same array elements (the search
    alone; ``checks`` must come from ``prepare_alternative``)."""
    return _search(checks, 0, leaves, {})


def _fits(trail: Trail, chosen: dict[int, int]) -> bool:
    return all(chosen.get(array_id, index) == index for array_id, index in trail)


def _search(
    checks: Sequence[FieldCheck], position: int, leaves: Leaves, chosen: dict[int, int]
) -> bool:
    if position == len(checks):
        return True
    check = checks[position]
    found = leaves[check.path]
    reachable = [trail for value, trail in found if _fits(trail, chosen) and check.accepts(value)]
    for trail in dict.fromkeys(reachable):
        extended = dict(chosen)
        extended.update(trail)
        if _search(checks, position + 1, leaves, extended):
            return True
    if check.absent_ok and not any(_fits(trail, chosen) for _, trail in found):
        return _search(checks, position + 1, leaves, chosen)
    return False
