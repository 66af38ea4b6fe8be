"""Nothing lives only in memory: a restart shows the same state; kill -9 loses no accepted event."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from busway.store.sqlite import SqliteStore
from tests.e2e.conftest import events_client, sqs_client
from tests.support.server import BuswayServer

ACKED_BEFORE_KILL = 1500
PRODUCERS = 4
DRAIN_SECONDS = 120


def _snapshot(events: Any, bus: str) -> dict[str, Any]:
    """Everything a user can read back about one bus, minus per-request metadata."""
    described = events.describe_event_bus(Name=bus)
    rules = events.list_rules(EventBusName=bus)["Rules"]
    targets = {
        rule["Name"]: events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"]
        for rule in rules
    }
    tags = events.list_tags_for_resource(ResourceARN=described["Arn"])["Tags"]
    described.pop("ResponseMetadata")
    return {"bus": described, "rules": rules, "targets": targets, "tags": tags}


def test_restart_shows_exactly_the_same_state(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with BuswayServer(data) as first:
        events = events_client(first.endpoint)
        events.create_event_bus(Name="orders", Tags=[{"Key": "team", "Value": "shop"}])
        events.put_rule(
            Name="paid", EventBusName="orders", EventPattern='{"detail-type": ["Paid"]}'
        )
        events.put_rule(
            Name="off", EventBusName="orders", EventPattern='{"source": ["x"]}', State="DISABLED"
        )
        events.put_targets(
            Rule="paid",
            EventBusName="orders",
            Targets=[{"Id": "a", "Arn": "arn:aws:sqs:us-east-1:000000000000:q", "Input": "{}"}],
        )
        events.put_permission(
            EventBusName="orders",
            Action="events:PutEvents",
            Principal="111122223333",
            StatementId="s1",
        )
        before = _snapshot(events, "orders")
    with BuswayServer(data) as second:
        after = _snapshot(events_client(second.endpoint), "orders")
    assert after == before


def _produce(endpoint: str, acked: list[str], stop: threading.Event) -> None:
    events = events_client(endpoint)
    n = 0
    while not stop.is_set():
        entries = [
            {"Source": "load", "DetailType": "T", "Detail": json.dumps({"n": n + i})}
            for i in range(10)
        ]
        n += 10
        try:
            answer = events.put_events(Entries=entries)
        except (BotoCoreError, ClientError):
            return  # the server is gone; whatever it acknowledged is in ``acked``
        acked.extend(entry["EventId"] for entry in answer["Entries"])
        if len(acked) >= ACKED_BEFORE_KILL:
            stop.set()


def test_kill_9_loses_no_acknowledged_event(tmp_path: Path) -> None:
    """Killed mid-load, busway restarts with every acknowledged event stored and delivered."""
    data = tmp_path / "data"
    server = BuswayServer(data).start()
    queue_arn = _queue_for_all_load_events(server.endpoint)
    acked: list[str] = []
    stop = threading.Event()
    producers = [
        threading.Thread(target=_produce, args=(server.endpoint, acked, stop))
        for _ in range(PRODUCERS)
    ]
    for producer in producers:
        producer.start()
    stop.wait(timeout=90)
    server.kill()  # while the producers still have requests in flight
    for producer in producers:
        producer.join(timeout=30)
    assert len(acked) >= ACKED_BEFORE_KILL

    with BuswayServer(data) as restarted:  # must come up cleanly on the crashed files
        assert asyncio.run(_missing_events(data, acked)) == []
        delivered = _drain(sqs_client(restarted.endpoint), queue_arn, set(acked))
    assert set(acked) - delivered == set()


def _queue_for_all_load_events(endpoint: str) -> str:
    sqs = sqs_client(endpoint)
    url = sqs.create_queue(QueueName="sink")["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events = events_client(endpoint)
    events.put_rule(Name="all", EventPattern='{"source": ["load"]}')
    events.put_targets(Rule="all", Targets=[{"Id": "q", "Arn": arn}])
    return arn


def _drain(sqs: Any, queue_arn: str, expected: set[str]) -> set[str]:
    """Event ids that reached the queue (duplicates allowed), until all came or time ran out."""
    url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1])["QueueUrl"]
    seen: set[str] = set()
    deadline = time.monotonic() + DRAIN_SECONDS
    while not expected <= seen and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        for message in messages:
            seen.add(json.loads(message["Body"])["id"])
        if messages:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
    return seen


async def _missing_events(data: Path, event_ids: list[str]) -> list[str]:
    store = SqliteStore(data / "busway.db")
    await store.open()
    try:
        return [event_id for event_id in event_ids if await store.get_event(event_id) is None]
    finally:
        await store.close()
