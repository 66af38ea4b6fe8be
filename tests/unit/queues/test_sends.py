"""``SendCoalescer`` and the queue service's target sends: one store write per queue and turn."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from busway.clock import FakeClock
from busway.model import Scope
from busway.service.queue_errors import InvalidParameterValue, QueueDoesNotExist, QueueError
from busway.service.queue_messages import SendRequest, SendResult
from busway.service.queue_sends import SendCoalescer
from busway.service.queues import QueueService, ReceiveOptions
from busway.store.memory.queues import MemoryQueueStore
from busway.store.queues import Outgoing, Sent

SCOPE = Scope("123456789012", "us-east-1")
ARN = "arn:aws:sqs:us-east-1:123456789012:"


def result(body: str) -> SendResult:
    return SendResult(body, "", None, None, None)


class FakeBatches:
    """Records each batch; a batch's write completes when the test opens ``gate``."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[str]]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.failure: Exception | None = None

    async def __call__(
        self, scope: Scope, name: str, requests: Sequence[SendRequest]
    ) -> list[SendResult | QueueError]:
        self.batches.append((name, [request.body for request in requests]))
        await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return [
            InvalidParameterValue(f"refused {r.body}")
            if r.body.startswith("bad")
            else result(r.body)
            for r in requests
        ]


def test_sends_of_one_turn_become_one_batch_per_queue() -> None:
    async def body() -> None:
        batches = FakeBatches()
        sends = SendCoalescer(batches)
        results = await asyncio.gather(
            sends.send(SCOPE, "a", SendRequest("1")),
            sends.send(SCOPE, "b", SendRequest("2")),
            sends.send(SCOPE, "a", SendRequest("3")),
        )
        assert [r.message_id for r in results] == ["1", "2", "3"]
        assert sorted(batches.batches) == [("a", ["1", "3"]), ("b", ["2"])]
        # A later turn starts a new batch.
        await sends.send(SCOPE, "a", SendRequest("4"))
        assert batches.batches[-1] == ("a", ["4"])

    asyncio.run(body())


def test_a_send_returns_only_once_its_batch_is_written() -> None:
    async def body() -> None:
        batches = FakeBatches()
        batches.gate.clear()
        sends = SendCoalescer(batches)
        pending = [asyncio.ensure_future(sends.send(SCOPE, "a", SendRequest(b))) for b in "xy"]
        for _ in range(5):
            await asyncio.sleep(0)
        assert batches.batches == [("a", ["x", "y"])]
        assert not any(task.done() for task in pending)
        batches.gate.set()
        assert [(await task).message_id for task in pending] == ["x", "y"]

    asyncio.run(body())


def test_a_refused_message_fails_alone_and_a_failed_write_fails_all() -> None:
    async def body() -> None:
        batches = FakeBatches()
        sends = SendCoalescer(batches)
        good, bad = await asyncio.gather(
            sends.send(SCOPE, "a", SendRequest("good")),
            sends.send(SCOPE, "a", SendRequest("bad")),
            return_exceptions=True,
        )
        assert isinstance(good, SendResult)
        assert isinstance(bad, InvalidParameterValue)
        batches.failure = QueueDoesNotExist()
        outcomes = await asyncio.gather(
            sends.send(SCOPE, "a", SendRequest("1")),
            sends.send(SCOPE, "a", SendRequest("2")),
            return_exceptions=True,
        )
        assert all(isinstance(outcome, QueueDoesNotExist) for outcome in outcomes)

    asyncio.run(body())


def test_a_cancelled_sender_does_not_disturb_the_others() -> None:
    async def body() -> None:
        batches = FakeBatches()
        batches.gate.clear()
        sends = SendCoalescer(batches)
        first = asyncio.ensure_future(sends.send(SCOPE, "a", SendRequest("1")))
        second = asyncio.ensure_future(sends.send(SCOPE, "a", SendRequest("2")))
        await asyncio.sleep(0)
        first.cancel()
        batches.gate.set()
        assert (await second).message_id == "2"
        with pytest.raises(asyncio.CancelledError):
            await first

    asyncio.run(body())


class CountingStore(MemoryQueueStore):
    def __init__(self) -> None:
        super().__init__()
        self.sends = 0

    async def send(
        self, scope: Scope, name: str, outgoing: Sequence[Outgoing], **kwargs: object
    ) -> list[Sent] | None:
        self.sends += 1
        return await super().send(scope, name, outgoing, **kwargs)  # type: ignore[arg-type]


def test_concurrent_target_sends_to_a_queue_are_one_store_write() -> None:
    async def body() -> None:
        store = CountingStore()
        queues = QueueService(store, FakeClock())
        await queues.create_queue(SCOPE, "q")
        await queues.create_queue(
            SCOPE, "f.fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        )
        before = store.sends
        await asyncio.gather(*(queues.send_to_queue(f"{ARN}q", f"m{i}") for i in range(20)))
        assert store.sends == before + 1
        received = await queues.receive(SCOPE, "q", ReceiveOptions(max_messages=10))
        assert [r.message.body for r in received] == [f"m{i}" for i in range(10)]
        # Content-based deduplication still holds between the messages of one batch.
        await asyncio.gather(
            *(queues.send_to_queue(f"{ARN}f.fifo", "same", message_group_id="g") for _ in range(3))
        )
        taken = await queues.receive(SCOPE, "f.fifo", ReceiveOptions(max_messages=10))
        assert [r.message.body for r in taken] == ["same"]
        with pytest.raises(QueueDoesNotExist):
            await queues.send_to_queue(f"{ARN}gone", "x")

    asyncio.run(body())
