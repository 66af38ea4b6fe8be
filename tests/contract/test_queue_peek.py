"""``QueueStore.peek``: looking at a queue's messages changes nothing (every queue store)."""

from __future__ import annotations

from collections.abc import Callable

from busway.model import Scope
from busway.store.queues import Outgoing, QueueCounts, QueueStore
from tests.contract.support import T0
from tests.contract.test_queues import SCOPE, Body, message, queue, queue_store, receive

__all__ = ["queue_store"]  # the fixture, shared with the queue contract


def test_peek_lists_messages_in_send_order_without_receiving(
    queue_store: Callable[[Body], None],
) -> None:
    async def body(store: QueueStore) -> None:
        await store.create_queue(queue("q"))
        outgoing = [Outgoing(message("m1")), Outgoing(message("m2", delay_s=60))]
        await store.send(SCOPE, "q", outgoing, dedup_since=T0)
        [taken] = await store.receive(SCOPE, "q", receive(max_messages=1))
        before = await store.counts(SCOPE, "q", T0)
        peeked = await store.peek(SCOPE, "q", 10)
        assert [m.id for m in peeked] == ["m1", "m2"]
        assert peeked[0] == taken  # in flight, as the receive left it
        assert [m.id for m in await store.peek(SCOPE, "q", 1)] == ["m1"]
        assert await store.counts(SCOPE, "q", T0) == before == QueueCounts(0, 1, 1)
        assert await store.peek(SCOPE, "missing", 10) == []
        assert await store.peek(Scope("1", "us-east-1"), "q", 10) == []

    queue_store(body)
