"""A slow, obviously-correct reference evaluator for EventBridge event patterns.

It exists to check the real engine (``busway.patterns``) against an independent reading of the
spec (shared/spec/eventbridge.md, section 3). It only accepts VALID patterns and validates nothing;
it never compiles anything. Readability wins over speed everywhere.

The model:

* The event is flattened into leaves. A leaf is a scalar (string, number, boolean, null) with its
  *path* (object keys joined with ".", array positions skipped, so dotted keys equal nesting, §3.1)
  and its *route* (the exact keys and array indexes that lead to it).
* Each pattern condition that needs a value is satisfied by one leaf at its path. All the leaves
  chosen for one pattern must be *consistent* (§3.3): two leaves may not come from different
  elements of the same array. With routes that is: where the two routes first part ways, they must
  part at an object key, not at an array index.
* ``{"exists": false}`` is satisfied when no leaf at its path is consistent with the leaves chosen
  for the other conditions (§3.3 "evaluated within the chosen element", §3.9 "no leaf exists at
  that path"). It is checked after every value condition has chosen its leaf.
* ``$or`` (§3.8) is an alternative: one of its branches has to hold, together with the rest.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["reference_matches"]

Route = tuple[str | int, ...]


@dataclass(frozen=True)
class Leaf:
    path: str
    value: Any
    route: Route


@dataclass(frozen=True)
class Plan:
    """One way of satisfying part of a pattern."""

    witnesses: tuple[Leaf, ...]  # leaves chosen by value conditions; pairwise consistent
    absent: tuple[str, ...]  # paths of {"exists": false} conditions, checked at the end


def reference_matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """True if the valid ``pattern`` matches ``event`` (a dict as parsed from JSON)."""
    leaves = list(_leaves(event, (), ()))
    return any(_absences_hold(plan, leaves) for plan in _object_plans(pattern, (), leaves))


# ---------------------------------------------------------------------------------------------
# The event as leaves


def _leaves(value: Any, keys: tuple[str, ...], route: Route) -> Iterator[Leaf]:
    if isinstance(value, dict):
        for key, member in value.items():
            yield from _leaves(member, (*keys, key), (*route, key))
    elif isinstance(value, list):
        # Arrays of arrays flatten naturally: every level adds its index to the route only.
        for index, element in enumerate(value):
            yield from _leaves(element, keys, (*route, index))
    else:
        yield Leaf(".".join(keys), value, route)


def _consistent(a: Route, b: Route) -> bool:
    for step_a, step_b in zip(a, b, strict=False):
        if step_a != step_b:
            # Same container up to here; indexes mean different elements of one array.
            return not (isinstance(step_a, int) and isinstance(step_b, int))
    return True


def _consistent_with_all(leaf: Leaf, witnesses: tuple[Leaf, ...]) -> bool:
    return all(_consistent(leaf.route, other.route) for other in witnesses)


def _absences_hold(plan: Plan, leaves: list[Leaf]) -> bool:
    return not any(
        leaf.path == path and _consistent_with_all(leaf, plan.witnesses)
        for path in plan.absent
        for leaf in leaves
    )


# ---------------------------------------------------------------------------------------------
# The pattern walk


def _object_plans(
    pattern: dict[str, Any], keys: tuple[str, ...], leaves: list[Leaf]
) -> Iterator[Plan]:
    """Plans satisfying every member of a pattern object (AND across fields)."""
    members = list(pattern.items())

    def extend(index: int, so_far: Plan) -> Iterator[Plan]:
        if index == len(members):
            yield so_far
            return
        key, value = members[index]
        for plan in _member_plans(key, value, keys, leaves):
            merged = _merge(so_far, plan)
            if merged is not None:
                yield from extend(index + 1, merged)

    yield from extend(0, Plan((), ()))


def _member_plans(
    key: str, value: Any, keys: tuple[str, ...], leaves: list[Leaf]
) -> Iterator[Plan]:
    if key == "$or":
        for branch in value:
            yield from _object_plans(branch, keys, leaves)
    elif isinstance(value, dict):
        yield from _object_plans(value, (*keys, key), leaves)
    else:
        yield from _field_plans(".".join((*keys, key)), value, leaves)


def _field_plans(path: str, conditions: list[Any], leaves: list[Leaf]) -> Iterator[Plan]:
    """Plans satisfying one of a field's conditions (OR within the field's array)."""
    for condition in conditions:
        if condition == {"exists": False}:
            yield Plan((), (path,))
            continue
        for leaf in leaves:
            if leaf.path == path and _satisfies(condition, leaf.value):
                yield Plan((leaf,), ())


def _merge(a: Plan, b: Plan) -> Plan | None:
    for leaf in b.witnesses:
        if not _consistent_with_all(leaf, a.witnesses):
            return None
    return Plan(a.witnesses + b.witnesses, a.absent + b.absent)


# ---------------------------------------------------------------------------------------------
# One condition against one leaf value


def _satisfies(condition: Any, value: Any) -> bool:
    if not isinstance(condition, dict):
        return _literal_equal(condition, value) or _same_ip_address(condition, value)
    ((operator, argument),) = condition.items()
    if operator == "exists":
        return argument is True  # a leaf is present; exists:false never reaches here
    if operator == "anything-but":
        return not _excluded(argument, value)
    if operator == "numeric":
        return _in_numeric_range(argument, value)
    if not isinstance(value, str):
        return False  # the remaining operators are string-only (§3.4)
    return _string_operator(operator, argument, value)


def _string_operator(operator: str, argument: Any, value: str) -> bool:
    if operator == "prefix":
        if isinstance(argument, dict):
            return _starts_with_ignoring_case(value, argument["equals-ignore-case"])
        return value.startswith(argument)
    if operator == "suffix":
        if isinstance(argument, dict):
            return _ends_with_ignoring_case(value, argument["equals-ignore-case"])
        return value.endswith(argument)
    if operator == "equals-ignore-case":
        return _equals_ignoring_case(value, argument)
    if operator == "wildcard":
        return _wildcard_matches(argument, value)
    if operator == "cidr":
        return _in_cidr(argument, value)
    raise ValueError(f"not a valid operator: {operator!r}")


def _literal_equal(literal: Any, value: Any) -> bool:
    """§3.2: strings byte-for-byte, numbers by value, booleans and null only to themselves."""
    if _is_number(literal) or _is_number(value):
        return _is_number(literal) and _is_number(value) and _numbers_equal(literal, value)
    return type(literal) is type(value) and literal == value


def _excluded(argument: Any, value: Any) -> bool:
    """Whether anything-but's ``argument`` excludes ``value`` (§3.4)."""
    if isinstance(argument, dict):
        ((operator, operand),) = argument.items()
        operands = operand if isinstance(operand, list) else [operand]
        # Only strings can be excluded by the operator forms; numbers and null always pass.
        return isinstance(value, str) and any(
            _string_operator(operator, each, value) for each in operands
        )
    excluded = argument if isinstance(argument, list) else [argument]
    return any(_literal_equal(each, value) for each in excluded)


# ---------------------------------------------------------------------------------------------
# Numbers (§3.2, §3.5): compared as IEEE doubles. A number a double cannot hold (its text does
# not survive the trip) takes no part in numeric ranges and, as a literal, only equals the same
# spelling.


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _exact(number: int | float | Decimal) -> Decimal:
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def _as_double(number: int | float | Decimal) -> float | None:
    """The double this number parses to, or None when parsing would change its value."""
    exact = _exact(number)
    if not exact.is_finite():
        return None
    double = float(exact)
    if math.isinf(double) or Decimal(repr(double)) != exact:
        return None
    return double


def _numbers_equal(a: int | float | Decimal, b: int | float | Decimal) -> bool:
    double_a, double_b = _as_double(a), _as_double(b)
    if double_a is not None and double_b is not None:
        return double_a == double_b
    # Parsing kept the digits and the exponent, which is as close to "same text" as we can get.
    return str(_exact(a)) == str(_exact(b))


_COMPARE = {
    "=": lambda x, bound: x == bound,
    "<": lambda x, bound: x < bound,
    "<=": lambda x, bound: x <= bound,
    ">": lambda x, bound: x > bound,
    ">=": lambda x, bound: x >= bound,
}


def _in_numeric_range(terms: list[Any], value: Any) -> bool:
    if not _is_number(value):
        return False  # strings, booleans and null never satisfy numeric (§3.4)
    # §3.5: a number that loses precision as a double cannot be compared. event-ruler applies the
    # same round-trip check to event values as to pattern values (ComparableNumber.generate).
    number = _as_double(value)
    if number is None:
        return False
    pairs = zip(terms[0::2], terms[1::2], strict=True)
    return all(_COMPARE[op](number, float(_exact(bound))) for op, bound in pairs)


# ---------------------------------------------------------------------------------------------
# equals-ignore-case (§3.10): each pattern character may appear as its lower or its upper case
# (either may be several characters, e.g. upper("ß") == "SS"); the event text is taken as is.


def _ignore_case_ends(pattern: str, value: str, start: int) -> set[int]:
    """Positions in ``value`` where a match of ``pattern`` that begins at ``start`` can end."""
    ends = {start}
    for char in pattern:
        ends = {
            end + len(form)
            for end in ends
            for form in {char.lower(), char.upper()}
            if value.startswith(form, end)
        }
    return ends


def _equals_ignoring_case(value: str, pattern: str) -> bool:
    return len(value) in _ignore_case_ends(pattern, value, 0)


def _starts_with_ignoring_case(value: str, pattern: str) -> bool:
    return bool(_ignore_case_ends(pattern, value, 0))


def _ends_with_ignoring_case(value: str, pattern: str) -> bool:
    return any(
        len(value) in _ignore_case_ends(pattern, value, start) for start in range(len(value) + 1)
    )


# ---------------------------------------------------------------------------------------------
# wildcard (§3.6) and cidr (§3.7)


def _wildcard_matches(pattern: str, value: str) -> bool:
    """``*`` is any run of characters; ``\\*`` a literal star and ``\\\\`` a literal backslash."""
    regex = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            regex.append(re.escape(next(chars)))
        elif char == "*":
            regex.append(".*")
        else:
            regex.append(re.escape(char))
    return re.fullmatch("".join(regex), value, flags=re.DOTALL) is not None


def _ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if "%" in text:
        return None  # a scoped IPv6 address is not an address literal event-ruler reads
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _same_ip_address(literal: Any, value: Any) -> bool:
    """§3.2: an exact-match string that is an IP address matches any spelling of that address."""
    if not (isinstance(literal, str) and isinstance(value, str)):
        return False
    address = _ip_address(literal)
    return address is not None and address == _ip_address(value)


def _in_cidr(cidr: str, value: str) -> bool:
    network = ipaddress.ip_network(cidr, strict=False)
    address = _ip_address(value)  # None when not an IP address at all, e.g. "10.0.0.256"
    return address is not None and address.version == network.version and address in network
