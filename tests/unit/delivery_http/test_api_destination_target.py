"""ApiDestinationTarget against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import socket
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime

import pytest

from busway import jsontext
from busway.clock import FakeClock
from busway.delivery.target import Outcome
from busway.delivery.targets.api_destination import ApiDestinationTarget
from busway.model import HttpParameters
from busway.store.connections import (
    ApiKeyAuth,
    AuthorizationType,
    Connection,
    ConnectionState,
    HttpParameterSet,
    OAuthClientCredentials,
    Parameter,
)
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

BASIC_HEADER = "Basic " + base64.b64encode(b"user:s3cret").decode()


def oauth_connection(endpoint: Endpoint, method: str = "POST") -> Connection:
    grant = HttpParameterSet(body=(Parameter("grant_type", "client_credentials"),))
    return connection(
        authorization_type=AuthorizationType.OAUTH_CLIENT_CREDENTIALS,
        state=ConnectionState.AUTHORIZING,
        basic=None,
        oauth=OAuthClientCredentials(
            "client", "client-secret", f"{endpoint.base}/token", method, grant
        ),
    )


def test_the_request_carries_method_path_query_headers_and_body(endpoint: Endpoint) -> None:
    own = HttpParameterSet(
        headers=(Parameter("x-both", "connection"), Parameter("x-secret", "v", is_secret=True)),
        query=(Parameter("both", "connection"),),
        body=(Parameter("added", "yes"),),
    )
    conn = connection(invocation_parameters=own)
    dest = destination(f"{endpoint.base}/orders/*/items/*?fixed=1", conn.arn, http_method="PUT")
    http = HttpParameters(
        path_parameter_values=("42", "$.detail.sku"),
        header_parameters={"x-target": "t", "X-Both": "target"},
        query_string_parameters={"q": "a b", "both": "target"},
    )
    outcomes, _ = deliver([conn, dest], [invocation(dest.arn, '{"a":1}', http)])
    assert outcomes == [Outcome.success()]
    (seen,) = endpoint.seen
    assert seen.method == "PUT"
    assert seen.path == "/orders/42/items/sku-1?fixed=1&q=a+b&both=connection"
    assert jsontext.loads(seen.body) == {"a": 1, "added": "yes"}
    headers = seen.headers
    assert headers["authorization"] == BASIC_HEADER
    assert headers["x-target"] == "t"
    assert headers["x-both"] == "connection"  # the connection's value wins
    assert headers["x-secret"] == "v"
    assert headers["user-agent"] == "Amazon/EventBridge/ApiDestinations"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["range"] == "bytes=0-1048575"


def test_api_key_auth_and_a_get_without_body(endpoint: Endpoint) -> None:
    conn = connection(
        authorization_type=AuthorizationType.API_KEY,
        basic=None,
        api_key=ApiKeyAuth("x-api-key", "k1"),
    )
    dest = destination(f"{endpoint.base}/hook", conn.arn, http_method="GET")
    outcomes, _ = deliver([conn, dest], [invocation(dest.arn)])
    assert outcomes == [Outcome.success()]
    (seen,) = endpoint.seen
    assert (seen.method, seen.body) == ("GET", b"")
    assert seen.headers["x-api-key"] == "k1"
    assert "authorization" not in seen.headers


def test_oauth_token_is_fetched_once_and_cached(endpoint: Endpoint) -> None:
    conn = oauth_connection(endpoint)
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    outcomes, store = deliver([conn, dest], [invocation(dest.arn), invocation(dest.arn)])
    assert outcomes == [Outcome.success(), Outcome.success()]
    (token_request,) = endpoint.to("/token")
    assert token_request.method == "POST"
    client = base64.b64encode(b"client:client-secret").decode()
    assert token_request.headers["authorization"] == f"Basic {client}"
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_request.body == b"grant_type=client_credentials"
    assert [seen.headers["authorization"] for seen in endpoint.to("/hook")] == ["Bearer tok-1"] * 2
    stored = asyncio.run(store.get_connection_by_arn(conn.arn))
    assert stored is not None
    assert (stored.state, stored.authorized_at) == (ConnectionState.AUTHORIZED, T0)


def test_oauth_token_is_refreshed_on_401_and_the_request_retried_once(endpoint: Endpoint) -> None:
    conn = oauth_connection(endpoint, method="GET")
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    endpoint.script("/hook", Reply(401))
    outcomes, _ = deliver([conn, dest], [invocation(dest.arn)])
    assert outcomes == [Outcome.success()]
    bearers = [seen.headers["authorization"] for seen in endpoint.to("/hook")]
    assert bearers == ["Bearer tok-1", "Bearer tok-2"]
    assert [seen.path for seen in endpoint.to("/token")] == [
        "/token?grant_type=client_credentials"
    ] * 2


def test_a_second_refusal_after_refresh_fails_without_retry(endpoint: Endpoint) -> None:
    conn = oauth_connection(endpoint)
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    endpoint.script("/hook", Reply(407), Reply(401))
    (outcome,), _ = deliver([conn, dest], [invocation(dest.arn)])
    assert (outcome.delivered, outcome.retryable, outcome.error_code) == (
        False,
        False,
        "ERROR_FROM_TARGET",
    )
    assert len(endpoint.to("/token")) == 2


def test_an_expiring_token_is_fetched_anew(endpoint: Endpoint) -> None:
    endpoint.token_lifetime = 60
    conn = oauth_connection(endpoint)
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    clock = FakeClock(T0)

    async def main() -> None:
        store = await prepared_store([conn, dest])
        target = ApiDestinationTarget(store, clock=clock)
        try:
            assert (await target.invoke(invocation(dest.arn))).delivered
            clock.advance(timedelta(seconds=45))
            assert (await target.invoke(invocation(dest.arn))).delivered
            clock.advance(timedelta(seconds=6))  # within 10 s of expiry
            assert (await target.invoke(invocation(dest.arn))).delivered
        finally:
            await target.close()

    asyncio.run(main())
    bearers = [seen.headers["authorization"] for seen in endpoint.to("/hook")]
    assert bearers == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_a_rejected_token_request_is_not_retried_and_deauthorizes(endpoint: Endpoint) -> None:
    conn = oauth_connection(endpoint)
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    endpoint.script("/token", Reply(400, b'{"error":"invalid_client"}'))
    (outcome, again), store = deliver([conn, dest], [invocation(dest.arn)] * 2)
    assert (outcome.retryable, outcome.error_code) == (False, "NO_PERMISSIONS")
    assert (again.retryable, again.error_code) == (False, "NO_PERMISSIONS")
    assert len(endpoint.to("/token")) == 1  # the second found the connection deauthorized
    assert endpoint.to("/hook") == []
    stored = asyncio.run(store.get_connection_by_arn(conn.arn))
    assert stored is not None
    assert stored.state is ConnectionState.DEAUTHORIZED


@pytest.mark.parametrize("status", [401, 407])
@pytest.mark.parametrize("auth", ["basic", "api_key"])
def test_refused_basic_or_api_key_credentials_deauthorize_the_connection(
    endpoint: Endpoint, status: int, auth: str
) -> None:
    # As AWS documents: 401 or 407 for a Basic or API key connection deauthorizes it.
    conn = connection()
    if auth == "api_key":
        conn = connection(
            authorization_type=AuthorizationType.API_KEY, basic=None, api_key=ApiKeyAuth("k", "v")
        )
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    endpoint.script("/hook", Reply(status))
    (refused, after), store = deliver([conn, dest], [invocation(dest.arn)] * 2)
    assert (refused.retryable, refused.error_code) == (False, "ERROR_FROM_TARGET")
    assert (after.retryable, after.error_code) == (False, "NO_PERMISSIONS")
    assert len(endpoint.to("/hook")) == 1
    stored = asyncio.run(store.get_connection_by_arn(conn.arn))
    assert stored is not None
    assert stored.state is ConnectionState.DEAUTHORIZED


def test_a_refusal_of_credentials_changed_meanwhile_deauthorizes_nothing(
    endpoint: Endpoint,
) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    endpoint.script("/hook", Reply(401))
    changed = replace(conn, modified_at=T0 + timedelta(seconds=1))

    async def main() -> Connection | None:
        store = await prepared_store([conn, dest])
        target = ApiDestinationTarget(store, clock=FakeClock(T0))
        try:
            await target.invoke(invocation(dest.arn))  # reads the connection, then is refused
            await store.update_connection(changed)
            assert not await store.mark_deauthorized(conn.arn, conn.modified_at)
            return await store.get_connection_by_arn(conn.arn)
        finally:
            await target.close()

    assert asyncio.run(main()) == changed


@pytest.mark.parametrize(
    ("reply", "retryable", "code", "retry_after"),
    [
        (Reply(204), None, None, None),
        (Reply(400), False, "ERROR_FROM_TARGET", None),
        (Reply(404), False, "ERROR_FROM_TARGET", None),
        (Reply(302, headers=(("Location", "/elsewhere"),)), False, "ERROR_FROM_TARGET", None),
        (Reply(429, headers=(("Retry-After", "7"),)), True, "THROTTLING", 7.0),
        (Reply(500), True, "ERROR_FROM_TARGET", None),
        (
            Reply(
                503,
                headers=(
                    ("Retry-After", format_datetime(T0 + timedelta(seconds=90), usegmt=True)),
                ),
            ),
            True,
            "ERROR_FROM_TARGET",
            90.0,
        ),
        (Reply(503, headers=(("Retry-After", "-1"),)), False, "ERROR_FROM_TARGET", None),
    ],
)
def test_answers_map_to_outcomes(
    endpoint: Endpoint,
    reply: Reply,
    retryable: bool | None,
    code: str | None,
    retry_after: float | None,
) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    endpoint.script("/hook", reply)
    (outcome,), _ = deliver([conn, dest], [invocation(dest.arn)])
    assert len(endpoint.to("/hook")) == 1  # never retried inside the target
    if retryable is None:
        assert outcome == Outcome.success()
        return
    assert not outcome.delivered
    assert (outcome.retryable, outcome.error_code, outcome.retry_after_seconds) == (
        retryable,
        code,
        retry_after,
    )


def test_a_slow_endpoint_times_out_and_may_be_retried(endpoint: Endpoint) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/slow", conn.arn)
    (outcome,), _ = deliver([conn, dest], [invocation(dest.arn)], timeout=0.2)
    assert (outcome.retryable, outcome.error_code) == (True, "TIMEOUT")


def test_an_endpoint_nobody_listens_on_may_be_retried() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the delivery
    conn = connection()
    dest = destination(f"http://127.0.0.1:{port}/hook", conn.arn)
    (outcome,), _ = deliver([conn, dest], [invocation(dest.arn)])
    assert (outcome.retryable, outcome.error_code) == (True, "CONNECTION_FAILURE")


def test_missing_resources_and_deauthorized_connections_are_not_retried(
    endpoint: Endpoint,
) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/hook", conn.arn)
    deauthorized = replace(conn, state=ConnectionState.DEAUTHORIZED)
    cases = [
        ([conn], "NO_RESOURCE"),  # no destination
        ([dest], "NO_RESOURCE"),  # no connection
        ([deauthorized, dest], "NO_PERMISSIONS"),
    ]
    for records, code in cases:
        (outcome,), _ = deliver(records, [invocation(dest.arn)])
        assert (outcome.retryable, outcome.error_code) == (False, code)
    assert endpoint.seen == []


def test_http_is_refused_for_hosts_other_than_loopback() -> None:
    conn = connection()
    dest = destination("http://hooks.example.com/hook", conn.arn)
    (outcome,), _ = deliver([conn, dest], [invocation(dest.arn)])
    assert (outcome.retryable, outcome.error_code) == (False, "INVALID_PARAMETER")
    assert outcome.error_message is not None
    assert outcome.error_message.startswith("Endpoint http://hooks.example.com/hook must use https")


def test_missing_path_values_are_not_retried(endpoint: Endpoint) -> None:
    conn = connection()
    dest = destination(f"{endpoint.base}/a/*/b/*", conn.arn)
    http = HttpParameters(path_parameter_values=("only-one",))
    (outcome,), _ = deliver([conn, dest], [invocation(dest.arn, http=http)])
    assert (outcome.retryable, outcome.error_code) == (False, "INVALID_PARAMETER")
    assert endpoint.seen == []


def test_authorize_fetches_the_token_at_once_and_the_first_delivery_uses_it(
    endpoint: Endpoint,
) -> None:
    conn = oauth_connection(endpoint)
    dest = destination(f"{endpoint.base}/hook", conn.arn)

    async def main() -> tuple[Connection | None, Outcome]:
        store = await prepared_store([conn, dest])
        target = ApiDestinationTarget(store, clock=FakeClock(T0))
        try:
            await target.authorize(conn)
            authorized = await store.get_connection_by_arn(conn.arn)
            return authorized, await target.invoke(invocation(dest.arn))
        finally:
            await target.close()

    authorized, outcome = asyncio.run(main())
    assert authorized is not None
    assert (authorized.state, authorized.authorized_at) == (ConnectionState.AUTHORIZED, T0)
    assert outcome.delivered
    assert endpoint.tokens_issued == 1
    assert [seen.headers["authorization"] for seen in endpoint.to("/hook")] == ["Bearer tok-1"]


def test_authorize_with_refused_client_credentials_deauthorizes(endpoint: Endpoint) -> None:
    conn = oauth_connection(endpoint)
    endpoint.script("/token", Reply(401, b'{"error":"invalid_client"}'))

    async def main() -> Connection | None:
        store = await prepared_store([conn])
        target = ApiDestinationTarget(store, clock=FakeClock(T0))
        try:
            await target.authorize(conn)
            await target.authorize(connection())  # not OAuth: nothing to fetch
            return await store.get_connection_by_arn(conn.arn)
        finally:
            await target.close()

    refused = asyncio.run(main())
    assert refused is not None
    assert refused.state is ConnectionState.DEAUTHORIZED
    assert len(endpoint.to("/token")) == 1
