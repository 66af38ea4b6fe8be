"""The ``QueueStore`` contract, run against the in-memory store and SQLite on a real file."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from busway.model import Scope
from busway.store.memory.queues import MemoryQueueStore
from busway.store.queues import (
    MessageAttribute,
    Outgoing,
    Queue,
    QueueCounts,
    QueueMessage,
    QueueSettings,
    QueueStore,
    ReceiveRequest,
    Redrive,
    RedrivePolicy,
)
from busway.store.sqlite import SqliteDatabase
from busway.store.sqlite.queues import SqliteQueueStore
from tests.contract.support import T0

SCOPE = Scope("123456789012", "us-east-1")
Body = Callable[[QueueStore], Awaitable[None]]


@pytest.fixture(params=["memory", "sqlite"])
def queue_store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Callable[[Body], None]:
    """Runs a test body against one store, opened and closed in one event loop."""

    def run(body: Body) -> None:
        async def main() -> None:
            if request.param == "memory":
                await body(MemoryQueueStore())
                return
            database = SqliteDatabase(tmp_path / "queues.db")
            await database.open()
            try:
                await body(SqliteQueueStore(database))
            finally:
                await database.close()

        asyncio.run(main())

    return run


def queue(name: str, **settings: object) -> Queue:
    arn = f"arn:aws:sqs:us-east-1:123456789012:{name}"
    return Queue(SCOPE, name, arn, QueueSettings(**settings), T0, T0, {"k": "v"})  # type: ignore[arg-type]


def message(message_id: str, *, delay_s: int = 0, group: str | None = None) -> QueueMessage:
    return QueueMessage(
        id=message_id,
        body=f"body {message_id}",
        sent_at=T0,
        visible_at=T0 + timedelta(seconds=delay_s),
        sender_id="123456789012",
        attributes={"b": MessageAttribute("Binary", binary_value=b"\x00\x01")},
        group_id=group,
    )


def receive(now_s: int = 0, max_messages: int = 10, **fields: object) -> ReceiveRequest:
    now = T0 + timedelta(seconds=now_s)
    return ReceiveRequest(
        now=now,
        max_messages=max_messages,
        visible_until=now + timedelta(seconds=30),
        receipts=[f"r{i}" for i in range(max_messages)],
        **fields,  # type: ignore[arg-type]
    )


def test_queues_are_created_once_listed_by_name_and_deleted(
    queue_store: Callable[[Body], None],
) -> None:
    async def body(store: QueueStore) -> None:
        assert await store.create_queue(queue("b"))
        assert not await store.create_queue(queue("b", delay_seconds=5))
        assert await store.create_queue(queue("a", redrive_policy=RedrivePolicy("arn:x", 3)))
        assert await store.get_queue(SCOPE, "b") == queue("b")
        assert await store.get_queue(Scope("1", "us-east-1"), "b") is None
        listed = await store.list_queues(SCOPE, limit=10)
        assert [q.name for q in listed] == ["a", "b"]
        assert listed[0].settings.redrive_policy == RedrivePolicy("arn:x", 3)
        assert [q.name for q in await store.list_queues(SCOPE, prefix="b", limit=10)] == ["b"]
        assert [q.name for q in await store.list_queues(SCOPE, after="a", limit=10)] == ["b"]
        await store.update_queue(queue("b", visibility_timeout=7))
        updated = await store.get_queue(SCOPE, "b")
        assert updated is not None
        assert updated.settings.visibility_timeout == 7
        assert await store.delete_queue(SCOPE, "b")
        assert not await store.delete_queue(SCOPE, "b")

    queue_store(body)


def test_messages_are_received_in_order_and_hidden(queue_store: Callable[[Body], None]) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q"))
        sent = await store.send(
            SCOPE, "q", [Outgoing(message("m1")), Outgoing(message("m2"))], dedup_since=T0
        )
        assert sent is not None
        assert [s.seq for s in sent] == [1, 2]
        taken = await store.receive(SCOPE, "q", receive(max_messages=1))
        assert [(m.id, m.receive_count, m.receipt) for m in taken] == [("m1", 1, "r0")]
        assert taken[0].attributes == {"b": MessageAttribute("Binary", binary_value=b"\x00\x01")}
        assert await store.counts(SCOPE, "q", T0) == QueueCounts(1, 1, 0)
        assert [m.id for m in await store.receive(SCOPE, "q", receive())] == ["m2"]
        assert await store.receive(SCOPE, "q", receive()) == []
        assert await store.next_visible_at(SCOPE, "q", T0) == T0 + timedelta(seconds=30)
        again = await store.receive(SCOPE, "q", receive(now_s=30))
        assert [(m.id, m.receive_count) for m in again] == [("m1", 2), ("m2", 2)]
        assert await store.send(SCOPE, "missing", [Outgoing(message("x"))], dedup_since=T0) is None

    queue_store(body)


def test_batches_continue_the_sequence_in_order(queue_store: Callable[[Body], None]) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q"))
        await store.create_queue(queue("other"))
        await store.send(SCOPE, "other", [Outgoing(message("o1"))], dedup_since=T0)
        first = await store.send(SCOPE, "q", [Outgoing(message("m1"))], dedup_since=T0)
        batch = [Outgoing(message(f"m{n}")) for n in range(2, 6)]
        sent = await store.send(SCOPE, "q", batch, dedup_since=T0)
        after = await store.send(SCOPE, "q", [Outgoing(message("m6"))], dedup_since=T0)
        assert first is not None
        assert sent is not None
        assert after is not None
        assert [(s.message_id, s.seq) for s in [*first, *sent, *after]] == [
            (f"m{n}", n) for n in range(1, 7)
        ]
        taken = await store.receive(SCOPE, "q", receive())
        assert [m.id for m in taken] == [f"m{n}" for n in range(1, 7)]

    queue_store(body)


def test_visibility_delete_and_purge(queue_store: Callable[[Body], None]) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q"))
        await store.send(
            SCOPE,
            "q",
            [Outgoing(message("m1")), Outgoing(message("m2", delay_s=9))],
            dedup_since=T0,
        )
        assert await store.counts(SCOPE, "q", T0) == QueueCounts(1, 0, 1)
        (_taken,) = await store.receive(SCOPE, "q", receive())
        assert not await store.set_visible_at(SCOPE, "q", "m1", "other", T0)
        assert await store.set_visible_at(SCOPE, "q", "m1", "r0", T0)
        assert await store.counts(SCOPE, "q", T0) == QueueCounts(1, 0, 1)
        assert await store.delete_message(SCOPE, "q", "m1")
        assert not await store.delete_message(SCOPE, "q", "m1")
        assert await store.get_message(SCOPE, "q", "m1") is None
        await store.purge(SCOPE, "q")
        assert await store.counts(SCOPE, "q", T0) == QueueCounts(0, 0, 0)

    queue_store(body)


def test_deduplication_reports_the_original(queue_store: Callable[[Body], None]) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q.fifo", fifo=True))
        first = await store.send(
            SCOPE, "q.fifo", [Outgoing(message("m1", group="g"), "k")], dedup_since=T0
        )
        await store.delete_message(SCOPE, "q.fifo", "m1")
        again = await store.send(
            SCOPE, "q.fifo", [Outgoing(message("m2", group="g"), "k")], dedup_since=T0
        )
        assert first is not None
        assert again is not None
        assert (again[0].message_id, again[0].seq, again[0].duplicate) == ("m1", 1, True)
        later = T0 + timedelta(seconds=1)
        fresh = await store.send(
            SCOPE, "q.fifo", [Outgoing(message("m3", group="g"), "k")], dedup_since=later
        )
        assert fresh is not None
        assert (fresh[0].message_id, fresh[0].duplicate) == ("m3", False)

    queue_store(body)


def test_a_purge_forgets_deduplication_ids(queue_store: Callable[[Body], None]) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q.fifo", fifo=True))
        await store.send(SCOPE, "q.fifo", [Outgoing(message("m1", group="g"), "k")], dedup_since=T0)
        await store.purge(SCOPE, "q.fifo")
        again = await store.send(
            SCOPE, "q.fifo", [Outgoing(message("m2", group="g"), "k")], dedup_since=T0
        )
        assert again is not None
        assert (again[0].message_id, again[0].duplicate) == ("m2", False)

    queue_store(body)


def test_fifo_groups_block_while_in_flight(queue_store: Callable[[Body], None]) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q.fifo", fifo=True))
        sends = [message("a1", group="a"), message("b1", group="b"), message("a2", group="a")]
        await store.send(SCOPE, "q.fifo", [Outgoing(m) for m in sends], dedup_since=T0)
        first = await store.receive(SCOPE, "q.fifo", receive(max_messages=1, fifo=True))
        assert [m.id for m in first] == ["a1"]
        rest = await store.receive(SCOPE, "q.fifo", receive(fifo=True))
        assert [m.id for m in rest] == ["b1"]

    queue_store(body)


def test_a_fifo_message_shown_again_goes_before_its_group_in_flight(
    queue_store: Callable[[Body], None],
) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q.fifo", fifo=True))
        sends = [message("a1", group="a"), message("a2", group="a"), message("b1", group="b")]
        await store.send(SCOPE, "q.fifo", [Outgoing(m) for m in sends], dedup_since=T0)
        taken = await store.receive(SCOPE, "q.fifo", receive(max_messages=2, fifo=True))
        assert [m.id for m in taken] == ["a1", "a2"]
        assert await store.set_visible_at(SCOPE, "q.fifo", "a1", "r0", T0)  # shown again
        again = await store.receive(SCOPE, "q.fifo", receive(fifo=True))
        assert [m.id for m in again] == ["a1", "b1"]  # a2 stays in flight

    queue_store(body)


def test_over_received_messages_move_to_the_dead_letter_queue(
    queue_store: Callable[[Body], None],
) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q"))
        await store.create_queue(queue("dlq"))
        await store.send(SCOPE, "q", [Outgoing(message("m1"))], dedup_since=T0)
        redrive = Redrive(1, SCOPE, "dlq", "arn:aws:sqs:us-east-1:123456789012:q")
        assert len(await store.receive(SCOPE, "q", receive(redrive=redrive))) == 1
        assert await store.receive(SCOPE, "q", receive(now_s=31, redrive=redrive)) == []
        (moved,) = await store.receive(SCOPE, "dlq", receive(now_s=31))
        assert moved.id == "m1"
        assert moved.dead_letter_source_arn == redrive.source_arn
        assert await store.counts(SCOPE, "q", T0) == QueueCounts(0, 0, 0)

    queue_store(body)


def test_expired_messages_are_purged_on_receive(queue_store: Callable[[Body], None]) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q"))
        await store.send(SCOPE, "q", [Outgoing(message("m1"))], dedup_since=T0)
        later = T0 + timedelta(seconds=61)
        assert await store.receive(SCOPE, "q", receive(now_s=61, expired_before=later)) == []
        assert await store.get_message(SCOPE, "q", "m1") is None

    queue_store(body)


def test_redelay_moves_only_messages_never_received(queue_store: Callable[[Body], None]) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q"))
        outgoing = [Outgoing(message("taken", delay_s=0)), Outgoing(message("late", delay_s=60))]
        await store.send(SCOPE, "q", outgoing, dedup_since=T0)
        assert [m.id for m in await store.receive(SCOPE, "q", receive(max_messages=1))] == ["taken"]
        await store.redelay(SCOPE, "q", timedelta(seconds=5))
        assert await store.receive(SCOPE, "q", receive(now_s=4)) == []
        assert [m.id for m in await store.receive(SCOPE, "q", receive(now_s=5))] == ["late"]
        await store.redelay(SCOPE, "missing", timedelta(seconds=5))  # no such queue: nothing

    queue_store(body)
