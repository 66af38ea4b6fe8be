"""One pattern against one event, without an index (TestEventPattern, and the reference the
index must agree with)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from busway.patterns.compiler import DEFAULT_MAX_PATTERN_CHARS, compile_pattern
from busway.patterns.evaluate import alternative_holds, prepare_alternative
from busway.patterns.flatten import flatten_event

__all__ = ["matches", "validate_pattern"]


def validate_pattern(
    pattern: str | Mapping[str, Any], *, max_pattern_chars: int = DEFAULT_MAX_PATTERN_CHARS
) -> None:
    """Raise ``InvalidEventPattern`` unless EventBridge would accept the pattern."""
    compile_pattern(pattern, max_pattern_chars=max_pattern_chars)


def matches(pattern: str | Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether the event matches the pattern; raises ``InvalidEventPattern`` for a bad one."""
    alternatives = compile_pattern(pattern)
    leaves, has_arrays = flatten_event(event)
    return any(
        alternative_holds(prepare_alternative(alternative), leaves, has_arrays)
        for alternative in alternatives
    )
