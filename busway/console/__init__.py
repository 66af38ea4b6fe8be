"""The web console at ``/console``: buses, rules and targets, live event activity, a pattern
sandbox, queues and dead-letter redrive; server-rendered, no build step, nothing fetched."""

from __future__ import annotations

from busway.console.app import ConsoleServices, console_app

__all__ = ["ConsoleServices", "console_app"]
