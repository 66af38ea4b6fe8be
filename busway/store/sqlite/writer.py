"""Group commit: one thread owns the write connection and commits everything queued at once.

Callers on the event loop submit a unit of work (a function of the connection) and await its
result. The writer thread takes all queued work (up to ``max_batch`` units), runs the units in
one transaction and commits once (one fsync for the whole batch), then hands every result or
exception back to the loop with a single ``call_soon_threadsafe``. If a unit raises, the batch
is rolled back and run again with each unit in its own SAVEPOINT, so only the failing caller sees
its error and the rest still commit: units must therefore be functions of the connection alone,
safe to run twice.

At most ``max_pending`` units are queued or being written; further callers wait on a semaphore,
on the loop, until a batch completes. A writer is bound to the event loop that started it.

A unit submitted with ``durable=False`` need not survive a power cut, only a crash of the
process (a delivery's settlement: if it is lost, the delivery is made again, which
at-least-once allows). A batch of such units alone commits with ``relaxed_synchronous``, without
waiting for the disk. Nothing durable is weakened by it: the WAL is one file written in order,
so the next durable commit's sync carries the relaxed commits before it to disk as well.

Given the WAL file's path (``wal_path``) and a database at ``synchronous=FULL``, the writer
commits every batch at ``relaxed_synchronous`` and then syncs the WAL itself: what FULL does
inside COMMIT, the same ``fdatasync`` of the same file, only split from it so that a unit's
``on_commit`` can be called in between. A durable unit's caller still hears of it only after
the sync; ``on_commit`` runs as soon as its unit is committed (visible to every connection, safe
from a crash of the process), so that work which merely follows from a commit (delivering the
events just stored) need not wait for the disk. The sync runs on a thread of its own: while it
waits for the disk the writer commits the next batches, whose ``on_commit`` then need not wait
for it either (a slow sync, tens of milliseconds on a busy disk, would otherwise hold every
delivery behind it). One sync serves every durable batch committed before it started, so a
durable caller still hears of its unit only once a sync that began after its commit ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pathlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["SYNCHRONOUS_LEVELS", "GroupCommitWriter", "WriterClosed"]

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]

_log = logging.getLogger(__name__)

# PRAGMA synchronous's names, by the number SQLite reports for each.
SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


class WriterClosed(RuntimeError):
    """Work submitted after ``stop()``."""


@dataclass(slots=True)
class _Unit:
    work: Work[Any]
    future: asyncio.Future[Any]
    durable: bool
    on_commit: Callable[[Any], None] | None = None


# (True, result) or (False, exception)
_Outcome = tuple[bool, Any]
_STOP = None  # the queue's end marker, put there by stop() after the last unit
_FULL = SYNCHRONOUS_LEVELS.index("FULL")


class GroupCommitWriter:
    def __init__(
        self,
        connection: sqlite3.Connection,
        *,
        max_pending: int = 1024,
        max_batch: int = 256,
        thread_name: str = "busway-sqlite-writer",
        relaxed_synchronous: str | None = None,
        wal_path: pathlib.Path | None = None,
    ) -> None:
        if max_pending < 1 or max_batch < 1:
            raise ValueError("max_pending and max_batch must be at least 1")
        self._connection = connection
        # The connection's own level, and the one for batches with no durable unit (never
        # stricter); the writer thread switches between them, outside transactions.
        self._durable_level: int = connection.execute("PRAGMA synchronous").fetchone()[0]
        self._relaxed_level = self._durable_level
        if relaxed_synchronous is not None:
            relaxed = SYNCHRONOUS_LEVELS.index(relaxed_synchronous.upper())
            self._relaxed_level = min(relaxed, self._durable_level)
        self._level = self._durable_level
        # Durable batches are synced after COMMIT rather than inside it (see above).
        self._wal_path = None
        if wal_path is not None and self._durable_level == _FULL > self._relaxed_level:
            self._wal_path = wal_path
        self._max_pending = max_pending
        self._max_batch = max_batch
        # Unbounded by type, bounded by the semaphore: a unit enters only with a permit, and its
        # permit comes back when its batch is settled.
        self._queue: queue.SimpleQueue[_Unit | None] = queue.SimpleQueue()
        self._permits = asyncio.Semaphore(max_pending)
        # Daemon: a store that was never closed must not keep the interpreter alive. Work it had
        # not committed was never acknowledged, and SQLite rolls the open transaction back.
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        # Committed durable batches waiting for a sync; None ends the syncing thread.
        self._unsynced: queue.SimpleQueue[tuple[list[_Unit], list[_Outcome]] | None] = (
            queue.SimpleQueue()
        )
        self._syncer = threading.Thread(
            target=self._sync_run, name=f"{thread_name}-sync", daemon=True
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = False

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._wal_path is not None:
            self._syncer.start()
        self._thread.start()

    async def submit(
        self,
        work: Work[T],
        *,
        durable: bool = True,
        on_commit: Callable[[T], None] | None = None,
    ) -> T:
        """Run ``work`` in the next batch; returns once that batch is committed (durably
        unless ``durable`` is False, see above). ``on_commit``, if given, is called on the loop
        with the work's result as soon as the batch is committed, before the sync that makes it
        durable may have ended, and even if the caller was cancelled meanwhile.

        If the caller is cancelled while waiting, the work may still be committed.
        """
        loop = self._loop
        if loop is None or self._stopped:
            raise WriterClosed("the store is not open")
        await self._permits.acquire()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Unit(work, future, durable, on_commit))
        return await future

    async def stop(self) -> None:
        """Commit everything submitted, callers still waiting for a permit included; then end
        the thread. Idempotent."""
        if not self._stopped:
            self._stopped = True
            # The semaphore serves waiters in order, so holding every permit means every caller
            # that got in before stop() has had its work committed.
            for _ in range(self._max_pending):
                await self._permits.acquire()
            if self._thread.is_alive():
                self._queue.put(_STOP)
        if self._thread.is_alive():
            await asyncio.to_thread(self._thread.join)

    # --- the writer thread ---------------------------------------------------------------------
    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._take_batch()
            if not batch:
                continue
            outcomes = self._commit(batch)
            if any(unit.on_commit is not None for unit in batch):
                self._call_soon(self._committed, batch, outcomes)
            if self._wal_path is not None and any(unit.durable for unit in batch):
                self._unsynced.put((batch, outcomes))  # handed back by the syncing thread
            else:
                self._hand_back(batch, outcomes)
        if self._syncer.is_alive():  # every commit's sync ends before the writer does
            self._unsynced.put(None)
            self._syncer.join()

    def _take_batch(self) -> tuple[list[_Unit], bool]:
        """Block for the first unit, then take what else is already queued; True at the end."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        while len(batch) < self._max_batch:
            try:
                unit = self._queue.get_nowait()
            except queue.Empty:
                break
            if unit is _STOP:
                return batch, True
            batch.append(unit)
        return batch, False

    def _commit(self, batch: list[_Unit]) -> list[_Outcome]:
        connection = self._connection
        try:
            self._synchronous(any(unit.durable for unit in batch))
            connection.execute("BEGIN IMMEDIATE")
            try:
                outcomes: list[_Outcome] = [(True, unit.work(connection)) for unit in batch]
            except Exception as exc:
                connection.execute("ROLLBACK")
                if len(batch) == 1:
                    return [(False, exc)]
                # Savepoints cost a third of the throughput, so they are only paid for here:
                # run the batch again, each unit in its own savepoint, and only the failing
                # units fail.
                connection.execute("BEGIN IMMEDIATE")
                outcomes = [self._run_isolated(unit.work) for unit in batch]
            connection.execute("COMMIT")
        except Exception as exc:  # the transaction itself failed: none of the batch is in
            _log.exception("group commit of %d units failed", len(batch))
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            return [(False, exc)] * len(batch)
        return outcomes

    def _synchronous(self, durable: bool) -> None:
        synced_here = durable and self._wal_path is None
        level = self._durable_level if synced_here else self._relaxed_level
        if level != self._level:
            self._connection.execute(f"PRAGMA synchronous = {level}")
            self._level = level

    def _run_isolated(self, work: Work[Any]) -> _Outcome:
        connection = self._connection
        connection.execute("SAVEPOINT unit")
        try:
            result = work(connection)
        except Exception as exc:
            connection.execute("ROLLBACK TO unit")
            connection.execute("RELEASE unit")
            return (False, exc)
        connection.execute("RELEASE unit")
        return (True, result)

    def _hand_back(self, batch: list[_Unit], outcomes: list[_Outcome]) -> None:
        self._call_soon(self._settle, batch, outcomes)

    def _call_soon(
        self,
        callback: Callable[[list[_Unit], list[_Outcome]], None],
        batch: list[_Unit],
        outcomes: list[_Outcome],
    ) -> None:
        assert self._loop is not None  # noqa: S101 - start() sets it before the thread runs
        try:
            self._loop.call_soon_threadsafe(callback, batch, outcomes)
        except RuntimeError:  # the loop is closed: nobody is left to tell
            _log.warning("event loop closed; %d write results dropped", len(batch))

    # --- the syncing thread --------------------------------------------------------------------
    def _sync_run(self) -> None:
        """Sync the WAL for everything committed and queued so far, hand it back; repeat."""
        stopping = False
        while not stopping:
            first = self._unsynced.get()
            if first is None:
                return
            committed = [first]
            while True:
                try:
                    more = self._unsynced.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                committed.append(more)
            failure = self._sync_wal()
            for batch, outcomes in committed:
                self._hand_back(batch, _synced(batch, outcomes, failure))

    def _sync_wal(self) -> Exception | None:
        assert self._wal_path is not None  # noqa: S101 - called only with one
        try:
            # Opened for each sync: a file SQLite made anew must not be missed by an old handle.
            descriptor = os.open(self._wal_path, os.O_RDONLY)
            try:
                os.fdatasync(descriptor)
            finally:
                os.close(descriptor)
        except Exception as error:  # never ends the thread: its callers would wait forever
            _log.exception("syncing the WAL failed")
            return error
        return None

    # --- back on the event loop ----------------------------------------------------------------
    def _committed(self, batch: list[_Unit], outcomes: list[_Outcome]) -> None:
        for unit, (ok, value) in zip(batch, outcomes, strict=True):
            if ok and unit.on_commit is not None:
                try:
                    unit.on_commit(value)
                except Exception:
                    _log.exception("an on_commit callback failed")

    def _settle(self, batch: list[_Unit], outcomes: list[_Outcome]) -> None:
        for unit, (ok, value) in zip(batch, outcomes, strict=True):
            self._permits.release()
            if unit.future.done():  # its caller was cancelled
                continue
            if ok:
                unit.future.set_result(value)
            else:
                unit.future.set_exception(value)


def _synced(
    batch: list[_Unit], outcomes: list[_Outcome], failure: Exception | None
) -> list[_Outcome]:
    """The outcomes once the WAL was synced: a durable unit fails if the sync did (committed,
    but not known to be on disk)."""
    if failure is None:
        return outcomes
    return [
        (False, failure) if unit.durable else outcome
        for unit, outcome in zip(batch, outcomes, strict=True)
    ]
