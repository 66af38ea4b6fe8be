"""SQS message move tasks: what a dead-letter queue holds goes back to the queues its messages
came from, or to one queue named (StartMessageMoveTask, ListMessageMoveTasks,
CancelMessageMoveTask).

A task runs in the background of this node. It receives a batch from the source (hidden while
it works), sends each message on, its body, attributes and sender kept, then deletes it from
the source; with ``MaxNumberOfMessagesPerSecond`` it paces itself. At least once: a crash
between a send and its delete leaves the message in both queues, never in neither. Tasks are
kept in memory, the newest ``_KEPT_PER_SOURCE`` per source (ListMessageMoveTasks lists at most
that many): a restart forgets them, and their messages are wherever the last step left them.

Errors and shapes are AWS's, as LocalStack's AWS-validated ``test_sqs_move_task`` tests recorded
them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from busway import jsontext
from busway.clock import Clock
from busway.model import Scope
from busway.service.queue_errors import (
    InvalidParameterValue,
    MoveTaskResourceNotFound,
    QueueDoesNotExist,
    QueueError,
)
from busway.service.queue_messages import Received, SendRequest
from busway.service.queue_names import split_queue_arn
from busway.service.queues import QueueService, ReceiveOptions

__all__ = ["MessageMoves", "MoveStatus", "MoveTask"]

log = logging.getLogger(__name__)

MAX_RATE: Final = 500  # MaxNumberOfMessagesPerSecond, as the SQS model bounds it
_KEPT_PER_SOURCE: Final = 10
_MOST_SOURCES: Final = 10_000  # sources whose tasks are remembered; the oldest go first
_BATCH: Final = 10
_HOLD_SECONDS: Final = 60  # how long a batch being moved stays hidden in the source
_NO_QUEUE: Final = "AWS.SimpleQueueService.NonExistentQueue"


class MoveStatus(Enum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


@dataclass(slots=True)
class MoveTask:
    task_id: str
    source_arn: str
    destination_arn: str | None  # None: each message back to the queue it came from
    rate: int | None  # messages per second at most; None: as fast as it goes
    started_at: datetime
    to_move: int
    moved: int = 0
    status: MoveStatus = MoveStatus.RUNNING
    failure: str | None = None

    @property
    def handle(self) -> str:
        text = jsontext.dumps({"taskId": self.task_id, "sourceArn": self.source_arn})
        return base64.b64encode(text.encode()).decode()


class MessageMoves:
    """``sleep`` paces tasks (tests pass one that does not wait)."""

    def __init__(
        self,
        queues: QueueService,
        clock: Clock,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._queues = queues
        self._clock = clock
        self._sleep = sleep
        self._new_id = new_id
        self._tasks: dict[str, list[MoveTask]] = {}  # by source ARN, newest first
        self._running: dict[str, asyncio.Task[None]] = {}  # by task id

    async def start(
        self, source_arn: str, destination_arn: str | None, rate: int | None
    ) -> MoveTask:
        scope, name = await self._existing(source_arn, "SourceArn")
        if not (await self._queues.dead_letter_sources(scope, name, limit=1)).items:
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
        if destination_arn is not None:
            await self._existing(destination_arn, "DestinationArn")
        if rate is not None and not 1 <= rate <= MAX_RATE:
            raise InvalidParameterValue(
                f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. "
                f"Reason: must be between 1 and {MAX_RATE}."
            )
        tasks = self._tasks.get(source_arn, [])
        if any(task.status is MoveStatus.RUNNING for task in tasks):
            raise InvalidParameterValue(
                "There is already a task running. Only one active task is allowed for a "
                "source queue arn at a given time."
            )
        counts = await self._queues.attributes(scope, name, ["ApproximateNumberOfMessages"])
        task = MoveTask(
            self._new_id(),
            source_arn,
            destination_arn,
            rate,
            self._clock.now(),
            int(counts["ApproximateNumberOfMessages"]),
        )
        self._remember(task)
        running = asyncio.get_running_loop().create_task(self._run(task), name="busway-move")
        self._running[task.task_id] = running
        running.add_done_callback(lambda _: self._running.pop(task.task_id, None))
        return task

    async def recent(self, source_arn: str, limit: int) -> list[MoveTask]:
        """The source's tasks, newest first."""
        await self._existing(source_arn, "SourceArn")
        return self._tasks.get(source_arn, [])[:limit]

    async def cancel(self, handle: str) -> MoveTask:
        task_id, source_arn = _decoded(handle)
        await self._existing(source_arn, "SourceArn")
        for task in self._tasks.get(source_arn, []):
            if task.task_id == task_id and task.status is MoveStatus.RUNNING:
                task.status = MoveStatus.CANCELLED
                return task
        raise MoveTaskResourceNotFound("Task does not exist.")

    @property
    def running(self) -> int:
        """Tasks whose background work has not ended yet (a cancelled one ends soon after)."""
        return len(self._running)

    async def close(self) -> None:
        """Stop the running tasks (what they hold in the source shows again when its hold
        runs out)."""
        running = list(self._running.values())
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- running ---------------------------------------------------------------------------------
    async def _run(self, task: MoveTask) -> None:
        try:
            await self._move(task)
        except asyncio.CancelledError:
            raise
        except Exception:  # a task's failure is its own, shown by ListMessageMoveTasks
            log.exception("message move task %s failed", task.task_id)
            self._fail(task, "AWS.SimpleQueueService.InternalError")

    async def _move(self, task: MoveTask) -> None:
        scope, name = _parts(task.source_arn)
        while task.status is MoveStatus.RUNNING and task.moved < task.to_move:
            wanted = min(_BATCH, task.to_move - task.moved)
            options = ReceiveOptions(
                max_messages=wanted, wait_seconds=0, visibility_timeout=_HOLD_SECONDS
            )
            batch = await self._queues.receive(scope, name, options)
            if not batch:
                break
            for position, received in enumerate(batch):
                if task.status is not MoveStatus.RUNNING or not await self._move_one(
                    task, scope, name, received
                ):
                    await self._release(scope, name, batch[position:])
                    return
        if task.status is MoveStatus.RUNNING:
            task.status = MoveStatus.COMPLETED

    async def _move_one(self, task: MoveTask, scope: Scope, name: str, received: Received) -> bool:
        """Send one message on and delete it from the source; False when the task stopped
        (cancelled while it paced itself, or failed)."""
        if task.rate is not None and task.moved:
            await self._sleep(1 / task.rate)
            if task.status is not MoveStatus.RUNNING:
                return False
        message = received.message
        destination = task.destination_arn or message.dead_letter_source_arn
        parts = None if destination is None else split_queue_arn(destination)
        if parts is None:
            self._fail(task, _NO_QUEUE)
            return False
        fifo = parts[1].endswith(".fifo")
        request = SendRequest(
            message.body,
            attributes=message.attributes,
            system_attributes=message.system_attributes,
            group_id=message.group_id if fifo else None,
            deduplication_id=message.deduplication_id if fifo else None,
        )
        try:
            (sent,) = await self._queues.send_batch(*parts, [request], sender_id=message.sender_id)
        except QueueDoesNotExist:
            self._fail(task, _NO_QUEUE)
            return False
        if isinstance(sent, QueueError):
            self._fail(task, sent.query_code)
            return False
        await self._queues.delete_message(scope, name, received.receipt_handle)
        task.moved += 1
        return True

    async def _release(self, scope: Scope, name: str, held: list[Received]) -> None:
        """Show again at once what a stopped task still held."""
        for received in held:
            with contextlib.suppress(QueueError):  # gone, or its hold ran out already
                await self._queues.change_visibility(scope, name, received.receipt_handle, 0)

    @staticmethod
    def _fail(task: MoveTask, reason: str) -> None:
        task.status = MoveStatus.FAILED
        task.failure = reason

    # --- bookkeeping -----------------------------------------------------------------------------
    def _remember(self, task: MoveTask) -> None:
        tasks = self._tasks.pop(task.source_arn, [])
        self._tasks[task.source_arn] = [task, *tasks][:_KEPT_PER_SOURCE]  # re-inserted last
        while len(self._tasks) > _MOST_SOURCES:
            oldest = next(iter(self._tasks))
            if any(t.status is MoveStatus.RUNNING for t in self._tasks[oldest]):
                break
            del self._tasks[oldest]

    async def _existing(self, arn: str, parameter: str) -> tuple[Scope, str]:
        parts = split_queue_arn(arn)
        if parts is not None:
            try:
                await self._queues.get_queue(*parts)
            except QueueDoesNotExist:
                parts = None
        if parts is None:
            raise MoveTaskResourceNotFound(
                f"The resource that you specified for the {parameter} parameter doesn't exist."
            )
        return parts


def _parts(arn: str) -> tuple[Scope, str]:
    parts = split_queue_arn(arn)
    if parts is None:
        raise QueueDoesNotExist
    return parts


def _decoded(handle: str) -> tuple[str, str]:
    """(task id, source ARN) of a TaskHandle."""
    try:
        value = jsontext.loads(base64.b64decode(handle, validate=True))
    except (binascii.Error, ValueError, jsontext.JSONDecodeError):
        value = None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("taskId"), str)
        or not isinstance(value.get("sourceArn"), str)
    ):
        raise InvalidParameterValue("Value for parameter TaskHandle is invalid.")
    return value["taskId"], value["sourceArn"]
