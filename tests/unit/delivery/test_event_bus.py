from __future__ import annotations

import asyncio
import json
from dataclasses import replace

from busway import arns
from busway.delivery.target import Invocation, TargetKind
from busway.delivery.targets.event_bus import EventBusTarget, parse_bus_arn
from busway.model import Event, Scope, Target
from busway.service.ingest import EntryInput, IngestService
from tests.support.targets import RecordingTarget, eventually
from tests.unit.delivery.rig import QUEUE_ARN, RULE, SCOPE, SETTINGS, Rig, run

AUDIT_ARN = arns.bus_arn(SCOPE, "audit")
AUDIT_RULE = replace(
    RULE,
    bus_name="audit",
    name="all",
    arn=arns.rule_arn(SCOPE, "audit", "all"),
    event_pattern='{"source": [{"prefix": ""}]}',
)


def _forwarding_rig() -> tuple[Rig, RecordingTarget]:
    """Events on the default bus go to the ``audit`` bus, whose rule sends them to a queue."""
    rig = Rig()
    forward = IngestService(
        rig.store,
        rig.routing,
        rig.clock,
        replace(SETTINGS, allow_reserved_sources=True),
        dispatch=rig.dispatcher,
    )
    rig.targets[TargetKind.EVENT_BUS] = EventBusTarget(forward, rig.routing)
    rig.routing.add_bus(SCOPE, "audit")
    rig.routing.put_rule(AUDIT_RULE)
    rig.routing.set_targets(AUDIT_RULE, [Target("q", QUEUE_ARN)])
    rig.set_targets(Target("bus", AUDIT_ARN))
    return rig, rig.target


def test_an_event_is_put_on_the_target_bus_as_a_new_ingestion() -> None:
    rig, queue = _forwarding_rig()
    entry = EntryInput(
        source="shop",
        detail_type="OrderPlaced",
        detail='{"n": 1.50, "big": 123456789012345678901234567890}',
        resources=("arn:aws:s3:::a",),
        trace_header="Root=1-5759e988-bd862e3fe1be46a994272793",
    )

    async def body() -> None:
        async with rig.running():
            [result] = await rig.ingest.put_events(SCOPE, [entry])
            await eventually(lambda: len(queue.invocations) == 1)
        [arrived] = queue.invocations
        assert arrived.rule_arn == AUDIT_RULE.arn
        original = await rig.store.get_event(result.event_id or "")
        assert original is not None
        forwarded = arrived.event
        assert forwarded.id != original.id
        assert forwarded.bus_name == "audit"
        assert forwarded.trace_header == original.trace_header
        sent, received = json.loads(original.body), json.loads(forwarded.body)
        assert received == {**sent, "id": forwarded.id}
        assert list(received) == list(sent)  # the envelope's key order
        assert b'"n":1.50' in forwarded.body  # numbers keep every digit

    run(rig, body)


def test_scheduled_events_with_reserved_sources_are_forwarded() -> None:
    rig, queue = _forwarding_rig()
    rig.routing.put_rule(replace(RULE, event_pattern='{"source": ["aws.events"]}'))
    reserved = replace(SETTINGS, allow_reserved_sources=True)
    scheduler = IngestService(rig.store, rig.routing, rig.clock, reserved)
    entry = EntryInput(source="aws.events", detail_type="Scheduled Event", detail="{}")

    async def body() -> None:
        async with rig.running():
            await scheduler.put_events(SCOPE, [entry])
            rig.dispatcher.wake()
            await eventually(lambda: len(queue.invocations) == 1)
        assert queue.invocations[0].event.source == "aws.events"

    run(rig, body)


def _invocation(bus_arn: str, event: Event | None = None) -> Invocation:
    event = event or Event(
        id="e1",
        scope=SCOPE,
        bus_name="default",
        source="shop",
        detail_type="OrderPlaced",
        time=RULE.created_at,
        ingested_at=RULE.created_at,
        body=b'{"version":"0","id":"e1","detail":{}}',
    )
    return Invocation(event, RULE.arn, Target("bus", bus_arn), "{}", 1)


def test_a_missing_bus_is_no_resource_and_not_retried() -> None:
    rig, _ = _forwarding_rig()
    target = rig.targets[TargetKind.EVENT_BUS]
    missing = arns.bus_arn(SCOPE, "nope")

    async def body() -> None:
        outcome = await target.invoke(_invocation(missing))
        assert (outcome.delivered, outcome.retryable) == (False, False)
        assert outcome.error_code == "NO_RESOURCE"
        assert outcome.error_message == f"Event bus {missing} does not exist."
        for bad in ("arn:aws:events:us-east-1:123456789012:rule/x", "not-an-arn"):
            assert (await target.invoke(_invocation(bad))).error_code == "NO_RESOURCE"
        assert await rig.store.count_events() == 0

    run(rig, body)


def test_the_default_bus_of_any_account_exists() -> None:
    rig, _ = _forwarding_rig()
    target = rig.targets[TargetKind.EVENT_BUS]
    other = Scope("210987654321", "eu-west-1")

    async def body() -> None:
        outcome = await target.invoke(_invocation(arns.bus_arn(other, "default")))
        assert outcome.delivered

    run(rig, body)


def test_another_accounts_bus_gets_the_producers_account_and_region() -> None:
    rig, _ = _forwarding_rig()
    target = rig.targets[TargetKind.EVENT_BUS]
    other = Scope("210987654321", "eu-west-1")
    sent = {"version": "0", "id": "e1", "detail-type": "OrderPlaced", "source": "shop"}
    sent |= {"account": SCOPE.account, "time": "2024-01-02T03:04:05Z", "region": SCOPE.region}
    sent |= {"resources": [], "detail": {"n": 1}}
    event = replace(_invocation(AUDIT_ARN).event, body=json.dumps(sent).encode())

    async def body() -> None:
        outcome = await target.invoke(_invocation(arns.bus_arn(other, "default"), event))
        assert outcome.delivered
        [recent] = (await rig.store.recent_events(other, "default")).events
        stored = recent.event
        received = json.loads(stored.body)
        # The producer's account and region, as AWS keeps them.
        assert (received["account"], received["region"]) == (SCOPE.account, SCOPE.region)
        assert stored.scope == other
        assert received == {**sent, "id": stored.id}

    run(rig, body)


def test_bus_arns_are_parsed_strictly() -> None:
    assert parse_bus_arn(AUDIT_ARN) == (SCOPE, "audit")
    assert parse_bus_arn("arn:aws:events:us-east-1:123456789012:event-bus/") is None
    assert parse_bus_arn("arn:aws:events:us-east-1:123456789012:event-bus/a/b") is None
    assert parse_bus_arn("arn:aws:sqs:us-east-1:123456789012:event-bus/a") is None
    assert parse_bus_arn("arn:aws:events::123456789012:event-bus/a") is None


def test_close_is_idempotent() -> None:
    rig, _ = _forwarding_rig()
    target = rig.targets[TargetKind.EVENT_BUS]

    async def main() -> None:
        await target.close()
        await target.close()

    asyncio.run(main())
