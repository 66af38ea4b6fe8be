"""An event as the matcher sees it: leaf values by dotted path, each with its array trail.

Objects nest into dotted paths (so a key written ``"a.b"`` and ``{"a": {"b": ...}}`` land on
the same path); arrays vanish into their elements, objects inside arrays included. The trail
records, for every object or inner array a leaf sits in that is an array element, which array
(a number unique within the event) and which element, so two leaves can be told apart when
they come from different elements.

Only paths some rule mentions are of interest, so the walk can be limited to them: ``wanted``
maps a path to ``LEAF`` (keep scalar values found there) and/or ``DESCEND`` (some rule path
continues below it). The index goes further and reads one path at a time (``LazyLeaves``): the
paths it looks candidates up by for every event, any other path only when a gate or a candidate
first asks for it. ``wanted_tree`` turns a path into one table per object level, keyed by the
event keys that lead towards it (a key written with dots, such as ``"a.b"``, included), kept
as nested tuples of steps, so reading it probes a key or two per object; ``path_reader``
turns those steps into straight-line code for the path, down to the elements of the first
array, that files what it finds in the event's ``LazyLeaves`` (a key written with dots is only
probed for there; the general walk reads what is below it). There an array is identified by
the id of its list object, so paths read separately agree on which array is which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "DESCEND",
    "LEAF",
    "LazyLeaves",
    "Leaf",
    "Leaves",
    "PathTrees",
    "Trail",
    "WantedTree",
    "flatten_event",
    "lazy_leaves",
    "wanted_paths",
    "wanted_tree",
]

Trail = tuple[tuple[int, int], ...]
Leaf = tuple[Any, Trail]


class Leaves(dict[str, list[Leaf]]):
    """Leaf values by path; a path with no leaf reads as an empty list."""

    __slots__ = ()

    def __missing__(self, path: str) -> list[Leaf]:
        return []

    def read(self, path: str) -> list[Leaf]:
        """A path ``get`` did not find: here, one with no leaf."""
        return []


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


def lazy_leaves(event: Any, trees: PathTrees) -> LazyLeaves:
    """The event's leaves, each path read when first asked for (the caller reads those it
    needs for every event right away, with the paths' readers)."""
    leaves = LazyLeaves()
    leaves.event = event if type(event) is dict else {}
    leaves.trees = trees
    leaves.pinned = set()
    return leaves


# A single path's wanted tree as nested tuples of (key, LEAF/DESCEND mode, the steps below):
# reading it walks tuples, which costs less than a table's items() at every object.
Steps = tuple[tuple[str, int, "Steps"], ...]


# Reads one path's leaves from an event object into the event's ``LazyLeaves`` (pinning the
# path when a leaf sits in an array element), and returns them.
Reader = Callable[[dict[str, Any], "LazyLeaves"], list[Leaf]]


class PathTrees(dict[str, Reader]):
    """The reader of each single path, made on first use."""

    __slots__ = ()

    def __missing__(self, path: str) -> Reader:
        reader = self[path] = path_reader(path, _steps(wanted_tree(wanted_paths([path])), {}))
        return reader


def _steps(tree: WantedTree, made: dict[int, Steps]) -> Steps:
    """The tree as steps. A table below a path is shared by every spelling of the path with
    dotted keys (``a.b`` and ``a`` then ``b``), so its steps are made once and shared too:
    unfolded, a path of n keys would make 2^n of them."""
    steps = made.get(id(tree))
    if steps is None:
        steps = made[id(tree)] = tuple(
            (key, mode, _steps(below, made)) for key, (mode, _, below) in tree.items()
        )
    return steps


def path_reader(path: str, steps: Steps) -> Reader:
    """A function that reads one path's leaves from an event object, as ``_read_object``
    does, and files them in the event's ``LazyLeaves`` itself (callers on hot paths call it
    directly, with no method in between): straight-line code made for the path (one probe
    per key, no call per level), down to the elements of the first array on the way, because
    a path is read for nearly every event; deeper arrays, and paths with many ways to spell
    them with dotted keys, are read by the general walk."""
    if _more_steps_than(steps, _GENERATED_STEPS):
        return lambda event, leaves: _read_all(event, leaves, path, steps)
    constants: dict[str, Any] = {
        "_read_array": _read_array,
        "_read_dotted": _read_dotted,
        "_path": path,
    }
    # Whether a leaf sits in an array element is known where it is found, not searched for:
    # the path is pinned there (rarely: most paths have no leaf in an array element).
    lines = ["def read(o0, leaves):", "    found = []"]
    _emit(steps, 0, 1, lines, constants)
    lines += ["    leaves[_path] = found", "    return found"]
    exec("\n".join(lines), constants)  # noqa: S102 - keys appear only as repr() literals
    reader: Reader = constants["read"]
    return reader


def _read_dotted(obj: dict[str, Any], steps: Steps, trail: Trail, found: list[Leaf]) -> bool:
    """What a key written with dots leads to, by the general walk; whether a leaf it found
    sits in an array element."""
    before = len(found)
    _read_object(obj, steps, trail, found)
    return any(leaf_trail for _, leaf_trail in found[before:])


def _read_all(event: dict[str, Any], leaves: LazyLeaves, path: str, steps: Steps) -> list[Leaf]:
    found: list[Leaf] = []
    _read_object(event, steps, (), found)
    leaves[path] = found
    for _, trail in found:
        if trail:
            leaves.pinned.add(path)
            break
    return found


def _more_steps_than(steps: Steps, limit: int) -> bool:
    """Whether reading ``steps`` takes more than ``limit`` probes, counted as the generated
    code would make them (a shared step once per way to reach it), and never past ``limit``."""
    count = 0
    pending = [steps]
    while pending:
        for _, _, below in pending.pop():
            count += 1
            if count > limit:
                return True
            pending.append(below)
    return False


def _emit(
    steps: Steps,
    depth: int,
    indent: int,
    lines: list[str],
    constants: dict[str, Any],
    trail: str = "()",
) -> None:
    """Code that reads ``steps`` from the object in ``o{depth}``, its leaves carrying the
    trail the expression ``trail`` names. The elements of an array met on the way are read
    by a loop made for them too (one level: deeper arrays go to the general walk), since
    arrays of objects (``detail.items.sku``) are read for many events. A key written with
    dots (``"detail.state"`` for ``detail`` then ``state``) is rare: only a probe for it is
    made here, and the general walk reads what is below it."""
    pad = "    " * indent
    obj, value = f"o{depth}", f"o{depth + 1}"
    for key, mode, below in steps:
        name = f"_steps{len(constants)}"
        if "." in key:
            constants[name] = ((key, mode, below),)
            lines += [
                f"{pad}if {key!r} in {obj} and _read_dotted({obj}, {name}, {trail}, found):",
                f"{pad}    leaves.pinned.add(_path)",
            ]
            continue
        constants[name] = below
        lines += [
            f"{pad}if {key!r} in {obj}:",
            f"{pad}    {value} = {obj}[{key!r}]",
            f"{pad}    kind = type({value})",
        ]
        # The likeliest kind first: an object on the way down, else a string (the commonest
        # value: a source, a detail-type, a state).
        leaf = [f"{pad}        found.append(({value}, {trail}))"]
        if trail != "()":
            leaf.append(f"{pad}        leaves.pinned.add(_path)")
        if mode & DESCEND:
            lines.append(f"{pad}    if kind is dict:")
            _emit(below, depth + 1, indent + 2, lines, constants, trail)
        else:
            lines += [f"{pad}    if kind is str:", *leaf]
        lines.append(f"{pad}    elif kind is list:")
        if trail == "()":
            _emit_elements(value, mode, below, name, depth + 2, indent + 2, lines, constants)
        else:
            lines += [
                f"{pad}        if _read_array({value}, {mode}, {name}, {trail}, found):",
                f"{pad}            leaves.pinned.add(_path)",
            ]
        if mode & LEAF:
            lines.append(f"{pad}    {'else' if mode & DESCEND else 'elif kind is not dict'}:")
            lines += leaf


def _emit_elements(
    items: str,
    mode: int,
    below: Steps,
    name: str,
    depth: int,
    indent: int,
    lines: list[str],
    constants: dict[str, Any],
) -> None:
    """Code that reads the elements of the top-level array in ``items``, as ``_read_array``
    does: an element that is an object or an array pins its index in the trail."""
    pad = "    " * indent
    element, pinned = f"o{depth}", f"t{depth}"
    lines += [
        f"{pad}a{depth} = id({items})",
        f"{pad}for i{depth}, {element} in enumerate({items}):",
        f"{pad}    kind = type({element})",
    ]
    if mode & DESCEND:
        lines += [f"{pad}    if kind is dict:", f"{pad}        {pinned} = ((a{depth}, i{depth}),)"]
        _emit(below, depth, indent + 2, lines, constants, pinned)
        lines.append(f"{pad}    elif kind is list:")
    else:
        lines.append(f"{pad}    if kind is list:")
    lines += [
        f"{pad}        if _read_array({element}, {mode}, {name}, ((a{depth}, i{depth}),), found):",
        f"{pad}            leaves.pinned.add(_path)",
    ]
    if mode & LEAF:
        lines.append(f"{pad}    elif kind is not dict:")
        lines.append(f"{pad}        found.append(({element}, ()))")


_GENERATED_STEPS = 32  # beyond this (deep paths spelled many ways), the general walk reads


class LazyLeaves(Leaves):
    """An event's leaves, each path read from the event when first asked for (and kept), so
    an event is walked only where the candidate rules look. ``pinned`` holds the paths read
    so far that have a leaf inside an array element.

    Array ids are the ids of the array objects, so the trails of paths read separately agree
    on which array is which (a list object referenced twice counts as one array)."""

    __slots__ = ("event", "pinned", "trees")

    event: dict[str, Any]
    trees: PathTrees
    pinned: set[str]

    def read(self, path: str) -> list[Leaf]:
        """Read a path not read yet. Callers on hot paths try ``get`` first and call this
        (or the path's reader) themselves: a call from Python code costs less than
        ``__missing__``, which the dict's C code calls."""
        return self.trees[path](self.event, self)

    __missing__ = read


_ABSENT = object()


def _read_object(obj: dict[str, Any], steps: Steps, trail: Trail, found: list[Leaf]) -> None:
    """As ``_Walk.object`` does, for a single path's steps."""
    # There is a key or two to follow: probing them beats intersecting with ``obj``.
    for key, mode, below in steps:
        value = obj.get(key, _ABSENT)
        if value is _ABSENT:
            continue
        kind = type(value)
        if kind is dict:
            if mode & DESCEND:
                _read_object(value, below, trail, found)
        elif kind is list:
            _read_array(value, mode, below, trail, found)
        elif mode & LEAF:
            found.append((value, trail))


def _read_array(items: list[Any], mode: int, steps: Steps, trail: Trail, found: list[Leaf]) -> bool:
    """As ``_Walk.array`` does, for a single path's steps; the array's id is its object's.
    Whether it found a leaf."""
    before = len(found)
    for index, item in enumerate(items):
        kind = type(item)
        if kind is dict:
            if mode & DESCEND:
                _read_object(item, steps, (*trail, (id(items), index)), found)
        elif kind is list:
            _read_array(item, mode, steps, (*trail, (id(items), index)), found)
        elif mode & LEAF:
            found.append((item, trail))
    return len(found) > before


class _Walk:
    """The state of one flattening walk."""

    __slots__ = ("arrays", "leaves", "pinned_elements", "wanted")

    def __init__(self, wanted: Mapping[str, int] | None) -> None:
        self.wanted = wanted
        self.leaves = Leaves()
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
