"""What a handler knows about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass

from busway.frozen import quick_init
from busway.model import Scope

__all__ = ["RequestContext"]


@quick_init
@dataclass(frozen=True, slots=True)
class RequestContext:
    scope: Scope  # account and region the request acts in
    request_id: str
    host: str  # the Host the client used, for URLs handed back (SQS QueueUrl)
