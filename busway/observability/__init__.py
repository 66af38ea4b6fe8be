"""Metrics, structured logs and request telemetry of a busway node.

``PrometheusTelemetry`` and ``metrics_app`` load prometheus_client on first use: the services
and the dispatcher import the telemetry ports from here and need not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from busway.observability.access import ACCESS_LOGGER, ObservedApp
from busway.observability.logging import LOG_FORMATS, JsonFormatter, configure_logging
from busway.observability.telemetry import (
    NO_TELEMETRY,
    DeliveryTelemetry,
    IngestTelemetry,
    NoTelemetry,
    RequestTelemetry,
)

if TYPE_CHECKING:
    from busway.observability.metrics import PrometheusTelemetry, metrics_app

__all__ = [
    "ACCESS_LOGGER",
    "LOG_FORMATS",
    "NO_TELEMETRY",
    "DeliveryTelemetry",
    "IngestTelemetry",
    "JsonFormatter",
    "NoTelemetry",
    "ObservedApp",
    "PrometheusTelemetry",
    "RequestTelemetry",
    "configure_logging",
    "metrics_app",
]

_LAZY = frozenset({"PrometheusTelemetry", "metrics_app"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from busway.observability import metrics

        return getattr(metrics, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
