"""Client tokens of recent successful calls, so that a retried call answers as the first did.

SDKs send an idempotency token with create and delete calls and retry with the same token when
an answer is lost. The tokens are kept in memory, the most recent ``capacity`` of them: retries
come seconds after the first try; one that spans a restart gets the plain answer (a conflict, or
not found).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["RecentTokens"]


class RecentTokens:
    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def remember(self, call: Hashable) -> None:
        """``call`` names the operation, the resource and the token."""
        self._seen[call] = None
        self._seen.move_to_end(call)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)

    def seen(self, call: Hashable) -> bool:
        return call in self._seen
