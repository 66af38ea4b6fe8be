"""CreateApiDestination ... DeleteApiDestination through the in-process API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from busway.config import Settings
from tests.unit.connections.conftest import ACCOUNT, Api

T0 = 1704164645
ARN_PREFIX = f"arn:aws:events:us-east-1:{ACCOUNT}:api-destination/"
NOT_FOUND = "Failed to describe the api-destination(s). An api-destination 'nope' does not exist."


def test_create_and_describe(api: Api) -> None:
    connection_arn = api.connection("c")["ConnectionArn"]
    answer = api.destination("orders", ConnectionArn=connection_arn, Description="d")
    arn = ARN_PREFIX + "orders/00000000-0000-0000-0000-000000000003"
    assert answer == {
        "ApiDestinationArn": arn,
        "ApiDestinationState": "ACTIVE",
        "CreationTime": T0,
        "LastModifiedTime": T0,
    }
    assert api.ok("DescribeApiDestination", {"Name": "orders"}) == {
        "ApiDestinationArn": arn,
        "Name": "orders",
        "Description": "d",
        "ApiDestinationState": "ACTIVE",
        "ConnectionArn": connection_arn,
        "InvocationEndpoint": "https://example.com/orders/*",
        "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 300,
        "CreationTime": T0,
        "LastModifiedTime": T0,
    }


def test_the_state_follows_the_connection(api: Api) -> None:
    oauth = {
        "OAuthParameters": {
            "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
            "AuthorizationEndpoint": "https://auth.example.com/token",
            "HttpMethod": "POST",
        }
    }
    body = {"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthParameters": oauth}
    pending = api.connection("o", **body)["ConnectionArn"]
    assert api.destination("d1", ConnectionArn=pending)["ApiDestinationState"] == "INACTIVE"
    api.destination("d2")
    api.ok("DeauthorizeConnection", {"Name": "d2-conn"})
    assert api.ok("DescribeApiDestination", {"Name": "d2"})["ApiDestinationState"] == "INACTIVE"


def test_unknown_names_and_connections_are_not_found(api: Api) -> None:
    for operation in ("DescribeApiDestination", "UpdateApiDestination", "DeleteApiDestination"):
        assert api.error(operation, {"Name": "nope"}) == ("ResourceNotFoundException", NOT_FOUND)
    missing = f"arn:aws:events:us-east-1:{ACCOUNT}:connection/gone/abc"
    body = {
        "Name": "d",
        "ConnectionArn": missing,
        "InvocationEndpoint": "https://example.com",
        "HttpMethod": "GET",
    }
    assert api.error("CreateApiDestination", body) == (
        "ResourceNotFoundException",
        "Failed to describe the connection(s). Connection 'gone' does not exist.",
    )


def test_a_name_is_created_once(api: Api) -> None:
    arn = api.destination("d")
    assert arn
    body = {
        "Name": "d",
        "ConnectionArn": api.connection("other")["ConnectionArn"],
        "InvocationEndpoint": "https://example.com",
        "HttpMethod": "GET",
    }
    assert api.error("CreateApiDestination", body) == (
        "ResourceAlreadyExistsException",
        "An api-destination 'd' already exists.",
    )


def test_constraint_violations(api: Api) -> None:
    body = {
        "Name": "d",
        "ConnectionArn": "not-an-arn",
        "InvocationEndpoint": "https://example.com/a b",
        "HttpMethod": "CONNECT",
        "InvocationRateLimitPerSecond": 0,
    }
    code, message = api.error("CreateApiDestination", body)
    assert code == "ValidationException"
    assert message.startswith("4 validation errors detected: Value 'not-an-arn' at 'connectionArn'")
    assert (
        "Value 'CONNECT' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum "
        "value set: [HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]"
    ) in message
    assert "Value 'https://example.com/a b' at 'invocationEndpoint'" in message
    assert message.endswith(
        "Value '0' at 'invocationRateLimitPerSecond' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_the_rate_limit_is_at_most_300(api: Api) -> None:
    body = {
        "Name": "d",
        "ConnectionArn": api.connection("c")["ConnectionArn"],
        "InvocationEndpoint": "https://example.com",
        "HttpMethod": "GET",
        "InvocationRateLimitPerSecond": 301,
    }
    assert api.error("CreateApiDestination", body) == (
        "LimitExceededException",
        "The invocation rate limit per second cannot exceed 300.",
    )
    body["InvocationRateLimitPerSecond"] = 300
    api.ok("CreateApiDestination", body)


@pytest.mark.parametrize(
    ("endpoint", "allow_http", "accepted"),
    [
        ("http://127.0.0.1:8080/hook", False, True),
        ("http://127.1.2.3:8080/hook", False, True),
        ("http://hooks.example.com/hook", False, False),
        ("http://hooks.example.com/hook", True, True),
        ("ftp://hooks.example.com/hook", True, False),
    ],
)
def test_http_endpoints_only_on_loopback_unless_allowed(
    endpoint: str, allow_http: bool, accepted: bool
) -> None:
    api = Api(settings=Settings(allow_http_endpoints=allow_http))
    body = {
        "Name": "d",
        "ConnectionArn": api.connection("c")["ConnectionArn"],
        "InvocationEndpoint": endpoint,
        "HttpMethod": "POST",
    }
    status, answer = api("CreateApiDestination", body)
    assert (status == 200) is accepted, answer
    if not accepted:
        assert answer["__type"] == "ValidationException"
        assert answer["message"].startswith(f"Endpoint {endpoint} ")


def test_list_filters_and_pages(api: Api) -> None:
    shared = api.connection("shared")["ConnectionArn"]
    for name in ("b", "a2", "a1"):
        api.destination(name, ConnectionArn=shared)
    api.destination("a0")
    first = api.ok("ListApiDestinations", {"NamePrefix": "a", "Limit": 2})
    assert [d["Name"] for d in first["ApiDestinations"]] == ["a0", "a1"]
    rest = api.ok("ListApiDestinations", {"NamePrefix": "a", "NextToken": first["NextToken"]})
    assert [d["Name"] for d in rest["ApiDestinations"]] == ["a2"]
    by_connection = api.ok("ListApiDestinations", {"ConnectionArn": shared})["ApiDestinations"]
    assert [d["Name"] for d in by_connection] == ["a1", "a2", "b"]
    assert set(by_connection[0]) == {
        "ApiDestinationArn",
        "Name",
        "ApiDestinationState",
        "ConnectionArn",
        "InvocationEndpoint",
        "HttpMethod",
        "InvocationRateLimitPerSecond",
        "CreationTime",
        "LastModifiedTime",
    }


def test_update_changes_what_is_given(api: Api) -> None:
    api.destination("d", Description="keep")
    other = api.connection("other")["ConnectionArn"]
    api.clock.advance(timedelta(seconds=3))
    answer = api.ok(
        "UpdateApiDestination",
        {"Name": "d", "ConnectionArn": other, "InvocationRateLimitPerSecond": 5},
    )
    assert answer["LastModifiedTime"] == T0 + 3
    described = api.ok("DescribeApiDestination", {"Name": "d"})
    assert described["ConnectionArn"] == other
    assert described["InvocationRateLimitPerSecond"] == 5
    assert described["Description"] == "keep"
    assert described["HttpMethod"] == "POST"
    gone = f"arn:aws:events:us-east-1:{ACCOUNT}:connection/gone/abc"
    code, _ = api.error("UpdateApiDestination", {"Name": "d", "ConnectionArn": gone})
    assert code == "ResourceNotFoundException"


def test_delete(api: Api) -> None:
    api.destination("d")
    assert api.ok("DeleteApiDestination", {"Name": "d"}) == {}
    assert api.error("DescribeApiDestination", {"Name": "d"})[0] == "ResourceNotFoundException"
