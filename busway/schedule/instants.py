"""Small helpers for the aware, minute-resolution instants the schedules work in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["as_utc", "next_minute", "require_aware"]


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")


def next_minute(moment: datetime) -> datetime:
    """The first whole minute strictly after `moment` (naive in, naive out)."""
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
