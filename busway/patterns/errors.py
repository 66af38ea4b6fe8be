"""The one error the pattern language raises, worded as EventBridge words it."""

from __future__ import annotations

__all__ = ["InvalidEventPattern", "ParseLocation", "format_location"]

_PREFIX = "Event pattern is not valid. Reason: "
# Jackson cuts the quoted source after this many characters (ErrorReportConfiguration default).
_MAX_SOURCE_CHARS = 500


class ParseLocation:
    """Where the JSON reader stood when it found a problem (1-based line and UTF-16 column)."""

    __slots__ = ("column", "line", "source")

    def __init__(self, source: str, line: int, column: int) -> None:
        self.source = source
        self.line = line
        self.column = column

    def describe(self) -> str:
        return format_location(self.source, self.line, self.column)


def format_location(source: str, line: int, column: int) -> str:
    """Jackson's ``[Source: ...]`` text, truncated the way Jackson truncates it."""
    shown = source[:_MAX_SOURCE_CHARS]
    cut = len(source) - len(shown)
    tail = f"[truncated {cut} chars]" if cut else ""
    return f'[Source: (String)"{shown}"{tail}; line: {line}, column: {column}]'


class InvalidEventPattern(Exception):
    """A pattern EventBridge would refuse (``InvalidEventPatternException``).

    ``reason`` is the bare reason; ``message`` is the full text AWS sends back, including the
    location suffix(es) its JSON reader appends to errors found while reading the pattern.
    """

    def __init__(self, reason: str, locations: tuple[ParseLocation, ...] = ()) -> None:
        self.reason = reason
        self.locations = locations
        suffix = "".join(f"\n at {location.describe()}" for location in locations)
        self.message = f"{_PREFIX}{reason}{suffix}"
        super().__init__(self.message)
