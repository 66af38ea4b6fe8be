"""The compiled form of one match condition, and how it judges one leaf value of an event.

Leaf values are what ``busway.jsontext`` produces: ``str``, ``int``, ``float``,
``decimal.Decimal``, ``bool`` or ``None``. Conditions are frozen and hashable so identical
conditions of different rules are stored once in the index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from busway.patterns.cidr import parse_ip
from busway.patterns.ignore_case import ignore_case_regex
from busway.patterns.numbers import UnsafeNumber, as_double, literal_keys

__all__ = [
    "AnythingBut",
    "AnythingButIgnoreCase",
    "AnythingButPrefix",
    "AnythingButSuffix",
    "AnythingButWildcard",
    "Condition",
    "EqualsIgnoreCase",
    "ExactLiteral",
    "ExactNumber",
    "ExactString",
    "Exists",
    "IpMatch",
    "Numeric",
    "Prefix",
    "PrefixIgnoreCase",
    "Suffix",
    "SuffixIgnoreCase",
    "Wildcard",
]


@dataclass(frozen=True, slots=True)
class ExactString:
    value: str

    def matches(self, value: object) -> bool:
        return type(value) is str and value == self.value


@dataclass(frozen=True, slots=True)
class ExactNumber:
    """A numeric literal: equal by double value, or by exact value when no double holds it."""

    key: float | UnsafeNumber

    def matches(self, value: object) -> bool:
        double, exact = literal_keys(value)
        return self.key == double or (exact is not None and self.key == exact)


@dataclass(frozen=True, slots=True)
class ExactLiteral:
    """``true``, ``false`` or ``null``."""

    value: bool | None

    def matches(self, value: object) -> bool:
        return value is self.value


@dataclass(frozen=True, slots=True)
class IpMatch:
    """An IP range: from ``cidr``, or from a string literal that is an IP address."""

    version: int
    low: int
    high: int

    def matches(self, value: object) -> bool:
        if type(value) is not str:
            return False
        parsed = parse_ip(value)
        return (
            parsed is not None and parsed[0] == self.version and self.low <= parsed[1] <= self.high
        )


@dataclass(frozen=True, slots=True)
class Prefix:
    value: str

    def matches(self, value: object) -> bool:
        return type(value) is str and value.startswith(self.value)


@dataclass(frozen=True, slots=True)
class Suffix:
    value: str

    def matches(self, value: object) -> bool:
        return type(value) is str and value.endswith(self.value)


def _compile(source: str) -> re.Pattern[str]:
    return re.compile(source, re.DOTALL)


@dataclass(frozen=True, slots=True)
class EqualsIgnoreCase:
    value: str
    regex: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", _compile(ignore_case_regex(self.value)))

    def matches(self, value: object) -> bool:
        return type(value) is str and self.regex.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class PrefixIgnoreCase:
    value: str
    regex: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", _compile(ignore_case_regex(self.value)))

    def matches(self, value: object) -> bool:
        return type(value) is str and self.regex.match(value) is not None


@dataclass(frozen=True, slots=True)
class SuffixIgnoreCase:
    value: str
    regex: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        source = "(?:" + ignore_case_regex(self.value) + r")\Z"
        object.__setattr__(self, "regex", _compile(source))

    def matches(self, value: object) -> bool:
        return type(value) is str and self.regex.search(value) is not None


@dataclass(frozen=True, slots=True)
class Wildcard:
    """``text`` is the wildcard value as written; ``regex`` its compiled form."""

    text: str
    regex: re.Pattern[str] = field(compare=False, repr=False)

    def matches(self, value: object) -> bool:
        return type(value) is str and self.regex.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Numeric:
    low: float
    low_open: bool
    high: float
    high_open: bool

    def matches(self, value: object) -> bool:
        if type(value) is bool:
            return False
        number = as_double(value)
        if number is None:
            return False
        if number < self.low or (self.low_open and number == self.low):
            return False
        return not (number > self.high or (self.high_open and number == self.high))


@dataclass(frozen=True, slots=True)
class Exists:
    """``exists: true`` is judged per leaf; ``exists: false`` by the absence of any leaf."""

    present: bool

    def matches(self, value: object) -> bool:
        return self.present


@dataclass(frozen=True, slots=True)
class AnythingBut:
    """Any present value except these strings or numbers (null and booleans always pass)."""

    strings: frozenset[str]
    numbers: frozenset[float]

    def matches(self, value: object) -> bool:
        if type(value) is str:
            return value not in self.strings
        if type(value) is bool or value is None:
            return True
        return as_double(value) not in self.numbers


@dataclass(frozen=True, slots=True)
class AnythingButPrefix:
    values: frozenset[str]

    def matches(self, value: object) -> bool:
        return type(value) is not str or not any(value.startswith(p) for p in self.values)


@dataclass(frozen=True, slots=True)
class AnythingButSuffix:
    values: frozenset[str]

    def matches(self, value: object) -> bool:
        return type(value) is not str or not any(value.endswith(s) for s in self.values)


@dataclass(frozen=True, slots=True)
class AnythingButIgnoreCase:
    values: frozenset[str]
    regex: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        source = "|".join(f"(?:{ignore_case_regex(v)})" for v in sorted(self.values))
        object.__setattr__(self, "regex", _compile(source))

    def matches(self, value: object) -> bool:
        return type(value) is not str or self.regex.fullmatch(value) is None


@dataclass(frozen=True, slots=True)
class AnythingButWildcard:
    texts: frozenset[str]
    regex: re.Pattern[str] = field(compare=False, repr=False)

    def matches(self, value: object) -> bool:
        return type(value) is not str or self.regex.fullmatch(value) is None


Condition = (
    ExactString
    | ExactNumber
    | ExactLiteral
    | IpMatch
    | Prefix
    | Suffix
    | EqualsIgnoreCase
    | PrefixIgnoreCase
    | SuffixIgnoreCase
    | Wildcard
    | Numeric
    | Exists
    | AnythingBut
    | AnythingButPrefix
    | AnythingButSuffix
    | AnythingButIgnoreCase
    | AnythingButWildcard
)
