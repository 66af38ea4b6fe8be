"""How the console shows things (pure): pretty JSON, names from ARNs, times, delivery states."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

__all__ = ["pretty_json", "rule_name", "shown_time", "state_label"]

_STATE_LABELS = {
    "PENDING": "pending",
    "RETRYING": "retrying",
    "DELIVERED": "delivered",
    "DEAD_LETTERED": "dead-lettered",
    "DROPPED": "dropped",
    "FAILED": "failed",
}


def pretty_json(text: str | bytes | None) -> str:
    """JSON indented for reading, every number spelled as given; text that is not JSON as is."""
    if text is None:
        return ""
    raw = text.encode() if isinstance(text, str) else text
    try:
        return msgspec.json.format(raw, indent=2).decode()
    except msgspec.DecodeError:
        return raw.decode(errors="replace")


def rule_name(rule_arn: str) -> str:
    """``.../rule/<name>`` on the default bus, ``.../rule/<bus>/<name>`` on others."""
    return rule_arn.rpartition("/")[2]


def shown_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def state_label(state: str) -> str:
    return _STATE_LABELS.get(state, state.lower())
