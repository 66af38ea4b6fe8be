"""WAL checkpoints on a thread and connection of their own, beside the writer.

SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that commit
(and every write queued behind it) waits while the WAL's pages are copied into the database file
and both files are synced, tens of milliseconds on a busy disk. Here a thread copies them in the
background instead (``PRAGMA wal_checkpoint(PASSIVE)``, which never blocks the writer), so the
writer's own automatic checkpoint, kept as a backstop, finds nearly nothing left to copy. The
backstop is still needed: a checkpoint running beside a busy writer always ends a few frames
behind it, and only a checkpoint that leaves nothing behind lets the next write start the WAL
file over from its beginning, which keeps it from growing without end.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable

__all__ = ["Checkpointer"]

_log = logging.getLogger(__name__)


class Checkpointer:
    """Checkpoints every ``interval`` seconds until ``stop()``; the connection is its own."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        *,
        interval: float = 0.1,
        thread_name: str = "busway-sqlite-checkpoint",
    ) -> None:
        if interval <= 0:
            raise ValueError("the checkpoint interval must be positive")
        self._connect = connect
        self._interval = interval
        self._stopping = threading.Event()
        # Daemon: like the writer's, it holds nothing that was acknowledged to anyone.
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    async def stop(self) -> None:
        """End the thread (after the checkpoint in progress, if any); idempotent."""
        self._stopping.set()
        if self._thread.is_alive():
            await asyncio.to_thread(self._thread.join)

    def _run(self) -> None:
        try:
            connection = self._connect()
        except sqlite3.Error:
            _log.exception("no connection for checkpoints: the writer checkpoints alone")
            return
        try:
            while not self._stopping.wait(self._interval):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    _log.exception("checkpoint failed; trying again in %ss", self._interval)
        finally:
            connection.close()
