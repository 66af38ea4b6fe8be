"""SQS message move tasks through the API, as LocalStack's AWS-validated test_sqs_move_task
tests recorded AWS's answers. Each test runs in one event loop: tasks run in the background."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.unit.queues.wire import ACCOUNT, URL, Sqs, SqsError

ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:"


def run(body: Callable[[Sqs], Awaitable[None]]) -> None:
    sqs = Sqs()

    async def main() -> None:
        try:
            await body(sqs)
        finally:
            await sqs.moves.close()

    asyncio.run(main())


async def dead_letter(sqs: Sqs, source: str, dlq: str, *bodies: str) -> None:
    """Queue ``source`` whose messages go to ``dlq`` after one receive, and ``bodies`` sent to
    it and dead-lettered there."""
    for name in {source, dlq}:
        await sqs.acall("CreateQueue", QueueName=name)
    policy = json.dumps({"deadLetterTargetArn": ARN + dlq, "maxReceiveCount": 1})
    await sqs.acall(
        "SetQueueAttributes", QueueUrl=f"{URL}/{source}", Attributes={"RedrivePolicy": policy}
    )
    for body in bodies:
        await sqs.acall("SendMessage", QueueUrl=f"{URL}/{source}", MessageBody=body)
    for _ in range(2 * len(bodies)):  # the second receive of each moves it to the DLQ
        await sqs.acall(
            "ReceiveMessage",
            QueueUrl=f"{URL}/{source}",
            VisibilityTimeout=0,
            MaxNumberOfMessages=10,
        )


async def bodies(sqs: Sqs, name: str) -> set[str]:
    answer = await sqs.acall(
        "ReceiveMessage", QueueUrl=f"{URL}/{name}", MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    return {message["Body"] for message in answer.get("Messages", [])}


async def finished(sqs: Sqs, source: str) -> dict[str, Any]:
    for _ in range(1000):
        answer = await sqs.acall("ListMessageMoveTasks", SourceArn=ARN + source)
        (task,) = answer["Results"]
        if task["Status"] != "RUNNING":
            return dict(task)
        await asyncio.sleep(0)
    raise AssertionError("the move task did not finish")


async def eventually(condition: Callable[[], bool]) -> None:
    """Let the background task run until ``condition`` holds (a bounded number of turns)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


async def error(sqs: Sqs, operation: str, **params: Any) -> tuple[int, str, str]:
    with pytest.raises(SqsError) as raised:
        await sqs.acall(operation, **params)
    return raised.value.status, raised.value.code, raised.value.message


def test_messages_move_to_the_destination_given() -> None:
    async def body(sqs: Sqs) -> None:
        await dead_letter(sqs, "orders", "orders-dlq", "message-1", "message-2")
        await sqs.acall("CreateQueue", QueueName="destination")
        started = await sqs.acall(
            "StartMessageMoveTask", SourceArn=ARN + "orders-dlq", DestinationArn=ARN + "destination"
        )
        decoded = json.loads(base64.b64decode(started["TaskHandle"]))
        assert decoded["sourceArn"] == ARN + "orders-dlq"
        task = await finished(sqs, "orders-dlq")
        assert set(task) == {
            "Status",
            "SourceArn",
            "DestinationArn",
            "ApproximateNumberOfMessagesMoved",
            "ApproximateNumberOfMessagesToMove",
            "StartedTimestamp",
        }
        assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 2)
        assert task["ApproximateNumberOfMessagesToMove"] == 2
        assert await bodies(sqs, "destination") == {"message-1", "message-2"}
        assert await bodies(sqs, "orders-dlq") == set()

    run(body)


def test_without_a_destination_messages_go_back_where_they_came_from() -> None:
    async def body(sqs: Sqs) -> None:
        await dead_letter(sqs, "a", "shared-dlq", "from-a")
        await dead_letter(sqs, "b", "shared-dlq", "from-b")
        await sqs.acall("StartMessageMoveTask", SourceArn=ARN + "shared-dlq")
        task = await finished(sqs, "shared-dlq")
        assert task["Status"] == "COMPLETED"
        assert "DestinationArn" not in task
        assert (await bodies(sqs, "a"), await bodies(sqs, "b")) == ({"from-a"}, {"from-b"})

    run(body)


def test_a_rate_paces_the_task() -> None:
    async def body(sqs: Sqs) -> None:
        await dead_letter(sqs, "q", "dlq", "1", "2", "3", "4")
        await sqs.acall(
            "StartMessageMoveTask", SourceArn=ARN + "dlq", MaxNumberOfMessagesPerSecond=1
        )
        task = await finished(sqs, "dlq")
        assert (task["Status"], task["MaxNumberOfMessagesPerSecond"]) == ("COMPLETED", 1)
        assert sqs.paused == [1.0, 1.0, 1.0]  # a second between each of the four

    run(body)


def test_a_running_task_can_be_cancelled_and_is_the_only_one_of_its_source() -> None:
    async def body(sqs: Sqs) -> None:
        await dead_letter(sqs, "q", "dlq", *[f"m{n}" for n in range(10)])
        sqs.gate = asyncio.Event()
        started = await sqs.acall(
            "StartMessageMoveTask", SourceArn=ARN + "dlq", MaxNumberOfMessagesPerSecond=1
        )
        await eventually(lambda: bool(sqs.paused))  # moved one, now waiting for the next
        assert await error(sqs, "StartMessageMoveTask", SourceArn=ARN + "dlq") == (
            400,
            "InvalidParameterValue",
            "There is already a task running. Only one active task is allowed for a source "
            "queue arn at a given time.",
        )
        running = (await sqs.acall("ListMessageMoveTasks", SourceArn=ARN + "dlq"))["Results"]
        assert running[0]["TaskHandle"] == started["TaskHandle"]
        cancelled = await sqs.acall("CancelMessageMoveTask", TaskHandle=started["TaskHandle"])
        assert cancelled == {"ApproximateNumberOfMessagesMoved": 1}
        sqs.gate.set()
        task = await finished(sqs, "dlq")
        assert (task["Status"], task["ApproximateNumberOfMessagesToMove"]) == ("CANCELLED", 10)
        assert "TaskHandle" not in task
        # What it held shows again at once, not when its hold runs out.
        await eventually(lambda: not sqs.moves.running)
        assert len(await bodies(sqs, "dlq")) == 9
        assert await error(sqs, "CancelMessageMoveTask", TaskHandle=started["TaskHandle"]) == (
            404,
            "ResourceNotFoundException",
            "Task does not exist.",
        )

    run(body)


def test_a_destination_deleted_while_the_task_runs_fails_it() -> None:
    async def body(sqs: Sqs) -> None:
        await dead_letter(sqs, "q", "dlq", *[f"m{n}" for n in range(4)])
        await sqs.acall("CreateQueue", QueueName="gone")
        sqs.gate = asyncio.Event()
        await sqs.acall(
            "StartMessageMoveTask",
            SourceArn=ARN + "dlq",
            DestinationArn=ARN + "gone",
            MaxNumberOfMessagesPerSecond=1,
        )
        await eventually(lambda: bool(sqs.paused))
        await sqs.acall("DeleteQueue", QueueUrl=f"{URL}/gone")
        sqs.gate.set()
        task = await finished(sqs, "dlq")
        assert (task["Status"], task["FailureReason"]) == (
            "FAILED",
            "AWS.SimpleQueueService.NonExistentQueue",
        )
        assert task["ApproximateNumberOfMessagesMoved"] == 1
        await eventually(lambda: not sqs.moves.running)
        assert len(await bodies(sqs, "dlq")) == 3

    run(body)


def test_refusals() -> None:
    async def body(sqs: Sqs) -> None:
        await dead_letter(sqs, "q", "dlq", "m")
        handle = base64.b64encode(
            json.dumps({"taskId": "t", "sourceArn": ARN + "nope"}).encode()
        ).decode()
        unknown = base64.b64encode(
            json.dumps({"taskId": "t", "sourceArn": ARN + "dlq"}).encode()
        ).decode()
        assert await error(sqs, "CancelMessageMoveTask", TaskHandle="foobared") == (
            400,
            "InvalidParameterValue",
            "Value for parameter TaskHandle is invalid.",
        )
        assert await error(sqs, "CancelMessageMoveTask", TaskHandle=handle) == (
            404,
            "ResourceNotFoundException",
            "The resource that you specified for the SourceArn parameter doesn't exist.",
        )
        assert await error(sqs, "CancelMessageMoveTask", TaskHandle=unknown) == (
            404,
            "ResourceNotFoundException",
            "Task does not exist.",
        )
        assert await error(sqs, "StartMessageMoveTask", SourceArn=ARN + "q") == (
            400,
            "InvalidParameterValue",
            "Source queue must be configured as a Dead Letter Queue.",
        )
        assert await error(
            sqs, "StartMessageMoveTask", SourceArn=ARN + "dlq", DestinationArn=ARN + "nope"
        ) == (
            404,
            "ResourceNotFoundException",
            "The resource that you specified for the DestinationArn parameter doesn't exist.",
        )
        assert (await sqs.acall("ListMessageMoveTasks", SourceArn=ARN + "dlq")) == {"Results": []}

    run(body)
