"""What a FIFO receive with a ``ReceiveRequestAttemptId`` handed out, so that a client retrying
it (its answer lost to a timeout) gets the same messages and receipt handles again rather than
leaving them hidden for a whole visibility timeout (spec sqs.md 4: valid for five minutes)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from busway.model import Scope

__all__ = ["ATTEMPT_LIFETIME", "Attempt", "ReceiveAttempts", "Taken"]

ATTEMPT_LIFETIME: Final = timedelta(minutes=5)
_MAX_ATTEMPTS: Final = 10_000  # remembered at once, the oldest forgotten first


@dataclass(frozen=True, slots=True)
class Taken:
    """One message a receive took: its id, its receipt token and when it shows again."""

    message_id: str
    receipt: str
    visible_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    taken: tuple[Taken, ...]


AttemptKey = tuple[Scope, str, str]  # the queue's scope and name, the attempt id


class ReceiveAttempts:
    """Receive attempts by queue and id, bounded, each kept for ``ATTEMPT_LIFETIME``."""

    def __init__(self, limit: int = _MAX_ATTEMPTS) -> None:
        self._limit = limit
        self._attempts: OrderedDict[AttemptKey, Attempt] = OrderedDict()

    def recall(self, key: AttemptKey, now: datetime) -> Attempt | None:
        attempt = self._attempts.get(key)
        if attempt is not None and now - attempt.at >= ATTEMPT_LIFETIME:
            del self._attempts[key]
            return None
        return attempt

    def remember(self, key: AttemptKey, attempt: Attempt) -> None:
        self._attempts.pop(key, None)
        self._attempts[key] = attempt
        while len(self._attempts) > self._limit:
            self._attempts.popitem(last=False)

    def forget(self, key: AttemptKey) -> None:
        self._attempts.pop(key, None)
