"""``SendCoalescer``: sends to one queue made in the same event-loop turn go to the store together.

Deliveries to a queue target run as concurrent tasks, each sending one message. Alone, every
send is a store write of its own (the queue looked up, old deduplication ids forgotten, a
sequence number taken, the message inserted). Gathered per queue until the callbacks of the
current loop turn have run, they become one ``send_batch``: one write for many messages, and
still every sender's call returns only once its own message is committed (or raises its own
error), exactly as an individual send would. A send returns what the batch gave for its own
message: the queue service's target sends get ``Sent``, without the checksums of an SQS answer,
which nobody reads there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from busway.model import Scope
from busway.service.queue_errors import QueueError
from busway.service.queue_messages import SendRequest

__all__ = ["SendBatch", "SendCoalescer"]

R = TypeVar("R")

# Sends one batch to a queue: one result per request, in order, a refused request failing alone.
SendBatch = Callable[[Scope, str, Sequence[SendRequest]], Awaitable[list[R | QueueError]]]


class SendCoalescer(Generic[R]):
    """Use it from one event loop."""

    def __init__(self, send_batch: SendBatch[R]) -> None:
        self._send_batch = send_batch
        self._waiting: dict[tuple[Scope, str], list[tuple[SendRequest, asyncio.Future[R]]]] = {}
        self._writes: set[asyncio.Task[None]] = set()  # strong references while they run

    async def send(self, scope: Scope, name: str, request: SendRequest) -> R:
        """Raises the ``QueueError`` (or store error) of this message's send."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        key = (scope, name)
        waiting = self._waiting.get(key)
        if waiting is None:
            waiting = self._waiting[key] = []
            # call_soon runs after every callback already due in this turn: the other
            # deliveries woken with this one have sent by then.
            loop.call_soon(self._flush, key)
        waiting.append((request, future))
        return await future

    def _flush(self, key: tuple[Scope, str]) -> None:
        waiting = self._waiting.pop(key)
        task = asyncio.get_running_loop().create_task(self._write(key, waiting))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write(
        self, key: tuple[Scope, str], waiting: list[tuple[SendRequest, asyncio.Future[R]]]
    ) -> None:
        try:
            results = await self._send_batch(*key, [request for request, _ in waiting])
        except asyncio.CancelledError:
            for _, future in waiting:
                future.cancel()
            raise
        except Exception as error:  # the write failed as a whole: so did every send in it
            for _, future in waiting:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), result in zip(waiting, results, strict=True):
            if future.done():  # its sender was cancelled; the message may still be in
                continue
            if isinstance(result, QueueError):
                future.set_exception(result)
            else:
                future.set_result(result)
