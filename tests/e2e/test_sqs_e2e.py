"""The SQS API over real HTTP (uvicorn in this process, SQLite in tmp_path), driven by real
boto3 and the real aws CLI."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from busway.api.app import App
from busway.api.sqs import sqs_api
from busway.clock import SystemClock
from busway.service.message_moves import MessageMoves
from busway.service.queues import QueueService
from busway.store.sqlite import SqliteDatabase
from busway.store.sqlite.queues import SqliteQueueStore
from tests.e2e.conftest import aws_cli, aws_client, cli_json
from tests.support.server import free_port

ACCOUNT = "000000000000"
_START_TIMEOUT_S = 15.0


class _SqsServer:
    def __init__(self, data: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        database = SqliteDatabase(data / "busway.db", synchronous="NORMAL")
        clock = SystemClock()
        self.queues = QueueService(SqliteQueueStore(database), clock)
        moves = MessageMoves(self.queues, clock)

        async def stop() -> None:
            await moves.close()
            self.queues.close()
            await database.close()

        app = App(
            [sqs_api(self.queues, moves)],
            account=ACCOUNT,
            on_startup=database.open,
            on_shutdown=stop,
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, lifespan="on", log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve()), daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the SQS test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT_S)


@pytest.fixture(scope="module")
def sqs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_SqsServer]:
    server = _SqsServer(tmp_path_factory.mktemp("sqs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sqs(sqs_server: _SqsServer) -> Any:
    return aws_client("sqs", sqs_server.endpoint)


def test_boto3_round_trip_with_long_polling(sqs: Any, sqs_server: _SqsServer, unique: str) -> None:
    url = sqs.create_queue(QueueName=unique, Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    assert url == f"{sqs_server.endpoint}/{ACCOUNT}/{unique}"
    sender = threading.Timer(0.3, lambda: sqs.send_message(QueueUrl=url, MessageBody="hi"))
    started = time.monotonic()
    sender.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, AttributeNames=["All"])
    sender.join()
    assert time.monotonic() - started < 5
    (message,) = got["Messages"]
    assert message["Body"] == "hi"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    # visibility expires after 1 s: a long poll is woken by the timer, not by a send
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, AttributeNames=["All"])
    assert again["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["Messages"][0]["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)


def test_boto3_exceptions_and_batches(sqs: Any, unique: str) -> None:
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as raised:
        sqs.get_queue_url(QueueName=unique)
    assert raised.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    url = sqs.create_queue(QueueName=unique)["QueueUrl"]
    entries = [{"Id": f"m{i}", "MessageBody": f"body {i}"} for i in range(10)]
    sent = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert len(sent["Successful"]) == 10
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == sorted(f"body {i}" for i in range(10))
    handles = [{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
    assert len(sqs.delete_message_batch(QueueUrl=url, Entries=handles)["Successful"]) == 10
    sqs.purge_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=url)
    sqs.delete_queue(QueueUrl=url)


def test_boto3_fifo_queue(sqs: Any, unique: str) -> None:
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    url = sqs.create_queue(QueueName=f"{unique}.fifo", Attributes=attributes)["QueueUrl"]
    for body in ("a1", "a2", "a1"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="a")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["a1", "a2"]


def test_boto3_retry_of_a_receive_attempt(sqs: Any, unique: str) -> None:
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    url = sqs.create_queue(QueueName=f"{unique}.fifo", Attributes=attributes)["QueueUrl"]
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}", MessageGroupId=f"g{n}")

    def receive(attempt: str) -> list[tuple[str, str]]:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId=attempt
        ).get("Messages", [])
        return [(m["Body"], m["ReceiptHandle"]) for m in got]

    first = receive("attempt-1")
    assert [body for body, _ in first] == ["m0", "m1"]
    assert receive("attempt-1") == first
    assert [body for body, _ in receive("attempt-2")] == ["m2"]


def test_the_aws_cli_drives_queues(sqs_server: _SqsServer, unique: str) -> None:
    endpoint = sqs_server.endpoint
    url = cli_json(endpoint, "sqs", "create-queue", "--queue-name", unique)["QueueUrl"]
    sent = cli_json(endpoint, "sqs", "send-message", "--queue-url", url, "--message-body", "hello")
    assert sent["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592"
    got = cli_json(
        endpoint, "sqs", "receive-message", "--queue-url", url, "--attribute-names", "All",
        "--wait-time-seconds", "1",
    )  # fmt: skip
    assert got["Messages"][0]["Body"] == "hello"
    attributes = cli_json(
        endpoint, "sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All"
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    quiet = aws_cli(endpoint, "sqs", "get-queue-attributes", "--queue-url", url)
    assert quiet.stdout.strip() == ""
    missing = aws_cli(endpoint, "sqs", "get-queue-url", "--queue-name", f"{unique}x", check=False)
    assert missing.returncode == 255
    assert "(AWS.SimpleQueueService.NonExistentQueue)" in missing.stderr


def test_boto3_dead_letters_moved_back_by_a_message_move_task(sqs: Any, unique: str) -> None:
    dlq = sqs.create_queue(QueueName=f"{unique}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    url = sqs.create_queue(QueueName=unique, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    for _ in range(6):  # the second receive of each moves it to the dead-letter queue
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, MaxNumberOfMessages=10)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    deadline = time.monotonic() + 10
    task: dict[str, Any] = {}
    while time.monotonic() < deadline:
        (task,) = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if task["Status"] != "RUNNING":
            break
        time.sleep(0.05)
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 3)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["m0", "m1", "m2"]
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.cancel_message_move_task(TaskHandle=handle)
