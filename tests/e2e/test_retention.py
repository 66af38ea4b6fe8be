"""Event retention on a real server: delivered events older than the retention leave the file."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from tests.e2e.conftest import events_client, sqs_client
from tests.support.server import BuswayServer

RETENTION_HOURS = 0.0003  # a little over a second
WAIT_S = 10.0


def _stored_events(data: Path) -> int:
    with sqlite3.connect(data / "busway.db", timeout=5) as connection:
        count: int = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    return count


def _put_and_receive(server: BuswayServer, name: str, count: int) -> None:
    events, sqs = events_client(server.endpoint), sqs_client(server.endpoint)
    queue_url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    entries = [
        {"Source": name, "DetailType": "T", "Detail": json.dumps({"n": n})} for n in range(count)
    ]
    assert events.put_events(Entries=entries)["FailedEntryCount"] == 0
    received = 0
    deadline = time.monotonic() + WAIT_S
    while received < count and time.monotonic() < deadline:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in messages.get("Messages", []):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            received += 1
    assert received == count


def test_delivered_events_past_the_retention_are_deleted_and_the_newest_stays(
    tmp_path: Path,
) -> None:
    data, name = tmp_path / "data", "retained"
    with BuswayServer(data) as server:
        events, sqs = events_client(server.endpoint), sqs_client(server.endpoint)
        sqs.create_queue(QueueName=name)
        events.put_rule(Name=name, EventPattern=json.dumps({"source": [name]}))
        target = {"Id": "q", "Arn": f"arn:aws:sqs:us-east-1:000000000000:{name}"}
        events.put_targets(Rule=name, Targets=[target])
        _put_and_receive(server, name, 3)
    assert _stored_events(data) == 3  # the default retention is a day
    time.sleep(RETENTION_HOURS * 3600 + 0.5)

    retention = {"BUSWAY_EVENT_RETENTION_HOURS": str(RETENTION_HOURS)}
    with BuswayServer(data, extra_env=retention) as server:
        deadline = time.monotonic() + WAIT_S
        while _stored_events(data) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _stored_events(data) == 1
        _put_and_receive(server, name, 2)  # ingest and delivery carry on after the sweep
    assert "deleted 2 events ingested before" in server.log_text()
