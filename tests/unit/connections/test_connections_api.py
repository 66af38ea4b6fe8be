"""CreateConnection ... DeauthorizeConnection through the in-process API."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from busway.config import Settings
from busway.store.connections import BasicAuth
from tests.unit.connections.conftest import ACCOUNT, BASIC, Api

T0 = 1704164645  # FakeClock's start, as epoch seconds
ARN_PREFIX = f"arn:aws:events:us-east-1:{ACCOUNT}:connection/"
OAUTH: dict[str, Any] = {
    "OAuthParameters": {
        "ClientParameters": {"ClientID": "client", "ClientSecret": "client-secret"},
        "AuthorizationEndpoint": "https://auth.example.com/token",
        "HttpMethod": "POST",
        "OAuthHttpParameters": {
            "BodyParameters": [{"Key": "grant_type", "Value": "client_credentials"}]
        },
    }
}
API_KEY = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "key-value"}}
SECRETS = ("s3cret", "client-secret", "key-value", "hidden-value")


def test_create_answers_arn_state_and_epoch_times(api: Api) -> None:
    answer = api.connection("orders", Description="the orders service")
    assert answer == {
        "ConnectionArn": ARN_PREFIX + "orders/00000000-0000-0000-0000-000000000001",
        "ConnectionState": "AUTHORIZED",
        "CreationTime": T0,
        "LastModifiedTime": T0,
    }


@pytest.mark.parametrize(
    ("kind", "auth", "state"),
    [
        ("BASIC", BASIC, "AUTHORIZED"),
        ("API_KEY", API_KEY, "AUTHORIZED"),
        ("OAUTH_CLIENT_CREDENTIALS", OAUTH, "AUTHORIZING"),
    ],
)
def test_each_authorization_type_starts_in_its_state(
    api: Api, kind: str, auth: dict[str, Any], state: str
) -> None:
    answer = api.connection("c", AuthorizationType=kind, AuthParameters=auth)
    assert answer["ConnectionState"] == state


def test_describe_shows_everything_but_the_secrets(api: Api) -> None:
    invocation = {
        "HeaderParameters": [
            {"Key": "x-team", "Value": "orders", "IsValueSecret": False},
            {"Key": "x-token", "Value": "hidden-value", "IsValueSecret": True},
        ],
        "QueryStringParameters": [{"Key": "v", "Value": "2"}],
    }
    auth = {**OAUTH, "InvocationHttpParameters": invocation}
    api.connection("o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=auth)
    described = api.ok("DescribeConnection", {"Name": "o"})
    assert not any(secret in json.dumps(described) for secret in SECRETS)
    connection_id = "00000000-0000-0000-0000-000000000001"
    assert described == {
        "ConnectionArn": ARN_PREFIX + f"o/{connection_id}",
        "Name": "o",
        "ConnectionState": "AUTHORIZING",
        "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
        "SecretArn": (
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:events!connection/o/"
            f"{connection_id}-000000"
        ),
        "AuthParameters": {
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "client"},
                "AuthorizationEndpoint": "https://auth.example.com/token",
                "HttpMethod": "POST",
                "OAuthHttpParameters": {
                    "BodyParameters": [
                        {"Key": "grant_type", "Value": "client_credentials", "IsValueSecret": False}
                    ]
                },
            },
            "InvocationHttpParameters": {
                "HeaderParameters": [
                    {"Key": "x-team", "Value": "orders", "IsValueSecret": False},
                    {"Key": "x-token", "IsValueSecret": True},
                ],
                "QueryStringParameters": [{"Key": "v", "Value": "2", "IsValueSecret": False}],
            },
        },
        "CreationTime": T0,
        "LastModifiedTime": T0,
        # Shown while still authorizing, as AWS does (LocalStack's AWS-validated snapshot).
        "LastAuthorizedTime": T0,
    }


def test_oauth_parameters_not_given_are_not_echoed(api: Api) -> None:
    bare = {"OAuthParameters": {**OAUTH["OAuthParameters"]}}
    del bare["OAuthParameters"]["OAuthHttpParameters"]
    api.connection("o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=bare)
    described = api.ok("DescribeConnection", {"Name": "o"})
    assert described["AuthParameters"] == {
        "OAuthParameters": {
            "ClientParameters": {"ClientID": "client"},
            "AuthorizationEndpoint": "https://auth.example.com/token",
            "HttpMethod": "POST",
        }
    }
    [listed] = api.ok("ListConnections", {})["Connections"]
    assert listed["LastAuthorizedTime"] == T0


def test_describe_basic_and_api_key_show_only_the_user_and_key_name(api: Api) -> None:
    api.connection("b", Description="d", KmsKeyIdentifier="alias/mine")
    api.connection("k", AuthorizationType="API_KEY", AuthParameters=API_KEY)
    basic = api.ok("DescribeConnection", {"Name": "b"})
    assert basic["AuthParameters"] == {"BasicAuthParameters": {"Username": "user"}}
    assert basic["Description"] == "d"
    assert basic["KmsKeyIdentifier"] == "alias/mine"
    assert basic["LastAuthorizedTime"] == T0
    keyed = api.ok("DescribeConnection", {"Name": "k"})
    assert keyed["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}


def test_unknown_connections_are_not_found(api: Api) -> None:
    message = "Failed to describe the connection(s). Connection 'nope' does not exist."
    for operation in (
        "DescribeConnection",
        "UpdateConnection",
        "DeleteConnection",
        "DeauthorizeConnection",
    ):
        assert api.error(operation, {"Name": "nope"}) == ("ResourceNotFoundException", message)


def test_a_name_is_created_once(api: Api) -> None:
    api.connection("c")
    assert api.error(
        "CreateConnection", {"Name": "c", "AuthorizationType": "BASIC", "AuthParameters": BASIC}
    ) == ("ResourceAlreadyExistsException", "Connection c already exists.")


def test_constraint_violations_are_reported_together(api: Api) -> None:
    code, message = api.error(
        "CreateConnection",
        {"Name": "Invalid Name!", "AuthorizationType": "INVALID", "AuthParameters": {}},
    )
    assert code == "ValidationException"
    assert message == (
        "2 validation errors detected: Value 'Invalid Name!' at 'name' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+; "
        "Value 'INVALID' at 'authorizationType' failed to satisfy constraint: Member must "
        "satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]"
    )


def test_required_members_and_auth_value_patterns(api: Api) -> None:
    _, missing = api.error("CreateConnection", {"Name": "c", "AuthorizationType": "BASIC"})
    assert missing == (
        "1 validation error detected: Value null at 'authParameters' failed to satisfy "
        "constraint: Member must not be null"
    )
    auth = {"BasicAuthParameters": {"Username": "a:b" + " x" * 40 + "\x01"}}
    _, message = api.error(
        "CreateConnection", {"Name": "c", "AuthorizationType": "BASIC", "AuthParameters": auth}
    )
    assert message.startswith("2 validation errors detected: Value 'a:b x x")
    assert "at 'authParameters.basicAuthParameters.username' failed to satisfy constraint: " in (
        message
    )
    assert "Member must satisfy regular expression pattern: ^[ \\t]*[^\\x00-\\x1F:\\x7F]+" in (
        message
    )
    assert message.endswith(
        "Value null at 'authParameters.basicAuthParameters.password' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_the_auth_block_must_match_the_type(api: Api) -> None:
    body = {"Name": "c", "AuthorizationType": "BASIC", "AuthParameters": API_KEY}
    assert api.error("CreateConnection", body) == (
        "ValidationException",
        "Only the authorization parameters of authorization type BASIC may be given, "
        "not those of API_KEY.",
    )
    body = {"Name": "c", "AuthorizationType": "API_KEY", "AuthParameters": {}}
    assert api.error("CreateConnection", body) == (
        "ValidationException",
        "The authorization parameters of authorization type API_KEY must include name, value.",
    )


@pytest.mark.parametrize(
    ("endpoint", "allow_http", "accepted"),
    [
        ("https://auth.example.com/token", False, True),
        ("http://127.0.0.1:9000/token", False, True),
        ("http://localhost/token", False, True),
        ("http://auth.example.com/token", False, False),
        ("http://auth.example.com/token", True, True),
    ],
)
def test_oauth_endpoints_must_be_https_unless_loopback_or_allowed(
    endpoint: str, allow_http: bool, accepted: bool
) -> None:
    api = Api(settings=Settings(allow_http_endpoints=allow_http))
    oauth = {"OAuthParameters": {**OAUTH["OAuthParameters"], "AuthorizationEndpoint": endpoint}}
    body = {"Name": "o", "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthParameters": oauth}
    status, answer = api("CreateConnection", body)
    assert (status == 200) is accepted, answer
    if not accepted:
        assert answer["__type"] == "ValidationException"
        assert answer["message"].startswith(f"Endpoint {endpoint} must use https://")


def test_list_filters_by_prefix_and_state_and_pages(api: Api) -> None:
    for name in ("b", "a2", "a1"):
        api.connection(name)
    api.connection("a3", AuthorizationType="API_KEY", AuthParameters=API_KEY)
    api.ok("DeauthorizeConnection", {"Name": "a3"})
    first = api.ok("ListConnections", {"NamePrefix": "a", "Limit": 2})
    assert [c["Name"] for c in first["Connections"]] == ["a1", "a2"]
    rest = api.ok("ListConnections", {"NamePrefix": "a", "NextToken": first["NextToken"]})
    assert [c["Name"] for c in rest["Connections"]] == ["a3"]
    assert "NextToken" not in rest
    listed = api.ok("ListConnections", {"ConnectionState": "DEAUTHORIZED"})["Connections"]
    assert listed == [
        {
            "ConnectionArn": ARN_PREFIX + "a3/00000000-0000-0000-0000-000000000007",
            "Name": "a3",
            "ConnectionState": "DEAUTHORIZED",
            "AuthorizationType": "API_KEY",
            "CreationTime": T0,
            "LastModifiedTime": T0,
            "LastAuthorizedTime": T0,
        }
    ]
    _, message = api.error("ListConnections", {"ConnectionState": "GONE", "Limit": 0})
    assert message.startswith("2 validation errors detected: Value 'GONE' at 'connectionState'")


def test_update_changes_what_is_given_and_keeps_the_rest(api: Api) -> None:
    api.connection("c", Description="old")
    api.clock.advance(timedelta(seconds=10))
    answer = api.ok(
        "UpdateConnection",
        {"Name": "c", "AuthParameters": {"BasicAuthParameters": {"Password": "new"}}},
    )
    assert answer["ConnectionState"] == "AUTHORIZED"
    assert answer["LastModifiedTime"] == answer["LastAuthorizedTime"] == T0 + 10
    stored = api.stored(answer["ConnectionArn"])
    assert stored.basic == BasicAuth("user", "new")
    assert stored.description == "old"
    api.ok("UpdateConnection", {"Name": "c", "Description": "new"})
    assert api.ok("DescribeConnection", {"Name": "c"})["Description"] == "new"


def test_update_to_another_type_needs_its_whole_block(api: Api) -> None:
    api.connection("c")
    body = {
        "Name": "c",
        "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "k"}},
    }
    assert api.error("UpdateConnection", body) == (
        "ValidationException",
        "The authorization parameters of authorization type API_KEY must include value.",
    )
    body["AuthParameters"] = API_KEY
    assert api.ok("UpdateConnection", body)["ConnectionState"] == "AUTHORIZED"
    described = api.ok("DescribeConnection", {"Name": "c"})
    assert described["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}


def test_deauthorize_strips_the_secrets_until_new_ones_come(api: Api) -> None:
    created = api.connection("c")
    answer = api.ok("DeauthorizeConnection", {"Name": "c"})
    assert answer["ConnectionState"] == "DEAUTHORIZING"
    assert api.ok("DescribeConnection", {"Name": "c"})["ConnectionState"] == "DEAUTHORIZED"
    assert api.stored(created["ConnectionArn"]).basic == BasicAuth("user", "")
    api.ok("UpdateConnection", {"Name": "c", "Description": "still no secret"})
    assert api.ok("DescribeConnection", {"Name": "c"})["ConnectionState"] == "DEAUTHORIZED"
    update = {"Name": "c", "AuthParameters": {"BasicAuthParameters": {"Password": "again"}}}
    assert api.ok("UpdateConnection", update)["ConnectionState"] == "AUTHORIZED"


def test_delete_answers_deleting_and_the_connection_is_gone(api: Api) -> None:
    created = api.connection("c")
    answer = api.ok("DeleteConnection", {"Name": "c"})
    assert answer["ConnectionState"] == "DELETING"
    assert answer["ConnectionArn"] == created["ConnectionArn"]
    assert api.error("DescribeConnection", {"Name": "c"})[0] == "ResourceNotFoundException"


def test_oauth_credentials_are_handed_over_to_be_authorized_at_once(api: Api) -> None:
    # AWS authorizes at CreateConnection and UpdateConnection, not at the first event.
    made = api.connection("o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=OAUTH)
    api.connection("b")  # Basic: authorized as created, nothing to fetch
    assert [c.arn for c in api.authorizing] == [made["ConnectionArn"]]
    assert api.authorizing[0].state.value == "AUTHORIZING"
    api.ok("UpdateConnection", {"Name": "o", "Description": "no new credentials"})
    assert len(api.authorizing) == 1
    secret = {"OAuthParameters": {"ClientParameters": {"ClientSecret": "new"}}}
    api.ok("UpdateConnection", {"Name": "o", "AuthParameters": secret})
    assert len(api.authorizing) == 2
    assert api.authorizing[1].oauth is not None
    assert api.authorizing[1].oauth.client_secret == "new"  # noqa: S105 - a test value
