"""An event as the matcher sees it: leaf values by dotted path, each with its array trail.

Objects nest into dotted paths (so a key written ``"a.b"`` and ``{"a": {"b": ...}}`` land on
the same path); arrays vanish into their elements, objects inside arrays included. The trail
records, for every object or inner array a leaf sits in that is an array element, which array
(a number unique within the event) and which element, so two leaves can be told apart when
they come from different elements.

Only paths some rule mentions are of interest, so the walk can be limited to them: ``wanted``
maps a path to ``LEAF`` (keep scalar values found there) and/or ``DESCEND`` (some rule path
continues below it). For the index's hot path, ``wanted_tree`` turns that map into one table
per object level, keyed by the event keys that lead somewhere (a key written with dots, such as
``"a.b"``, included), so each object costs one C-level intersection of its keys with the
table instead of a string concatenation and lookup per key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "DESCEND",
    "LEAF",
    "Leaf",
    "Leaves",
    "Trail",
    "WantedTree",
    "flatten_event",
    "flatten_with_pinned_paths",
    "wanted_paths",
    "wanted_tree",
]

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


# key -> (LEAF/DESCEND mode, the path the key leads to, the table below that path)
WantedTree = dict[str, tuple[int, str, "WantedTree"]]


def wanted_tree(wanted: Mapping[str, int]) -> WantedTree:
    """One table per wanted object path: ``W`` is reached from the object at path ``X`` by the
    key ``k`` whenever ``X + "." + k == W`` (from the top, by ``k == W``)."""
    tables: dict[str, WantedTree] = {path: {} for path, mode in wanted.items() if mode & DESCEND}
    root: WantedTree = {}
    for path, mode in wanted.items():
        below = tables.get(path, {})
        root[path] = (mode, path, below)
        for position, char in enumerate(path):
            if char == "." and path[:position] in tables:
                tables[path[:position]][path[position + 1 :]] = (mode, path, below)
    return root


def flatten_event(event: Any, wanted: Mapping[str, int] | None = None) -> tuple[Leaves, bool]:
    """The event's leaves by path, and whether any trail is non-empty (consistency matters)."""
    walk = _Walk(wanted)
    if type(event) is dict:
        walk.object(event, "", ())
    return walk.leaves, walk.pinned_elements > 0


def flatten_with_pinned_paths(event: Any, wanted: WantedTree) -> tuple[Leaves, set[str]]:
    """The event's wanted leaves by path, and the paths with a leaf inside an array element:
    only an alternative that uses one of those paths needs the array-consistency search."""
    walk = _Walk(None)
    if type(event) is dict:
        walk.wanted_object(event, wanted, ())
    return walk.leaves, walk.pinned_paths


class _Walk:
    """The state of one flattening walk."""

    __slots__ = ("arrays", "leaves", "pinned_elements", "pinned_paths", "wanted")

    def __init__(self, wanted: Mapping[str, int] | None) -> None:
        self.wanted = wanted
        self.leaves: Leaves = {}
        self.pinned_paths: set[str] = set()
        self.arrays = 0  # arrays seen so far: their ids
        self.pinned_elements = 0  # array elements that put an index in a trail

    def object(self, obj: dict[str, Any], prefix: str, trail: Trail) -> None:
        wanted = self.wanted
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
                    self.object(value, path + ".", trail)
            elif kind is list:
                self.array(value, path, mode, trail)
            elif mode & LEAF:
                self.leaf(path, value, trail)

    def wanted_object(self, obj: dict[str, Any], table: WantedTree, trail: Trail) -> None:
        leaves = self.leaves
        for key in obj.keys() & table.keys():
            mode, path, below = table[key]
            value = obj[key]
            kind = type(value)
            if kind is dict:
                if mode & DESCEND:
                    self.wanted_object(value, below, trail)
            elif kind is list:
                self.wanted_array(value, path, mode, below, trail)
            elif mode & LEAF:
                # ``leaf()`` inlined: most leaves an event has are met here.
                found = leaves.get(path)
                if found is None:
                    leaves[path] = [(value, trail)]
                else:
                    found.append((value, trail))
                if trail:
                    self.pinned_paths.add(path)

    def wanted_array(
        self, items: list[Any], path: str, mode: int, table: WantedTree, trail: Trail
    ) -> None:
        """As ``array``, for the walk that follows wanted tables."""
        self.arrays += 1
        array_id = self.arrays
        for index, item in enumerate(items):
            kind = type(item)
            if kind is dict:
                if mode & DESCEND:
                    self.pinned_elements += 1
                    self.wanted_object(item, table, (*trail, (array_id, index)))
            elif kind is list:
                self.pinned_elements += 1
                self.wanted_array(item, path, mode, table, (*trail, (array_id, index)))
            elif mode & LEAF:
                self.leaf(path, item, trail)

    def array(self, items: list[Any], path: str, mode: int, trail: Trail) -> None:
        self.arrays += 1
        array_id = self.arrays
        for index, item in enumerate(items):
            kind = type(item)
            if kind is dict:
                if mode & DESCEND:
                    self.pinned_elements += 1
                    self.object(item, path + ".", (*trail, (array_id, index)))
            elif kind is list:
                self.pinned_elements += 1
                self.array(item, path, mode, (*trail, (array_id, index)))
            elif mode & LEAF:
                # A scalar element records no index of its own: like event-ruler, only
                # entering an object or an inner array pins the element.
                self.leaf(path, item, trail)

    def leaf(self, path: str, value: Any, trail: Trail) -> None:
        found = self.leaves.get(path)
        if found is None:
            self.leaves[path] = [(value, trail)]
        else:
            found.append((value, trail))
        if trail:
            self.pinned_paths.add(path)
