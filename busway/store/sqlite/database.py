"""One SQLite file in WAL mode: a single group-commit writer thread and a pool of readers.

Every write, configuration included, goes through one ``GroupCommitWriter`` thread, so SQLite
never sees two writers; reads run on a ``ReaderPool``; a ``Checkpointer`` thread copies the WAL
into the database file so that commits need not. None of them ever blocks the event loop. The
stores of each concept (``SqliteStore``, queues, ...) share one ``SqliteDatabase``.
"""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from busway.store.sqlite.checkpointer import Checkpointer
from busway.store.sqlite.readers import ReaderPool
from busway.store.sqlite.schema import migrate
from busway.store.sqlite.writer import SYNCHRONOUS_LEVELS, GroupCommitWriter, Work

__all__ = ["SqliteDatabase"]

T = TypeVar("T")

_BUSY_TIMEOUT_MS = 5000
_WRITER_CACHE_KIB = 64 * 1024
# The writer's own automatic checkpoint, a backstop behind the Checkpointer (see there): at
# this many WAL pages (4 KiB each) it checkpoints what the Checkpointer has not copied yet.
_WRITER_CHECKPOINT_PAGES = 4000


class SqliteDatabase:
    """``synchronous="FULL"`` (the default) makes a returned write survive a power cut;
    ``"NORMAL"`` survives a crash of the process but not of the machine. At most ``max_pending``
    writes are queued; a batch commits at most ``max_batch`` of them. Use it from one event loop.
    Opening it applies every pending migration.
    """

    def __init__(
        self,
        path: pathlib.Path,
        *,
        synchronous: str = "FULL",
        readers: int = 2,
        max_pending: int = 1024,
        max_batch: int = 256,
    ) -> None:
        if synchronous.upper() not in SYNCHRONOUS_LEVELS:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}")
        self.path = path
        self._synchronous = synchronous.upper()
        self._reader_count = readers
        self._max_pending = max_pending
        self._max_batch = max_batch
        self._connection: sqlite3.Connection | None = None
        self._writer: GroupCommitWriter | None = None
        self._readers: ReaderPool | None = None
        self._checkpointer: Checkpointer | None = None

    async def open(self) -> None:
        if self._connection is not None:
            raise RuntimeError("the database is already open")
        connection = await asyncio.to_thread(self._connect_writer)
        self._connection = connection
        self._writer = GroupCommitWriter(
            connection,
            max_pending=self._max_pending,
            max_batch=self._max_batch,
            relaxed_synchronous="NORMAL",
            wal_path=self.path.with_name(self.path.name + "-wal"),
        )
        self._writer.start()
        self._checkpointer = Checkpointer(self._connect_checkpointer)
        self._checkpointer.start()
        self._readers = ReaderPool(self._connect_reader, self._reader_count)
        try:
            await self._readers.open()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Commit what is queued, stop the writer, close every connection; idempotent."""
        writer, readers, connection = self._writer, self._readers, self._connection
        checkpointer, self._checkpointer = self._checkpointer, None
        self._writer = self._readers = self._connection = None
        if checkpointer is not None:
            await checkpointer.stop()
        if writer is not None:
            await writer.stop()
        if readers is not None:
            await readers.close()
        if connection is not None:
            connection.close()

    async def write(
        self,
        work: Work[T],
        *,
        durable: bool = True,
        on_commit: Callable[[T], None] | None = None,
    ) -> T:
        """Run ``work`` on the writer connection inside a (shared) transaction. With
        ``durable=False`` the write survives a crash of the process but may be lost to a power
        cut (``GroupCommitWriter``), for writes whose loss only repeats work. ``on_commit`` is
        called with the result once committed, possibly before the write is durable."""
        if self._writer is None:
            raise RuntimeError("the database is not open")
        return await self._writer.submit(work, durable=durable, on_commit=on_commit)

    async def read(self, read: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``read`` on an idle read-only connection, off the event loop."""
        if self._readers is None:
            raise RuntimeError("the database is not open")
        return await self._readers.run(read)

    def _connect_writer(self) -> sqlite3.Connection:
        # isolation_level=None: the writer issues BEGIN/COMMIT itself. check_same_thread=False:
        # opened here, used by the writer thread, closed by close(); never two at once.
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, cached_statements=256
        )
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA synchronous = {self._synchronous}")
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            # Inserts spread over the event-id index: keep more of it in memory.
            connection.execute(f"PRAGMA cache_size = -{_WRITER_CACHE_KIB}")
            connection.execute(f"PRAGMA wal_autocheckpoint = {_WRITER_CHECKPOINT_PAGES}")
            migrate(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _connect_checkpointer(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        # Checkpoints sync the database file as the writer would (they never wait on a lock).
        connection.execute(f"PRAGMA synchronous = {self._synchronous}")
        return connection

    def _connect_reader(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, cached_statements=256
        )
        connection.execute("PRAGMA query_only = ON")
        connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        return connection
