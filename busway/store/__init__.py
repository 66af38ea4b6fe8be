"""Storage: the ``Store`` port and its implementations (memory, sqlite, later postgres)."""

from __future__ import annotations

from busway.store.protocol import Store

__all__ = ["Store"]
