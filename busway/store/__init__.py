"""Storage: the ``Store`` port and its implementations (memory, sqlite, later postgres)."""

from __future__ import annotations

from busway.store.protocol import (
    ActivityPage,
    ClaimedDelivery,
    DeliveryActivity,
    DeliveryOutcome,
    DeliveryRetry,
    DeliveryState,
    RecentEvent,
    Store,
)

__all__ = [
    "ActivityPage",
    "ClaimedDelivery",
    "DeliveryActivity",
    "DeliveryOutcome",
    "DeliveryRetry",
    "DeliveryState",
    "RecentEvent",
    "Store",
]
