"""ApiDestinationTarget's pooled session, cached resources and request templates."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from busway.clock import FakeClock
from busway.delivery.target import Outcome
from busway.delivery.targets.api_destination import ApiDestinationTarget
from busway.model import HttpParameters
from busway.store.connections import ConnectionState
from tests.unit.delivery_http.conftest import (
    T0,
    Endpoint,
    Reply,
    connection,
    deliver,
    destination,
    invocation,
    prepared_store,
)

TTL = 0.2  # resource_ttl in these tests: long enough to see a cached value, short to wait out


def test_aws_fixed_headers_are_sent_as_is_and_connections_are_kept(endpoint: Endpoint) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    outcomes, _ = deliver([conn, dest], [invocation(dest.arn)] * 2)
    assert outcomes == [Outcome.success()] * 2
    for seen in endpoint.seen:
        assert seen.headers["user-agent"] == "Amazon/EventBridge/ApiDestinations"
        assert seen.headers["content-type"] == "application/json; charset=utf-8"
        assert seen.headers["range"] == "bytes=0-1048575"
        assert seen.headers["accept-encoding"] == "gzip,deflate"
        assert seen.headers.get("connection", "keep-alive").lower() != "close"


def test_each_invocation_sends_its_own_payload(endpoint: Endpoint) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    with_header = HttpParameters(header_parameters={"x-extra": "1"})
    items = [
        invocation(dest.arn, '{"n":1}'),
        invocation(dest.arn, '{"n":2}'),
        invocation(dest.arn, '{"n":3}', with_header),
        invocation(dest.arn, '{"n":4}'),
    ]
    outcomes, _ = deliver([conn, dest], items)
    assert outcomes == [Outcome.success()] * 4
    assert [seen.body for seen in endpoint.seen] == [b'{"n":%d}' % n for n in (1, 2, 3, 4)]
    assert [seen.headers.get("x-extra") for seen in endpoint.seen] == [None, None, "1", None]


def test_a_large_answer_is_read_no_further_than_a_mebibyte(endpoint: Endpoint) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    endpoint.script("/hook", Reply(200, b"x" * (3 * 1024 * 1024)), Reply(500, b"y" * 2_000_000))
    outcomes, _ = deliver([conn, dest], [invocation(dest.arn)] * 3)
    assert outcomes[0] == Outcome.success()
    assert (outcomes[1].error_code, outcomes[1].retryable) == ("ERROR_FROM_TARGET", True)
    assert outcomes[2] == Outcome.success()


def test_destination_and_connection_changes_apply_within_the_ttl(endpoint: Endpoint) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/old", conn.arn)

    async def main() -> list[Outcome]:
        store = await prepared_store([conn, dest])
        target = ApiDestinationTarget(store, clock=FakeClock(T0), resource_ttl=TTL)
        try:
            outcomes = [await target.invoke(invocation(dest.arn))]
            await store.update_api_destination(replace(dest, endpoint=f"{endpoint.base}/new"))
            outcomes.append(await target.invoke(invocation(dest.arn)))  # still cached
            await asyncio.sleep(TTL * 1.5)
            outcomes.append(await target.invoke(invocation(dest.arn)))
            deauthorized = replace(conn, state=ConnectionState.DEAUTHORIZED)
            await store.update_connection(deauthorized)
            await asyncio.sleep(TTL * 1.5)
            outcomes.append(await target.invoke(invocation(dest.arn)))
            return outcomes
        finally:
            await target.close()

    outcomes = asyncio.run(main())
    assert [seen.path for seen in endpoint.seen] == ["/old", "/old", "/new"]
    assert outcomes[:3] == [Outcome.success()] * 3
    assert (outcomes[3].error_code, outcomes[3].retryable) == ("NO_PERMISSIONS", False)


def test_a_missing_destination_is_looked_up_again_soon(endpoint: Endpoint) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn)

    async def main() -> list[Outcome]:
        store = await prepared_store([conn])
        # Long enough that only a failed lookup's shorter lifetime can explain the delivery.
        target = ApiDestinationTarget(store, clock=FakeClock(T0), resource_ttl=2.0)
        try:
            outcomes = [await target.invoke(invocation(dest.arn))]
            await store.create_api_destination(dest)
            await asyncio.sleep(0.3)  # a failed lookup is kept for a tenth of the TTL
            outcomes.append(await target.invoke(invocation(dest.arn)))
            return outcomes
        finally:
            await target.close()

    first, second = asyncio.run(main())
    assert (first.error_code, first.retryable) == ("NO_RESOURCE", False)
    assert second == Outcome.success()


def test_close_is_idempotent_and_the_session_is_made_when_needed(endpoint: Endpoint) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn)

    async def main() -> list[Outcome]:
        store = await prepared_store([conn, dest])
        target = ApiDestinationTarget(store)  # made outside any request: no session yet
        await target.close()  # nothing to close
        try:
            outcomes = [await target.invoke(invocation(dest.arn))]
            await target.close()
            await target.close()
            outcomes.append(await target.invoke(invocation(dest.arn)))  # a new pool
            return outcomes
        finally:
            await target.close()

    assert asyncio.run(main()) == [Outcome.success()] * 2


def test_a_target_made_outside_any_event_loop_delivers_inside_one(endpoint: Endpoint) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    store = asyncio.run(prepared_store([conn, dest]))
    target = ApiDestinationTarget(store)

    async def main() -> Outcome:
        try:
            return await target.invoke(invocation(dest.arn))
        finally:
            await target.close()

    assert asyncio.run(main()) == Outcome.success()
