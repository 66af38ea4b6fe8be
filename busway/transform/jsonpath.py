"""The JSONPath subset EventBridge evaluates for InputPath and InputPathsMap.

Grammar (anything else is rejected)::

    path    := "$" step*
    step    := "." name | "." "*" | "[" index "]" | "[" "*" "]" | "[" quoted "]"
    name    := one or more characters other than "." "[" "]"
    index   := decimal digits
    quoted  := "'" ... "'" | '"' ... '"'     (backslash escapes the next character)

Names are deliberately permissive: event keys such as ``detail-type``, ``a/b``, ``état`` or
``x:y`` are addressed with plain dot notation, which common JSONPath libraries refuse.
A path without wildcards selects one value or nothing; a path with a wildcard selects the list
of every match in document order (possibly empty), as Jayway JSONPath does for indefinite paths.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["MISSING", "JsonPath", "JsonPathError", "Missing", "compile_path"]


class Missing(enum.Enum):
    """Type of ``MISSING``: the result of a path that selects nothing."""

    MISSING = enum.auto()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing.MISSING


class JsonPathError(ValueError):
    """The text is not a path of the supported subset."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"Invalid JSONPath {path!r}: {reason}")
        self.path = path
        self.reason = reason


class _Wildcard(enum.Enum):
    ANY = enum.auto()


_ANY: Final = _Wildcard.ANY
Step = str | int | _Wildcard


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled path; ``find`` is safe to call concurrently."""

    text: str
    steps: tuple[Step, ...]
    is_definite: bool  # no wildcard: selects one value or nothing

    def find(self, document: Any) -> Any:
        """The selected value, ``MISSING``, or for wildcard paths the list of matches."""
        if not self.is_definite:
            return list(_find_all(document, self.steps))
        value = document
        for step in self.steps:
            value = _child(value, step)
            if value is MISSING:
                break
        return value


def compile_path(text: str) -> JsonPath:
    """Parse ``text``; raises ``JsonPathError`` when it is outside the subset."""
    if not text.startswith("$"):
        raise JsonPathError(text, "must start with '$'")
    steps = tuple(_Parser(text).steps())
    return JsonPath(text, steps, is_definite=_ANY not in steps)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 1  # just past "$"

    def steps(self) -> Iterator[Step]:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == ".":
                yield self._dot_step()
            elif char == "[":
                yield self._bracket_step()
            else:
                raise self._error(f"unexpected {char!r} at position {self.pos}")

    def _dot_step(self) -> Step:
        start = self.pos + 1
        end = start
        while end < len(self.text) and self.text[end] not in ".[]":
            end += 1
        if end == start:
            raise self._error(f"empty name at position {start}")
        self.pos = end
        name = self.text[start:end]
        return _ANY if name == "*" else name

    def _bracket_step(self) -> Step:
        start = self.pos + 1
        if start < len(self.text) and self.text[start] in "'\"":
            return self._quoted_step(start)
        close = self.text.find("]", start)
        if close == -1:
            raise self._error(f"unclosed '[' at position {self.pos}")
        inner = self.text[start:close]
        self.pos = close + 1
        if inner == "*":
            return _ANY
        if inner.isascii() and inner.isdigit():
            return int(inner)
        raise self._error(f"bracket must hold an index, '*' or a quoted name, not {inner!r}")

    def _quoted_step(self, start: int) -> Step:
        quote = self.text[start]
        chars: list[str] = []
        pos = start + 1
        while pos < len(self.text) and self.text[pos] != quote:
            if self.text[pos] == "\\" and pos + 1 < len(self.text):
                pos += 1
            chars.append(self.text[pos])
            pos += 1
        if pos + 1 >= len(self.text) or self.text[pos + 1] != "]":
            raise self._error(f"unclosed quoted name at position {start}")
        self.pos = pos + 2
        return "".join(chars)

    def _error(self, reason: str) -> JsonPathError:
        return JsonPathError(self.text, reason)


def _child(value: Any, step: Step) -> Any:
    # bool is an int subclass but never a list index in JSON, and names never index lists.
    if isinstance(step, str):
        return value.get(step, MISSING) if isinstance(value, Mapping) else MISSING
    if isinstance(step, int) and isinstance(value, list) and step < len(value):
        return value[step]
    return MISSING  # includes a wildcard, which only _find_all expands


def _find_all(value: Any, steps: tuple[Step, ...]) -> Iterator[Any]:
    if not steps:
        yield value
        return
    step, rest = steps[0], steps[1:]
    if isinstance(step, _Wildcard):
        children = value.values() if isinstance(value, Mapping) else value
        if isinstance(value, Mapping | list):
            for child in children:
                yield from _find_all(child, rest)
        return
    child = _child(value, step)
    if child is not MISSING:
        yield from _find_all(child, rest)
