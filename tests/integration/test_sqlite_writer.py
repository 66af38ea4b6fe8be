"""SqliteDatabase's writes: durable and relaxed commits, and checkpoints beside the writer."""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3
import time
from contextlib import closing

import pytest

from busway.store.sqlite.database import SqliteDatabase

WAIT_S = 30.0  # an upper bound for a background thread's work, never a timing assertion


def _level(connection: sqlite3.Connection) -> int:
    level: int = connection.execute("PRAGMA synchronous").fetchone()[0]
    return level


def test_a_write_commits_at_the_database_level_unless_it_need_not_be_durable(
    tmp_path: pathlib.Path,
) -> None:
    async def scenario() -> tuple[int, int, int, int]:
        database = SqliteDatabase(tmp_path / "busway.db", synchronous="FULL")
        await database.open()
        try:
            relaxed = await database.write(_level, durable=False)
            durable = await database.write(_level)
            # Sharing a batch with a durable write, a relaxed one is committed durably too.
            together = await asyncio.gather(database.write(_level), database.write(_level))
            mixed = await asyncio.gather(
                database.write(_level, durable=False), database.write(_level)
            )
            return relaxed, durable, min(together), mixed[1]
        finally:
            await database.close()

    relaxed, durable, together, mixed_durable = asyncio.run(scenario())
    assert relaxed == 1  # NORMAL: survives a crash of the process, not a power cut
    assert durable == together == mixed_durable == 2  # FULL


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
                await database.write(
                    lambda c, n=n: c.execute("INSERT INTO t VALUES (?)", (n,)), durable=n % 2 == 0
                )
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
