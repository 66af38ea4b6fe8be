"""Hypothesis strategies for valid event patterns and for events that often meet them.

Patterns and events draw from one small vocabulary of keys and values, so that a random pair
matches often enough to be interesting. Every generated pattern is valid per spec §3.11: no
empty arrays or objects, anything-but lists of one type and no empty prefix/suffix inside
anything-but, numeric ranges with low < high, at most one star per wildcard (no complexity
errors), ``$or`` with two or more objects, sizes far below the 2,048-character limit.

One more restriction keeps the differential tests on specified ground: within one conjunction
no path is constrained twice (for example ``"a"`` next to a ``$or`` branch that also names
``"a"``). The spec says such members are ANDed (§3.1, §3.8) while event-ruler lets the later
one override the earlier; that disagreement is pinned in test_reference.DEVIATIONS instead.

All conditions come from one precomputed catalogue (``CONDITIONS``), so drawing one costs a
single choice; nested strategies per operator made generation ten times slower.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from itertools import combinations, product
from typing import Any

from hypothesis import strategies as st

__all__ = ["CONDITIONS", "KEYS", "events", "patterns"]

KEYS = ("a", "b", "c")
# Dotted event keys stand for nesting (§3.1), so "a.b" meets patterns written either way.
EVENT_KEYS = (*KEYS, "a.b", "b.c")

STRINGS = ("", "a", "ab", "Ab", "b", "a*b", "10.0.0.7", "2001:db8::5", "straße", "STRASSE")
# 1E+1 equals 10 and 2.50 equals 2.5 (numeric equality, §3.2). A double cannot hold the 20-digit
# integer exactly: as a literal it equals only itself (§3.2), and no range contains it (§3.5).
NUMBERS: tuple[int | Decimal, ...] = (0, 1, 5, 10, Decimal("2.5"), Decimal("1E+1"))
HUGE = 12345678901234567890
# "2001:0db8:0::5" is another spelling of the address "2001:db8::5" (exact match reads IPs, §3.2).
EVENT_LEAVES = (*STRINGS, "2001:0db8:0::5", *NUMBERS, Decimal("2.50"), HUGE, True, False, None)

PREFIXES = ("", "a", "A", "10.", "S")
SUFFIXES = ("", "b", "B", ".7", "SE")
IGNORE_CASE = ("a", "AB", "b", "straße", "STRASSE", "ß")
WILDCARDS = ("*", "a*", "*b", "", "ab", "10.0.*", "a\\*b")
CIDRS = ("10.0.0.0/24", "10.0.1.0/24", "2001:db8::/32")


# ---------------------------------------------------------------------------------------------
# The condition catalogue (members of a field's array), simplest first for shrinking


def _numeric_conditions() -> list[dict[str, Any]]:
    one_sided = [[op, bound] for op, bound in product(("=", "<", "<=", ">", ">="), NUMBERS)]
    two_sided = [
        [low_op, low, high_op, high]
        for low_op, high_op in product((">", ">="), ("<", "<="))
        for low, high in combinations(sorted(set(NUMBERS)), 2)
    ]
    return [{"numeric": terms} for terms in one_sided + two_sided]


def _anything_but_conditions() -> list[dict[str, Any]]:
    prefixes = [p for p in PREFIXES if p]  # "" is "Null prefix/suffix not allowed" (E8)
    suffixes = [s for s in SUFFIXES if s]
    arguments: list[Any] = [*STRINGS, *NUMBERS, ["a", "b"], ["", "ab", "straße"], [0, 10], [1]]
    for operator, values in (
        ("prefix", prefixes),
        ("suffix", suffixes),
        ("equals-ignore-case", IGNORE_CASE),
        ("wildcard", WILDCARDS),
    ):
        arguments += [{operator: value} for value in values]
        arguments.append({operator: list(values[:2])})  # the list form
    return [{"anything-but": argument} for argument in arguments]


def _string_conditions() -> list[dict[str, Any]]:
    return [
        *({"prefix": p} for p in PREFIXES),
        *({"prefix": {"equals-ignore-case": p}} for p in IGNORE_CASE),
        *({"suffix": s} for s in SUFFIXES),
        *({"suffix": {"equals-ignore-case": s}} for s in IGNORE_CASE),
        *({"equals-ignore-case": s} for s in IGNORE_CASE),
        *({"wildcard": w} for w in WILDCARDS),
        *({"cidr": c} for c in CIDRS),
    ]


CONDITIONS: tuple[Any, ...] = (
    {"exists": True},
    {"exists": False},
    *STRINGS,
    *NUMBERS,
    HUGE,
    True,
    False,
    None,
    *_string_conditions(),
    *_anything_but_conditions(),
    *_numeric_conditions(),
)


# ---------------------------------------------------------------------------------------------
# Events


@cache
def _event_values(depth: int) -> st.SearchStrategy[Any]:
    leaf = st.sampled_from(EVENT_LEAVES)
    leaves = st.lists(leaf, max_size=3)  # includes the empty array, which provides no value
    if depth == 0:
        return leaf | leaves
    inner = _event_objects(depth - 1)
    return st.one_of(
        leaf,
        leaves,
        inner,
        st.lists(inner, min_size=1, max_size=3),  # arrays of objects: array consistency
        st.lists(leaves | st.lists(inner, max_size=2), min_size=1, max_size=2),  # nested arrays
    )


@cache
def _event_objects(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    # Every plain key is present, so that most pattern paths find something to look at; the
    # dotted keys ("a.b") sometimes add a second route to the same path.
    values = _event_values(depth)
    return st.fixed_dictionaries(
        {key: values for key in KEYS}, optional={key: values for key in EVENT_KEYS[len(KEYS) :]}
    )


def events() -> st.SearchStrategy[dict[str, Any]]:
    return _event_objects(1)


# ---------------------------------------------------------------------------------------------
# Patterns


# Strategy objects are built once and reused: building them inside every draw made generation
# several times slower than the tests it feeds.
_FIELD = st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=4)
_SUB_KEY = st.sampled_from(KEYS)


@cache
def _members(key: str, depth: int) -> st.SearchStrategy[tuple[str, Any]]:
    """One member of a pattern object; it owns every path under ``key``."""
    field = _FIELD.map(lambda conditions: (key, conditions))
    # "a.b": [...] is the same rule as "a": {"b": [...]} (§3.1)
    dotted = st.tuples(_SUB_KEY, _FIELD).map(lambda pair: (f"{key}.{pair[0]}", pair[1]))
    if depth == 0:
        return field | dotted
    nested = _pattern_objects(depth - 1, KEYS).map(lambda inner: (key, inner))
    return field | dotted | nested


@cache
def _key_choices(keys: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(keys), min_size=1, max_size=2, unique=True)


@cache
def _pattern_objects(depth: int, keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return _pattern_object(depth, keys)


@st.composite
def _pattern_object(draw: st.DrawFn, depth: int, keys: tuple[str, ...]) -> dict[str, Any]:
    """A pattern object using only ``keys`` at this level, with an optional ``$or``."""
    chosen = draw(_key_choices(keys))
    pattern = dict(draw(_members(key, depth)) for key in chosen)
    # $or branches take keys no sibling uses, so no path is constrained twice in one conjunction.
    spare = tuple(key for key in keys if key not in chosen)
    if not spare or not draw(st.booleans()):
        return pattern
    branches = draw(_or_branches(max(depth - 1, 0), spare))
    if draw(st.booleans()):  # a pattern object may consist of nothing but its $or
        pattern = {}
    pattern["$or"] = branches
    return pattern


@cache
def _or_branches(depth: int, keys: tuple[str, ...]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(_pattern_objects(depth, keys), min_size=2, max_size=3)


def patterns() -> st.SearchStrategy[dict[str, Any]]:
    return _pattern_objects(1, KEYS)
