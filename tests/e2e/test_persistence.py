"""Nothing lives only in memory: a restart shows the same state, kill -9 loses no accepted event."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from busway.store.sqlite import SqliteStore
from tests.e2e.conftest import events_client
from tests.support.server import BuswayServer

ACKED_BEFORE_KILL = 1500
PRODUCERS = 4


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
    data = tmp_path / "data"
    server = BuswayServer(data).start()
    events_client(server.endpoint).put_rule(Name="all", EventPattern='{"source": ["load"]}')
    events_client(server.endpoint).put_targets(
        Rule="all", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"}]
    )
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

    with BuswayServer(data):  # the restart must come up cleanly on the crashed files
        missing = asyncio.run(_missing_events(data, acked))
    assert missing == []


async def _missing_events(data: Path, event_ids: list[str]) -> list[str]:
    store = SqliteStore(data / "busway.db")
    await store.open()
    try:
        missing = []
        for event_id in event_ids:
            if await store.get_event(event_id) is None or not await store.list_deliveries(event_id):
                missing.append(event_id)
        return missing
    finally:
        await store.close()
