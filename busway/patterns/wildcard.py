"""Wildcard values: parsing (escapes, errors), matching, and the complexity guard.

``*`` matches any run of characters; ``\\*`` is a literal star and ``\\\\`` a literal backslash.
Error positions are byte offsets into the value *as event-ruler sees it*: UTF-8, with the
opening quote in front, so the first character is at position 1.
"""

from __future__ import annotations

import re

__all__ = [
    "TOO_COMPLEX",
    "WildcardError",
    "parse_wildcard",
    "wildcard_complexity",
    "wildcard_regex",
]

TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
_STAR = None  # marks a wildcard position in a parsed value


class WildcardError(ValueError):
    """A malformed wildcard value; ``str()`` is event-ruler's reason text."""


def parse_wildcard(value: str) -> tuple[str | None, ...]:
    """The value as a sequence of literal characters and ``None`` for each star."""
    result: list[str | None] = []
    offset = 1  # byte position of the current character, after the opening quote
    chars = iter(value)
    for char in chars:
        width = len(char.encode("utf-8", "surrogatepass"))
        if char == "*":
            if result and result[-1] is _STAR:  # only an unescaped star leaves _STAR behind
                raise WildcardError(f"Consecutive wildcard characters at pos {offset - 1}")
            result.append(_STAR)
        elif char == "\\":
            escaped = next(chars, None)
            if escaped not in ("*", "\\"):
                raise WildcardError(f"Invalid escape character at pos {offset}")
            result.append(escaped)
            width += 1
        else:
            result.append(char)
        offset += width
    return tuple(result)


def wildcard_regex(parts: tuple[str | None, ...]) -> re.Pattern[str]:
    source = "".join(".*" if part is _STAR else re.escape(part) for part in parts)
    return re.compile(source, re.DOTALL)


def wildcard_complexity(values: list[tuple[str | None, ...]], cap: int) -> int:
    """Most states a worst-case input keeps alive at once across these wildcard values.

    Mirrors event-ruler's MachineComplexityEvaluator on the automaton of one field: walk the
    subset construction of the values' combined NFA and report its largest state set.
    """
    alphabet = {part for parts in values for part in parts if part is not _STAR}
    alphabet.add("\x00other")
    start = frozenset(
        state for index, parts in enumerate(values) for state in _closure(parts, index, 0)
    )
    seen = {start}
    frontier = [start]
    worst = len(start)
    while frontier and worst < cap:
        current = frontier.pop()
        for char in alphabet:
            following = _step(values, current, char)
            if following and following not in seen:
                seen.add(following)
                frontier.append(following)
                worst = max(worst, len(following))
        if len(seen) > 20_000:
            break
    return min(worst, cap)


def _closure(parts: tuple[str | None, ...], index: int, position: int) -> list[tuple[int, int]]:
    # Only states that can still read input count; the end of a value is a match, not a state.
    states = []
    while position < len(parts):
        states.append((index, position))
        if parts[position] is not _STAR:
            break
        position += 1
    return states


def _step(
    values: list[tuple[str | None, ...]], states: frozenset[tuple[int, int]], char: str
) -> frozenset[tuple[int, int]]:
    following: set[tuple[int, int]] = set()
    for index, position in states:
        parts = values[index]
        if position >= len(parts):
            continue
        part = parts[position]
        if part is _STAR:
            following.add((index, position))
        elif part == char:
            following.update(_closure(parts, index, position + 1))
    return frozenset(following)
