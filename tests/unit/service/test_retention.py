"""EventRetention: sweeps delete events past the retention that have nothing left to deliver."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from busway.clock import FakeClock
from busway.config import Settings
from busway.model import IngestRecord
from busway.node import Node, sweeping
from busway.service.retention import SWEEP_EVERY, EventRetention
from busway.store.memory import MemoryStore
from tests.contract.support import record

R1 = "arn:aws:events:us-east-1:123456789012:rule/r1"
T0 = datetime(2024, 5, 6, tzinfo=UTC)
DAY = timedelta(hours=24)


def _at(event_id: str, moment: datetime, *targets: tuple[str, str]) -> IngestRecord:
    made = record(event_id, *targets)
    return replace(made, event=replace(made.event, ingested_at=moment))


def test_a_sweep_deletes_what_is_past_the_retention_and_delivered() -> None:
    async def body() -> None:
        store, clock = MemoryStore(), FakeClock(T0)
        retention = EventRetention(store, clock, DAY)
        await store.append_events(
            [_at("a", T0), _at("pending", T0, (R1, "t1")), _at("b", T0 + timedelta(hours=1))]
        )
        await store.append_events([_at("newest", T0 + timedelta(hours=2))])
        assert await retention.sweep() == 0  # nothing is a day old yet
        clock.advance(DAY + timedelta(minutes=30))
        assert await retention.sweep() == 1
        assert await store.get_event("a") is None
        assert await store.get_event("b") is not None
        clock.advance(timedelta(hours=2))
        assert await retention.sweep() == 1  # b; "pending" waits for its delivery
        assert await store.get_event("pending") is not None
        assert await store.get_event("newest") is not None
        assert retention.deleted == 2

    asyncio.run(body())


def test_steps_go_on_at_once_pause_when_idle_and_wait_a_sweep_at_the_young_end() -> None:
    async def body() -> None:
        store, clock = MemoryStore(), FakeClock(T0)
        retention = EventRetention(store, clock, DAY, batch=2)
        pending = [_at(f"p{n}", T0, (R1, "t1")) for n in range(2)]
        await store.append_events([*pending, *(_at(f"e{n}", T0) for n in range(2))])
        await store.append_events([_at("newest", T0 + DAY)])
        clock.advance(DAY + timedelta(seconds=1))
        pauses = [await retention.step() for _ in range(4)]
        idle, busy, young_end = pauses[0], pauses[1], pauses[2]
        assert 0 < idle < SWEEP_EVERY  # two pending events: nothing to delete in that batch
        assert busy == 0  # two deleted: there may be more right behind
        assert young_end == SWEEP_EVERY
        assert pauses[3] == idle  # a new sweep starts from the oldest event again
        assert await store.count_events() == 3

    asyncio.run(body())


@pytest.mark.parametrize("retention", [timedelta(0), timedelta(hours=-1)])
def test_a_retention_must_be_positive(retention: timedelta) -> None:
    with pytest.raises(ValueError, match="positive"):
        EventRetention(MemoryStore(), FakeClock(T0), retention)


@pytest.mark.parametrize(("hours", "sweeps"), [(24.0, True), (0.0, False)])
def test_a_node_sweeps_unless_the_retention_is_zero(
    tmp_path: Path, hours: float, sweeps: bool
) -> None:
    node = Node(Settings(data=tmp_path, event_retention_hours=hours, metrics=False))
    assert (node.retention is not None) is sweeps


def test_a_failed_sweep_step_is_logged_and_the_sweep_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    steps: list[str] = []

    async def step() -> float:
        steps.append("step")
        if len(steps) == 1:
            raise OSError("disk full")
        if len(steps) == 3:
            raise asyncio.CancelledError
        return 0.0

    async def body() -> None:
        with pytest.raises(asyncio.CancelledError):
            await sweeping("event retention", step, after_failure=0.0)

    asyncio.run(body())
    assert len(steps) == 3
    assert "event retention sweep failed" in caplog.text
