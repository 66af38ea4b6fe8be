"""Appends events to a SqliteStore until killed, printing each event id once it is acknowledged.

Run as ``python crash_writer.py <db path>``; used by ``test_sqlite_durability``. Several tasks
append concurrently so batches hold many callers; each event has two deliveries, to rules
``RULES``. The loop stops by itself after ``MAX_EVENTS``, so a lost test cannot leave it running.
"""

from __future__ import annotations

import asyncio
import pathlib
import sys
import uuid
from datetime import UTC, datetime

from busway.model import Delivery, Event, IngestRecord, Scope
from busway.store.sqlite import SqliteStore

RULES = (
    "arn:aws:events:us-east-1:123456789012:rule/a",
    "arn:aws:events:us-east-1:123456789012:rule/b",
)
TASKS = 8
PER_CALL = 5
MAX_EVENTS = 500_000
_SCOPE = Scope("123456789012", "us-east-1")


def _record() -> IngestRecord:
    event_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    body = b'{"id":"' + event_id.encode() + b'"}'
    event = Event(event_id, _SCOPE, "default", "crash", "Test", now, now, body)
    return IngestRecord(event, tuple(Delivery(event_id, rule, "t", now) for rule in RULES))


async def _append_forever(store: SqliteStore, calls: int) -> None:
    for _ in range(calls):
        records = [_record() for _ in range(PER_CALL)]
        await store.append_events(records)
        # Printed only now: an id on stdout is a promise that the event is on disk.
        sys.stdout.write("".join(f"{r.event.id}\n" for r in records))
        sys.stdout.flush()


async def main(path: pathlib.Path) -> None:
    store = SqliteStore(path)
    await store.open()
    try:
        calls = MAX_EVENTS // (TASKS * PER_CALL)
        await asyncio.gather(*(_append_forever(store, calls) for _ in range(TASKS)))
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main(pathlib.Path(sys.argv[1])))
