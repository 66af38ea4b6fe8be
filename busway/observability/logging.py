"""Structured logs: one JSON object per line on stderr, or plain text for a terminal.

Fields beyond the message come from ``extra={...}`` at the call site, so a request line is
``log.info("request", extra={"method": ..., "status": ...})`` and arrives as top-level keys.
"""

from __future__ import annotations

import logging
import math
import sys
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TextIO

from busway import jsontext
from busway.config import ConfigError

__all__ = ["LOG_FORMATS", "JsonFormatter", "configure_logging"]

LOG_FORMATS = ("json", "text")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
    | {"message", "asctime", "color_message", "taskName"}
)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...extra, "exception"?}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc_text(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        try:
            return jsontext.dumps(entry)
        except TypeError:  # an ``extra`` value JSON cannot hold: its text will do
            return jsontext.dumps({key: _plain(value) for key, value in entry.items()})


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _utc_text(created: float) -> str:
    # Rounded to the microsecond first, the way ``datetime.fromtimestamp`` does it.
    fraction, whole = math.modf(created)
    second, micros = divmod(int(whole) * 1_000_000 + round(fraction * 1_000_000), 1_000_000)
    return f"{_second_text(second)}.{micros // 1000:03d}Z"


# strftime dominated the cost of a log line (one per request at INFO); a second's text is
# formatted once for all the lines logged within it.
@lru_cache(maxsize=64)
def _second_text(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def configure_logging(level: str, fmt: str = "json", stream: TextIO | None = None) -> None:
    """Send every logger's records (uvicorn's too) to ``stream`` (stderr) in ``fmt``."""
    if fmt not in LOG_FORMATS:
        raise ConfigError(f"log_format must be one of {', '.join(LOG_FORMATS)}, got {fmt!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(_TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's loggers keep their own handlers unless told otherwise; route them to ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_log = logging.getLogger(name)
        uvicorn_log.handlers.clear()
        uvicorn_log.propagate = True
