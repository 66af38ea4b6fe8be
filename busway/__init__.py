"""busway: a self-hosted event bus that speaks the Amazon EventBridge API."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
