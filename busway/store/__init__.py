"""Storage: the ``Store`` port and its implementations (memory, sqlite, later postgres)."""

from __future__ import annotations

from busway.store.protocol import ClaimedDelivery, DeliveryRetry, Store

__all__ = ["ClaimedDelivery", "DeliveryRetry", "Store"]
