"""Ids: version-4 UUID texts (time-ordered for events), unique, never repeated across a fork."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from datetime import timedelta

from busway.clock import FakeClock
from busway.config import Settings
from busway.ids import Uuids
from busway.service.ingest import IngestService
from busway.service.routing import RoutingTable
from busway.store.memory import MemoryStore
from tests.unit.ingest.harness import NOW, SCOPE, entry


def test_ids_are_version_4_uuids_in_canonical_form() -> None:
    ids = Uuids()
    for _ in range(1000):
        text = ids(NOW)
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_ids_are_unique_across_many_reads_of_random_bytes() -> None:
    ids = Uuids()
    issued = {ids(NOW) for _ in range(5000)}
    assert len(issued) == 5000


def test_ids_sort_by_ingestion_time() -> None:
    ids = Uuids()
    times = [NOW + timedelta(milliseconds=n) for n in (0, 1, 999, 86_400_000)]
    issued = [ids(moment) for moment in times]
    assert issued == sorted(issued)


# Forked in a fresh interpreter: forking pytest's own process, which may run threads, is unsafe.
_FORK_CHECK = """
import os, sys
from datetime import datetime, UTC
from busway.ids import Uuids
ids = Uuids()
now = datetime.now(UTC)
ids(now)  # fill the buffer the child inherits
read_end, write_end = os.pipe()
child = os.fork()
if child == 0:
    os.write(write_end, ids(now).encode())
    os._exit(0)
os.close(write_end)
child_id = os.fdopen(read_end).read()
os.waitpid(child, 0)
sys.exit(0 if child_id != ids(now) else 1)
"""


def test_a_forked_child_does_not_repeat_the_parents_next_id() -> None:
    done = subprocess.run([sys.executable, "-c", _FORK_CHECK], check=False, timeout=60)
    assert done.returncode == 0


def test_the_service_issues_random_ids_by_default() -> None:
    service = IngestService(MemoryStore(), RoutingTable(), FakeClock(), Settings())
    [result] = asyncio.run(service.put_events(SCOPE, [entry()]))
    assert result.event_id is not None
    assert uuid.UUID(result.event_id).version == 4


def test_request_ids_without_a_time_are_random_version_4_uuids() -> None:
    ids = Uuids()
    issued = [ids() for _ in range(2000)]
    assert len(set(issued)) == 2000
    assert all(uuid.UUID(text).version == 4 for text in issued)


def test_each_id_carries_the_time_it_was_given() -> None:
    ids = Uuids()
    later = NOW + timedelta(seconds=5)
    same_instant = NOW + timedelta(0)  # equal to NOW, another object
    issued = [ids(NOW), ids(NOW), ids(later), ids(NOW), ids(same_instant), ids(later)]
    prefixes = [text[:13] for text in issued]
    assert prefixes[0] == prefixes[1] == prefixes[3] == prefixes[4]
    assert prefixes[2] == prefixes[5] != prefixes[0]
    assert prefixes[0] == Uuids()(NOW)[:13]
