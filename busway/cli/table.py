"""Plain-text tables and progress for the client commands (pure, apart from ``Progress``)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TextIO

__all__ = ["Progress", "format_table", "progress_line", "shorten"]

_BAR_WIDTH = 30
_REDRAW_S = 0.1


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Lines of a left-aligned table, columns two spaces apart; the last column is not padded."""
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (headers, *rows)
    ]


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``…`` when cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def progress_line(done_bytes: int, total_bytes: int, sent: int, failed: int) -> str:
    """``[######......]  42%  1200 sent  3 failed`` for a file ``done_bytes`` of the way read."""
    fraction = 1.0 if total_bytes <= 0 else min(done_bytes / total_bytes, 1.0)
    filled = int(fraction * _BAR_WIDTH)
    bar = "#" * filled + "." * (_BAR_WIDTH - filled)
    return f"[{bar}] {fraction:4.0%}  {sent} sent  {failed} failed"


class Progress:
    """A one-line progress bar redrawn in place on a terminal (at most every 0.1 s)."""

    def __init__(self, out: TextIO, total_bytes: int) -> None:
        self._out = out
        self._total = total_bytes
        self._drawn_at = 0.0
        self._shown = False

    def update(self, done_bytes: int, sent: int, failed: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn_at < _REDRAW_S:
            return
        self._drawn_at = now
        self._shown = True
        self._out.write("\r" + progress_line(done_bytes, self._total, sent, failed))
        self._out.flush()

    def clear(self) -> None:
        """Erase the bar, so a message can take its line; the next update draws it again."""
        if self._shown:
            self._out.write("\r\033[K")
            self._out.flush()
            self._shown = False
            self._drawn_at = 0.0
