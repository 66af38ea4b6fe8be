"""StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask (``message_moves``)."""

from __future__ import annotations

from typing import Any

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.request import Request
from busway.api.sqs.members import read_range, required_string
from busway.service.message_moves import MessageMoves, MoveStatus, MoveTask

__all__ = ["move_task_operations"]

_MOST_LISTED = 10


def _task_out(task: MoveTask) -> dict[str, Any]:
    """A task as ListMessageMoveTasks shows it: its handle while it runs, why it failed when
    it did, and the destination and rate only when they were given."""
    out: dict[str, Any] = {
        "Status": task.status.value,
        "SourceArn": task.source_arn,
        "ApproximateNumberOfMessagesMoved": task.moved,
        "ApproximateNumberOfMessagesToMove": task.to_move,
        "StartedTimestamp": int(task.started_at.timestamp() * 1000),
    }
    if task.status is MoveStatus.RUNNING:
        out["TaskHandle"] = task.handle
    if task.destination_arn is not None:
        out["DestinationArn"] = task.destination_arn
    if task.rate is not None:
        out["MaxNumberOfMessagesPerSecond"] = task.rate
    if task.failure is not None:
        out["FailureReason"] = task.failure
    return out


def move_task_operations(moves: MessageMoves) -> dict[str, Handler]:
    async def start_message_move_task(context: RequestContext, request: Request) -> dict[str, Any]:
        source = required_string(request, "SourceArn")
        destination = request.string("DestinationArn")
        rate = request.integer("MaxNumberOfMessagesPerSecond")
        task = await moves.start(source, destination, rate)
        return {"TaskHandle": task.handle}

    async def list_message_move_tasks(context: RequestContext, request: Request) -> dict[str, Any]:
        source = required_string(request, "SourceArn")
        limit = read_range(
            request,
            "MaxResults",
            1,
            _MOST_LISTED,
            f"Reason: MaxResults must be >= 1 and <= {_MOST_LISTED}.",
        )
        tasks = await moves.recent(source, limit or 1)  # AWS: the newest one by default
        return {"Results": [_task_out(task) for task in tasks]}

    async def cancel_message_move_task(context: RequestContext, request: Request) -> dict[str, Any]:
        task = await moves.cancel(required_string(request, "TaskHandle"))
        return {"ApproximateNumberOfMessagesMoved": task.moved}

    return {
        "StartMessageMoveTask": start_message_move_task,
        "ListMessageMoveTasks": list_message_move_tasks,
        "CancelMessageMoveTask": cancel_message_move_task,
    }
