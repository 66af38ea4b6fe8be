"""SqliteStore across restarts: reopening, migrations, and a kill -9 in the middle of ingest."""

from __future__ import annotations

import asyncio
import os
import pathlib
import select
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from busway.store.sqlite import SqliteStore
from busway.store.sqlite.schema import migrate, migrations, schema_version
from tests.contract.support import SCOPE, bus, record, rule, target
from tests.integration import crash_writer

R1 = "arn:aws:events:us-east-1:123456789012:rule/r1"
REPO = pathlib.Path(__file__).resolve().parents[2]


async def _snapshot(store: SqliteStore, event_ids: list[str]) -> object:
    """Everything the store holds about a known set of resources and events."""
    return (
        await store.list_buses(SCOPE),
        await store.all_rules(),
        await store.all_targets(),
        [await store.get_tags(b.arn) for b in await store.list_buses(SCOPE)],
        [await store.get_event(i) for i in event_ids],
        [await store.list_deliveries(i) for i in event_ids],
        await store.count_events(),
    )


def test_a_reopened_store_sees_exactly_what_was_written(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "busway.db"
    ids = [f"e{i}" for i in range(20)]

    async def write() -> object:
        store = SqliteStore(path)
        await store.open()
        await store.create_bus(bus("default"))
        await store.create_bus(bus("orders", description="kept"))
        await store.put_rule(rule("r", "orders"))
        await store.put_targets(rule("r", "orders").arn, [target("t", input="1")])
        await store.tag(bus("orders").arn, {"team": "a"})
        await store.append_events([record(i, (R1, "t"), offset_s=n) for n, i in enumerate(ids)])
        before = await _snapshot(store, ids)
        await store.close()
        await store.close()  # idempotent
        return before

    async def read() -> object:
        store = SqliteStore(path)
        await store.open()
        try:
            return await _snapshot(store, ids)
        finally:
            await store.close()

    before = asyncio.run(write())
    assert asyncio.run(read()) == before


def test_close_commits_what_was_queued(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "busway.db"

    async def write_and_close() -> None:
        store = SqliteStore(path, max_pending=4, max_batch=2)
        await store.open()
        appends = [asyncio.create_task(store.append_events([record(f"e{i}")])) for i in range(40)]
        await asyncio.sleep(0)  # let every task queue its write (or wait for a permit)
        await store.close()
        await asyncio.gather(*appends)

    async def count() -> int:
        store = SqliteStore(path)
        await store.open()
        try:
            return await store.count_events()
        finally:
            await store.close()

    asyncio.run(write_and_close())
    assert asyncio.run(count()) == 40


def test_migrations_run_from_zero_once(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "busway.db"
    everything = [m.number for m in migrations()]
    assert everything == list(range(1, len(everything) + 1))
    with closing(sqlite3.connect(path)) as connection:
        assert schema_version(connection) == 0
        assert migrate(connection) == everything
        assert schema_version(connection) == everything[-1]
        assert migrate(connection) == []

    async def open_and_close() -> None:
        store = SqliteStore(path)
        await store.open()
        await store.close()

    asyncio.run(open_and_close())
    with closing(sqlite3.connect(path)) as connection:
        assert migrate(connection) == []
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_schema")}
        assert {"buses", "rules", "targets", "tags", "events", "deliveries"} <= tables


def test_a_database_from_a_newer_busway_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "busway.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA user_version = {len(migrations()) + 1}")

    async def open_store() -> None:
        await SqliteStore(path).open()

    with pytest.raises(RuntimeError, match="newer"):
        asyncio.run(open_store())


def test_every_acknowledged_event_survives_kill_9(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "busway.db"
    wanted, deadline = 3000, time.monotonic() + 60
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, crash_writer.__file__, str(path)],
        stdout=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    assert child.stdout is not None
    received = b""
    try:
        while received.count(b"\n") < wanted and time.monotonic() < deadline:
            ready, _, _ = select.select([child.stdout], [], [], deadline - time.monotonic())
            chunk = os.read(child.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                break
            received += chunk
    finally:
        child.send_signal(signal.SIGKILL)
        # Ids printed before the kill were acknowledged too: read them, then reap the child.
        received += child.stdout.read()
        child.stdout.close()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    acknowledged = received.decode().split("\n")[:-1]  # a torn last line was never a promise
    assert len(acknowledged) >= wanted, "the writer stopped acknowledging before the kill"

    async def missing() -> list[str]:
        store = SqliteStore(path)
        await store.open()
        try:
            lost = []
            for event_id in acknowledged:
                event = await store.get_event(event_id)
                deliveries = await store.list_deliveries(event_id)
                routed = [(d.event_id, d.rule_arn, d.target_id) for d in deliveries]
                if event is None or routed != [(event_id, r, "t") for r in crash_writer.RULES]:
                    lost.append(event_id)
            return lost
        finally:
            await store.close()

    assert asyncio.run(missing()) == []
