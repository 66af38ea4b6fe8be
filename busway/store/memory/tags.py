"""Tags by resource ARN, kept in memory: shared by the in-memory stores that tag resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["MemoryTags"]


class MemoryTags:
    def __init__(self) -> None:
        self._tags: dict[str, dict[str, str]] = {}

    def get(self, arn: str) -> dict[str, str]:
        """The resource's tags, sorted by key."""
        return dict(sorted(self._tags.get(arn, {}).items()))

    def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        if tags:
            self._tags.setdefault(arn, {}).update(tags)

    def untag(self, arn: str, keys: Sequence[str]) -> None:
        tags = self._tags.get(arn, {})
        for key in keys:
            tags.pop(key, None)
        if not tags:
            self._tags.pop(arn, None)

    def forget(self, arn: str) -> None:
        """The resource is gone: so are its tags."""
        self._tags.pop(arn, None)
