"""TestEventPattern on the wire: EventPattern and Event as text in, ``{"Result": bool}`` out."""

from __future__ import annotations

from typing import Any

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.request import Request
from busway.service.pattern_trial import try_pattern

__all__ = ["event_pattern_operations"]

# The model's cap on the text; the rule quota (2,048 by default) is the pattern engine's to apply.
_MAX_EVENT_PATTERN_CHARS = 4096


def event_pattern_operations() -> dict[str, Handler]:
    async def test_event_pattern(context: RequestContext, request: Request) -> dict[str, Any]:
        pattern = request.string("EventPattern", required=True, max_len=_MAX_EVENT_PATTERN_CHARS)
        event = request.string("Event", required=True)
        request.check()
        # Both are present once check() has passed; the guard only narrows the types.
        if pattern is None or event is None:
            raise AssertionError("required members missing after validation")
        return {"Result": try_pattern(pattern, event)}

    return {"TestEventPattern": test_event_pattern}
