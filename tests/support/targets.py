"""In-memory delivery targets and queues for tests: they record what they are given."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from busway.delivery.target import Invocation, Outcome
from busway.errors import ResourceNotFound

__all__ = ["RecordingQueues", "RecordingTarget", "SentMessage", "eventually"]


class RecordingTarget:
    """A ``DeliveryTarget`` that records invocations and answers with scripted outcomes, then
    with success; invocations for a target ARN in ``fail_for`` always get that outcome. While
    ``gate`` is given and not set, invocations wait for it."""

    def __init__(
        self,
        *outcomes: Outcome,
        gate: asyncio.Event | None = None,
        fail_for: Mapping[str, Outcome] | None = None,
    ) -> None:
        self.invocations: list[Invocation] = []
        self.gate = gate
        self.fail_for = dict(fail_for or {})
        self.active = 0  # invocations in progress
        self.max_active = 0
        self.closed = 0  # close() calls
        self._script = list(outcomes)

    async def invoke(self, invocation: Invocation) -> Outcome:
        self.invocations.append(invocation)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            if self.gate is not None:
                await self.gate.wait()
        finally:
            self.active -= 1
        if invocation.target.arn in self.fail_for:
            return self.fail_for[invocation.target.arn]
        return self._script.pop(0) if self._script else Outcome.success()

    async def close(self) -> None:
        self.closed += 1


@dataclass(frozen=True)
class SentMessage:
    queue_arn: str
    body: str
    attributes: Mapping[str, str] = field(default_factory=dict)


class RecordingQueues:
    """A ``QueueSender`` with the given queues; sending to any other raises ResourceNotFound,
    as the real one does. ``fail`` makes every send raise it (a broken store)."""

    def __init__(self, queue_arns: Iterable[str] = (), *, fail: Exception | None = None) -> None:
        self.queue_arns = set(queue_arns)
        self.sent: list[SentMessage] = []
        self.fail = fail

    async def send_to_queue(
        self,
        queue_arn: str,
        body: str,
        *,
        attributes: Mapping[str, str] | None = None,
        message_group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> None:
        if self.fail is not None:
            raise self.fail
        if queue_arn not in self.queue_arns:
            raise ResourceNotFound("The specified queue does not exist.")
        self.sent.append(SentMessage(queue_arn, body, dict(attributes or {})))


async def eventually(condition: Callable[[], bool], *, within: float = 5.0) -> None:
    """Wait until ``condition()`` holds, checking every millisecond; fail after ``within``
    seconds. For state that has no event to wait on (counters, store contents)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polling with a bound, on purpose
            await asyncio.sleep(0.001)
