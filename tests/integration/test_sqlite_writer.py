"""SqliteDatabase's writes: durable and relaxed commits, and checkpoints beside the writer."""

from __future__ import annotations

import asyncio
import os
import pathlib
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing

import pytest

from busway.store.sqlite.database import SqliteDatabase

WAIT_S = 30.0  # an upper bound for a background thread's work, never a timing assertion


def _level(connection: sqlite3.Connection) -> int:
    level: int = connection.execute("PRAGMA synchronous").fetchone()[0]
    return level


def test_at_full_every_commit_is_normal_and_durable_writes_wait_for_the_wal_sync(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FULL's sync moves out of COMMIT to just after it: a durable write returns only after
    the WAL file was synced; its on_commit runs as soon as it is committed."""
    synced: list[str] = []
    gate = threading.Event()
    gate.set()
    real_sync = os.fdatasync

    def fdatasync(descriptor: int) -> None:
        assert gate.wait(WAIT_S)
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_sync(descriptor)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    path = tmp_path / "busway.db"

    async def scenario() -> None:
        database = SqliteDatabase(path, synchronous="FULL")
        await database.open()
        try:
            await database.write(lambda c: c.execute("CREATE TABLE t (n INTEGER)"))
            assert synced == [f"{path}-wal"]
            gate.clear()
            committed: list[int] = []

            def insert(connection: sqlite3.Connection) -> int:
                connection.execute("INSERT INTO t VALUES (1)")
                return _level(connection)

            write = asyncio.ensure_future(database.write(insert, on_commit=committed.append))
            for _ in range(int(WAIT_S / 0.01)):
                if committed:
                    break
                await asyncio.sleep(0.01)
            assert committed == [1]  # committed at NORMAL, the sync still to come
            count = await database.read(lambda c: c.execute("SELECT count(*) FROM t").fetchone())
            assert count == (1,)
            assert not write.done()
            gate.set()
            assert await write == 1
            assert len(synced) == 2
            # A relaxed write needs no sync.
            assert await database.write(_level, durable=False) == 1
            assert len(synced) == 2
        finally:
            gate.set()
            await database.close()

    asyncio.run(scenario())


def test_at_extra_commits_sync_themselves(tmp_path: pathlib.Path) -> None:
    async def scenario() -> list[int]:
        database = SqliteDatabase(tmp_path / "busway.db", synchronous="EXTRA")
        await database.open()
        try:
            return [await database.write(_level), await database.write(_level, durable=False)]
        finally:
            await database.close()

    assert asyncio.run(scenario()) == [3, 1]


@pytest.mark.parametrize(("level", "number"), [("NORMAL", 1), ("OFF", 0)])
def test_relaxed_writes_are_never_stricter_than_the_database(
    tmp_path: pathlib.Path, level: str, number: int
) -> None:
    async def scenario() -> list[int]:
        database = SqliteDatabase(tmp_path / "busway.db", synchronous=level)
        await database.open()
        try:
            return [await database.write(_level, durable=False), await database.write(_level)]
        finally:
            await database.close()

    assert asyncio.run(scenario()) == [number, number]


def test_relaxed_writes_survive_closing_and_reopening(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "busway.db"

    async def write() -> None:
        database = SqliteDatabase(path)
        await database.open()
        try:
            await database.write(lambda c: c.execute("CREATE TABLE t (n INTEGER)"))
            for n in range(50):

                def insert(c: sqlite3.Connection, n: int = n) -> None:
                    c.execute("INSERT INTO t VALUES (?)", (n,))

                await database.write(insert, durable=n % 2 == 0)
        finally:
            await database.close()

    asyncio.run(write())
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT count(*), sum(n) FROM t").fetchone() == (50, 1225)


def test_the_wal_reaches_the_database_file_without_the_writer_checkpointing(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "busway.db"

    def in_database_file() -> int:
        # immutable: read the database file alone, ignoring the WAL (what a checkpoint copied).
        uri = f"file:{path}?immutable=1"
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            try:
                count: int = connection.execute("SELECT count(*) FROM t").fetchone()[0]
            except sqlite3.OperationalError:  # the table itself is not copied yet
                return 0
            return count

    def wait_for_copy() -> int:
        deadline = time.monotonic() + WAIT_S
        while (found := in_database_file()) < 100 and time.monotonic() < deadline:
            time.sleep(0.02)
        return found

    async def scenario() -> int:
        database = SqliteDatabase(path)
        await database.open()
        try:
            await database.write(lambda c: c.execute("CREATE TABLE t (n INTEGER)"))
            # Far below the writer's own automatic checkpoint: only the Checkpointer copies.
            await database.write(
                lambda c: c.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(100)])
            )
            return await asyncio.to_thread(wait_for_copy)
        finally:
            await database.close()

    assert asyncio.run(scenario()) == 100


def test_commits_go_on_while_a_sync_waits_for_the_disk(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow sync holds back no commit: the next batch commits (its on_commit runs) while the
    previous one's sync is still under way; its caller still waits for a sync of its own."""
    syncs_started: list[int] = []
    gate = threading.Event()
    gate.set()
    real_sync = os.fdatasync

    def fdatasync(descriptor: int) -> None:
        # What the writer thread had committed when the sync began (on_commit callbacks run
        # later, on the loop: they cannot tell).
        syncs_started.append(len(worked))
        if not gate.wait(WAIT_S):
            raise OSError("the test's disk stayed stalled")
        real_sync(descriptor)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    committed: list[int] = []
    worked: list[int] = []

    async def wait_for(condition: Callable[[], bool]) -> None:
        for _ in range(int(WAIT_S / 0.01)):
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the condition never held")

    def insert(n: int) -> Callable[[sqlite3.Connection], int]:
        def work(connection: sqlite3.Connection) -> int:
            connection.execute("INSERT INTO t VALUES (?)", (n,))
            worked.append(n)
            return n

        return work

    async def scenario() -> None:
        database = SqliteDatabase(tmp_path / "busway.db", synchronous="FULL")
        await database.open()
        try:
            await database.write(lambda c: c.execute("CREATE TABLE t (n INTEGER)"))
            syncs_started.clear()
            gate.clear()  # the disk stalls
            first = asyncio.ensure_future(database.write(insert(1), on_commit=committed.append))
            await wait_for(lambda: syncs_started == [1])  # the first's sync is waiting
            second = asyncio.ensure_future(database.write(insert(2), on_commit=committed.append))
            await wait_for(lambda: committed == [1, 2])  # committed while that sync waits
            assert not first.done()
            assert not second.done()
            gate.set()
            assert (await first, await second) == (1, 2)
            assert syncs_started == [1, 2]  # the second was answered after a sync of its own
        finally:
            gate.set()
            await database.close()

    asyncio.run(scenario())


def test_a_sync_that_fails_oddly_fails_its_writes_instead_of_stopping_the_syncs(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_sync = os.fdatasync
    failing = [True]

    def fdatasync(descriptor: int) -> None:
        if failing[0]:
            raise ValueError("not an OSError")
        real_sync(descriptor)

    monkeypatch.setattr(os, "fdatasync", fdatasync)

    async def scenario() -> None:
        database = SqliteDatabase(tmp_path / "busway.db", synchronous="FULL")
        await database.open()
        try:
            with pytest.raises(ValueError, match="not an OSError"):
                await database.write(lambda c: c.execute("CREATE TABLE t (n INTEGER)"))
            failing[0] = False
            await database.write(lambda c: c.execute("INSERT INTO t VALUES (1)"))
        finally:
            await database.close()

    asyncio.run(scenario())
