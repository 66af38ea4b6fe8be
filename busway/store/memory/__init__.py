"""In-memory stores, for unit tests: the same behaviour as the SQLite ones, nothing on disk."""

from __future__ import annotations

from busway.store.memory.store import MemoryStore

__all__ = ["MemoryStore"]
