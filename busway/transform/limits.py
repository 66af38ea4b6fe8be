"""Model constraints on a target's input members (spec §6.2).

AWS reports these as request-level ``ValidationException``s whose text names the member by its
position in the request (``targets.1.member.inputPath``), which only the API layer knows; so
this module returns the violations and ``ConstraintViolation.describe`` writes one clause of
AWS's ``N validation error(s) detected: ...`` message once given that prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from busway.transform.input import InputTransformer

__all__ = [
    "MAX_INPUT_LENGTH",
    "MAX_INPUT_PATH_LENGTH",
    "MAX_INPUT_TEMPLATE_LENGTH",
    "MAX_PATHS_MAP_ENTRIES",
    "MAX_PATHS_MAP_KEY_LENGTH",
    "MAX_PATHS_MAP_VALUE_LENGTH",
    "ConstraintViolation",
    "constraint_violations",
]

MAX_INPUT_LENGTH: Final = 8192
MAX_INPUT_PATH_LENGTH: Final = 256
MAX_INPUT_TEMPLATE_LENGTH: Final = 8192
MAX_PATHS_MAP_ENTRIES: Final = 100
MAX_PATHS_MAP_KEY_LENGTH: Final = 256
MAX_PATHS_MAP_VALUE_LENGTH: Final = 256
_KEY_PATTERN_TEXT: Final = r"[A-Za-z0-9\_\-]+"
_KEY_PATTERN: Final = re.compile(_KEY_PATTERN_TEXT)


@dataclass(frozen=True, slots=True)
class ConstraintViolation:
    member: str  # lowerCamelCase path below the target, e.g. "inputTransformer.inputTemplate"
    value: str  # the value as AWS prints it (a map in Java's {k=v, ...} form)
    constraint: str

    def describe(self, prefix: str) -> str:
        """One clause of AWS's message, e.g. with ``prefix="targets.1.member"``."""
        return (
            f"Value '{self.value}' at '{prefix}.{self.member}' failed to satisfy constraint: "
            f"{self.constraint}"
        )


def constraint_violations(
    *,
    input: str | None = None,  # named after the AWS member
    input_path: str | None = None,
    input_transformer: InputTransformer | None = None,
) -> list[ConstraintViolation]:
    """Every length, count and pattern constraint the members break, in member order."""
    found: list[ConstraintViolation] = []
    if input is not None:
        found += _too_long("input", input, MAX_INPUT_LENGTH)
    if input_path is not None:
        found += _too_long("inputPath", input_path, MAX_INPUT_PATH_LENGTH)
    if input_transformer is not None:
        found += _transformer_violations(input_transformer)
    return found


def _transformer_violations(transformer: InputTransformer) -> Iterator[ConstraintViolation]:
    template = transformer.template
    if _java_length(template) < 1:
        yield ConstraintViolation("inputTransformer.inputTemplate", template, _at_least(1))
    yield from _too_long("inputTransformer.inputTemplate", template, MAX_INPUT_TEMPLATE_LENGTH)
    yield from _paths_map_violations(transformer.paths_map)


def _paths_map_violations(paths_map: Mapping[str, str]) -> Iterator[ConstraintViolation]:
    member = "inputTransformer.inputPathsMap"
    shown = _java_map(paths_map)
    if len(paths_map) > MAX_PATHS_MAP_ENTRIES:
        yield ConstraintViolation(member, shown, _at_most(MAX_PATHS_MAP_ENTRIES))
    key_problems = sorted({problem for key in paths_map for problem in _key_problems(key)})
    if key_problems:
        yield ConstraintViolation(member, shown, _map_clause("Map keys", key_problems))
    if any(_java_length(value) > MAX_PATHS_MAP_VALUE_LENGTH for value in paths_map.values()):
        clause = _map_clause("Map value", [_at_most(MAX_PATHS_MAP_VALUE_LENGTH)])
        yield ConstraintViolation(member, shown, clause)


def _key_problems(key: str) -> Iterator[str]:
    length = _java_length(key)
    if length > MAX_PATHS_MAP_KEY_LENGTH:
        yield _at_most(MAX_PATHS_MAP_KEY_LENGTH)
    if length < 1:
        yield _at_least(1)
    if length >= 1 and not _KEY_PATTERN.fullmatch(key):
        yield f"Member must satisfy regular expression pattern: {_KEY_PATTERN_TEXT}"


def _too_long(member: str, value: str, limit: int) -> Iterator[ConstraintViolation]:
    if _java_length(value) > limit:
        yield ConstraintViolation(member, value, _at_most(limit))


def _at_most(limit: int) -> str:
    return f"Member must have length less than or equal to {limit}"


def _at_least(limit: int) -> str:
    return f"Member must have length greater than or equal to {limit}"


def _map_clause(subject: str, problems: list[str]) -> str:
    return f"{subject} must satisfy constraint: [{', '.join(problems)}]"


def _java_map(mapping: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{key}={value}" for key, value in mapping.items()) + "}"


def _java_length(text: str) -> int:
    # AWS validates in Java, which counts UTF-16 code units: an emoji is two.
    return len(text.encode("utf-16-le")) // 2
