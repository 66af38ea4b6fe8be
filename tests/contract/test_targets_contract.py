"""What every ``DeliveryTarget`` promises the dispatcher, run once per kind of target.

To cover a new kind, add a builder to ``_CASES``: it returns the target, an invocation the
target should deliver, and one it must fail (a resource that does not exist). Builders run
inside the test's event loop, so they may create loop-bound objects.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from busway import arns
from busway.clock import FakeClock
from busway.config import Settings
from busway.delivery.target import DeliveryTarget, Invocation, Outcome
from busway.delivery.targets.api_destination import ApiDestinationTarget
from busway.delivery.targets.event_bus import EventBusTarget
from busway.delivery.targets.lambda_function import LambdaTarget
from busway.delivery.targets.log_group import LogGroupTarget
from busway.delivery.targets.unsupported import UnsupportedTarget
from busway.functions import FunctionSpec
from busway.model import Event, Scope, Target
from busway.service.ingest import IngestService
from busway.service.logs import LogService
from busway.service.routing import RoutingTable
from busway.store.connections import (
    ApiDestination,
    AuthorizationType,
    BasicAuth,
    Connection,
    ConnectionState,
)
from busway.store.memory import MemoryStore
from busway.store.memory.connections import MemoryConnectionStore
from busway.store.memory.log_groups import MemoryLogGroupStore
from tests.support.targets import RecordingTarget
from tests.unit.functions.support import HANDLERS

SCOPE = Scope("123456789012", "us-east-1")
T0 = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
RULE_ARN = arns.rule_arn(SCOPE, "default", "r1")
ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")  # AWS's upper-snake tokens: NO_RESOURCE, ...


@dataclass(frozen=True)
class TargetCase:
    target: DeliveryTarget
    deliverable: Invocation
    failing: Invocation  # names a resource that does not exist


def invocation_for(target_arn: str) -> Invocation:
    event = Event(
        id="11111111-2222-4333-8444-555555555555",
        scope=SCOPE,
        bus_name="default",
        source="shop",
        detail_type="OrderPlaced",
        time=T0,
        ingested_at=T0,
        body=(
            b'{"version":"0","id":"11111111-2222-4333-8444-555555555555",'
            b'"detail-type":"OrderPlaced","source":"shop","account":"123456789012",'
            b'"time":"2024-05-06T07:08:09Z","region":"us-east-1","resources":[],'
            b'"detail":{"n":1}}'
        ),
    )
    return Invocation(event, RULE_ARN, Target("t1", target_arn), event.body.decode(), 1)


def _event_bus() -> TargetCase:
    routing = RoutingTable()
    routing.add_bus(SCOPE, "audit")
    ingest = IngestService(MemoryStore(), routing, FakeClock(T0), Settings())
    return TargetCase(
        EventBusTarget(ingest, routing),
        invocation_for(arns.bus_arn(SCOPE, "audit")),
        invocation_for(arns.bus_arn(SCOPE, "missing")),
    )


def _unsupported() -> TargetCase:
    sns = invocation_for("arn:aws:sns:us-east-1:123456789012:topic")
    return TargetCase(UnsupportedTarget(), sns, sns)


def _recording() -> TargetCase:
    missing = "arn:aws:sqs:us-east-1:123456789012:missing"
    failure = Outcome.failure("NO_RESOURCE", "no such queue", retryable=False)
    return TargetCase(
        RecordingTarget(fail_for={missing: failure}),
        invocation_for("arn:aws:sqs:us-east-1:123456789012:q"),
        invocation_for(missing),
    )


def _api_destination() -> TargetCase:
    # Nothing listens on the endpoint (a port just closed again), so deliveries end in a
    # retryable CONNECTION_FAILURE: the HTTP exchange itself is covered in
    # tests/unit/delivery_http against a real server.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    connection_arn = "arn:aws:events:us-east-1:123456789012:connection/c/id"
    connection = Connection(
        SCOPE,
        "c",
        connection_arn,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:c",
        AuthorizationType.BASIC,
        ConnectionState.AUTHORIZED,
        T0,
        T0,
        basic=BasicAuth("u", "p"),
    )
    arn = "arn:aws:events:us-east-1:123456789012:api-destination/d/id"
    destination = ApiDestination(
        SCOPE, "d", arn, connection_arn, f"http://127.0.0.1:{port}/hook", "POST", 300, T0, T0
    )
    store = MemoryConnectionStore([connection], [destination])
    return TargetCase(
        ApiDestinationTarget(store, clock=FakeClock(T0)),
        invocation_for(arn),
        invocation_for("arn:aws:events:us-east-1:123456789012:api-destination/missing/id"),
    )


def _log_group() -> TargetCase:
    # /aws/events/ groups are created on first delivery; other groups must exist.
    logs = LogService(MemoryLogGroupStore(), FakeClock(T0))
    return TargetCase(
        LogGroupTarget(logs),
        invocation_for("arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/contract"),
        invocation_for("arn:aws:logs:us-east-1:123456789012:log-group:/app/missing"),
    )


def _lambda() -> TargetCase:
    # Real worker processes run tests/unit/functions/handlers/basic.py.
    spec = FunctionSpec("printer", handler="basic:print_id", paths=(HANDLERS,), timeout=10.0)
    logs = LogService(MemoryLogGroupStore(), FakeClock(T0))
    return TargetCase(
        LambdaTarget({"printer": spec}, logs, FakeClock(T0)),
        invocation_for("arn:aws:lambda:us-east-1:123456789012:function:printer"),
        invocation_for("arn:aws:lambda:us-east-1:123456789012:function:missing"),
    )


_CASES: dict[str, Callable[[], TargetCase]] = {
    "api-destination": _api_destination,
    "event-bus": _event_bus,
    "lambda": _lambda,
    "log-group": _log_group,
    "unsupported": _unsupported,
    "recording": _recording,
}


@pytest.fixture(params=sorted(_CASES))
def delivery_target(request: pytest.FixtureRequest) -> Callable[[], TargetCase]:
    """A builder of the case: call it inside the test's event loop."""
    build: Callable[[], TargetCase] = _CASES[request.param]
    return build


def _run(build: Callable[[], TargetCase], body: Callable[[TargetCase], Awaitable[None]]) -> None:
    async def main() -> None:
        case = build()
        try:
            await body(case)
        finally:
            await case.target.close()

    asyncio.run(main())


def _well_formed(outcome: Outcome) -> None:
    assert isinstance(outcome, Outcome)
    if outcome.delivered:
        assert (outcome.error_code, outcome.error_message) == (None, None)
        assert not outcome.retryable
    else:
        assert outcome.error_code is not None
        assert ERROR_CODE.match(outcome.error_code)
        assert outcome.error_message  # SQS refuses an empty ERROR_MESSAGE attribute
        if outcome.retry_after_seconds is not None:
            assert outcome.retryable


def test_invoke_answers_with_a_well_formed_outcome(
    delivery_target: Callable[[], TargetCase],
) -> None:
    async def body(case: TargetCase) -> None:
        _well_formed(await case.target.invoke(case.deliverable))

    _run(delivery_target, body)


def test_a_missing_resource_is_a_failure_not_an_exception(
    delivery_target: Callable[[], TargetCase],
) -> None:
    async def body(case: TargetCase) -> None:
        outcome = await case.target.invoke(case.failing)
        _well_formed(outcome)
        assert not outcome.delivered
        assert not outcome.retryable  # retrying cannot make a resource exist

    _run(delivery_target, body)


def test_concurrent_invocations_each_get_an_outcome(
    delivery_target: Callable[[], TargetCase],
) -> None:
    async def body(case: TargetCase) -> None:
        invocations = [replace(case.deliverable, attempt=n) for n in range(1, 21)]
        invocations += [case.failing] * 5
        outcomes = await asyncio.gather(*(case.target.invoke(i) for i in invocations))
        assert len(outcomes) == 25
        for outcome in outcomes:
            _well_formed(outcome)

    _run(delivery_target, body)


def test_the_same_invocation_may_come_again(delivery_target: Callable[[], TargetCase]) -> None:
    # At least once: a retry or a take-over after a crash repeats an invocation.
    async def body(case: TargetCase) -> None:
        first = await case.target.invoke(case.deliverable)
        again = await case.target.invoke(case.deliverable)
        _well_formed(first)
        _well_formed(again)
        assert first.delivered == again.delivered

    _run(delivery_target, body)


def test_close_is_idempotent(delivery_target: Callable[[], TargetCase]) -> None:
    async def body(case: TargetCase) -> None:
        await case.target.invoke(case.deliverable)
        await case.target.close()
        await case.target.close()

    _run(delivery_target, body)
