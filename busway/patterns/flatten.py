"""An event as the matcher sees it: leaf values by dotted path, each with its array trail.

Objects nest into dotted paths (so a key written ``"a.b"`` and ``{"a": {"b": ...}}`` land on
the same path); arrays vanish into their elements, objects inside arrays included. The trail
records, for every object or inner array a leaf sits in that is an array element, which array
(a number unique within the event) and which element, so two leaves can be told apart when
they come from different elements.

Only paths some rule mentions are of interest, so the walk can be limited to them: ``wanted``
maps a path to ``LEAF`` (keep scalar values found there) and/or ``DESCEND`` (some rule path
continues below it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DESCEND", "LEAF", "Leaf", "Leaves", "Trail", "flatten_event", "wanted_paths"]

Trail = tuple[tuple[int, int], ...]
Leaf = tuple[Any, Trail]
Leaves = dict[str, list[Leaf]]

LEAF = 1
DESCEND = 2
_EVERYTHING = LEAF | DESCEND


def wanted_paths(paths: list[str]) -> dict[str, int]:
    """The ``wanted`` map for a set of rule paths."""
    wanted: dict[str, int] = {}
    for path in paths:
        wanted[path] = wanted.get(path, 0) | LEAF
        for position, char in enumerate(path):
            if char == ".":
                above = path[:position]
                wanted[above] = wanted.get(above, 0) | DESCEND
    return wanted


def flatten_event(event: Any, wanted: Mapping[str, int] | None = None) -> tuple[Leaves, bool]:
    """The event's leaves by path, and whether any trail is non-empty (consistency matters)."""
    leaves: Leaves = {}
    state = [0, 0]  # arrays seen so far (their ids), and elements pinned in a trail
    if type(event) is dict:
        _walk_object(event, "", (), leaves, state, wanted)
    return leaves, state[1] > 0


def _walk_object(
    obj: dict[str, Any],
    prefix: str,
    trail: Trail,
    leaves: Leaves,
    state: list[int],
    wanted: Mapping[str, int] | None,
) -> None:
    for key, value in obj.items():
        path = prefix + key
        if wanted is None:
            mode = _EVERYTHING
        else:
            found_mode = wanted.get(path)
            if found_mode is None:
                continue
            mode = found_mode
        kind = type(value)
        if kind is dict:
            if mode & DESCEND:
                _walk_object(value, path + ".", trail, leaves, state, wanted)
        elif kind is list:
            _walk_array(value, path, mode, trail, leaves, state, wanted)
        elif mode & LEAF:
            found = leaves.get(path)
            if found is None:
                leaves[path] = [(value, trail)]
            else:
                found.append((value, trail))


def _walk_array(
    items: list[Any],
    path: str,
    mode: int,
    trail: Trail,
    leaves: Leaves,
    state: list[int],
    wanted: Mapping[str, int] | None,
) -> None:
    state[0] += 1
    array_id = state[0]
    for index, item in enumerate(items):
        kind = type(item)
        if kind is dict:
            if mode & DESCEND:
                state[1] += 1
                _walk_object(item, path + ".", (*trail, (array_id, index)), leaves, state, wanted)
        elif kind is list:
            state[1] += 1
            _walk_array(item, path, mode, (*trail, (array_id, index)), leaves, state, wanted)
        elif mode & LEAF:
            # A scalar element records no index of its own: like event-ruler, only entering
            # an object or an inner array pins the element.
            found = leaves.get(path)
            if found is None:
                leaves[path] = [(item, trail)]
            else:
                found.append((item, trail))
