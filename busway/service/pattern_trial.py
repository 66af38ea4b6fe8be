"""Trying a pattern on an event (TestEventPattern): no bus, rule or store is involved.

The pattern is matched against the whole event object as given, so any top-level key counts,
not only the envelope's.
"""

from __future__ import annotations

from busway import jsontext
from busway.errors import InvalidEventPatternError, ValidationError
from busway.patterns import InvalidEventPattern, matches

__all__ = ["REQUIRED_EVENT_FIELDS", "try_pattern"]

# AWS's docs also list ``resources``, but AWS accepts events without it (spec 3.12).
REQUIRED_EVENT_FIELDS = frozenset({"id", "account", "source", "time", "region", "detail-type"})

_INVALID_EVENT = "Parameter Event is not valid."


def try_pattern(pattern: str, event_text: str) -> bool:
    """Whether the event matches; the event is judged before the pattern, as AWS does.

    Raises ``ValidationError`` for an event that is not a JSON object with the envelope's
    fields, and ``InvalidEventPatternError`` with the engine's full message for a bad pattern.
    """
    try:
        # The envelope is one level above a detail PutEvents takes.
        event = jsontext.loads(event_text, max_depth=jsontext.MAX_DEPTH + 1)
    except jsontext.JSONDecodeError:
        raise ValidationError(_INVALID_EVENT) from None
    if not isinstance(event, dict) or not REQUIRED_EVENT_FIELDS.issubset(event):
        raise ValidationError(_INVALID_EVENT)
    try:
        return matches(pattern, event)
    except InvalidEventPattern as exc:
        raise InvalidEventPatternError(exc.message) from None
