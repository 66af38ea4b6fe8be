"""CreateConnection, DescribeConnection, ListConnections, UpdateConnection, DeleteConnection,
DeauthorizeConnection, and the connection structures on the wire.

Secrets (Password, ApiKeyValue, ClientSecret, parameter values marked IsValueSecret) are read
here and never written back: DescribeConnection shows SecretArn in their place, as AWS does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.events.members import (
    HEADER_KEY_PATTERN,
    HEADER_VALUE_PATTERN,
    NAME_CHARS,
    checked,
    epoch,
    header_value_fits,
    optional,
    read_limit,
    read_next_token,
    with_next_token,
)
from busway.api.request import Request
from busway.errors import ValidationError
from busway.service.connections import (
    ApiKeyChange,
    AuthChange,
    BasicChange,
    ConnectionService,
    OAuthChange,
)
from busway.store.connections import (
    AuthorizationType,
    Connection,
    ConnectionState,
    HttpParameterSet,
    Parameter,
)

__all__ = [
    "HTTPS_ENDPOINT",
    "connection_operations",
    "read_connection_arn",
    "timestamps_out",
]

_AUTH_TYPES: Final = tuple(kind.value for kind in AuthorizationType)
_STATES: Final = tuple(state.value for state in ConnectionState)
_OAUTH_METHODS: Final = ("GET", "POST", "PUT")
_KMS_KEY: Final = r"^[a-zA-Z0-9_\-/:]*$"
HTTPS_ENDPOINT: Final = r"^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$"
_CONNECTION_ARN: Final = (
    r"^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection\/"
    r"[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$"
)
_RESOURCE_CONFIGURATION_ARN: Final = (
    r"^(?:^arn:[a-z0-9\-]+:vpc-lattice:[a-zA-Z0-9\-]+:\d{12}:resourceconfiguration/"
    r"rcfg-[0-9a-z]{17}$|^$)"
)
# The model's pattern for this overlaps (a space matches both alternatives), which makes a
# regular-expression engine backtrack exponentially on a long failing value. It is reported as
# AWS reports it, but checked by the equivalent ``_auth_value_fits`` below.
_AUTH_VALUE: Final = r"^[ \t]*[^\x00-\x1F:\x7F]+([ \t]+[^\x00-\x1F:\x7F]+)*[ \t]*$"
_QUERY_KEY: Final = r"[^\x00-\x1F\x7F]+"
_QUERY_VALUE: Final = r"[^\x00-\x09\x0B\x0C\x0E-\x1F\x7F]+"


def _auth_value_fits(value: str) -> bool:
    """``_AUTH_VALUE``: no control character but tab, no ':', and not only tabs."""
    allowed = all(char == "\t" or (" " <= char != ":" and char != "\x7f") for char in value)
    return allowed and value.strip("\t") != ""


def connection_operations(connections: ConnectionService) -> dict[str, Handler]:
    async def create_connection(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _read_name(request)
        description = request.string("Description", max_len=512)
        kind = request.string("AuthorizationType", required=True, enum=_AUTH_TYPES)
        parameters = request.struct("AuthParameters", required=True)
        auth = _read_auth(request, parameters, creating=True)
        kms_key = request.string("KmsKeyIdentifier", max_len=2048, pattern=_KMS_KEY)
        request.check()
        connection = await connections.create(
            context.scope,
            checked(name),
            AuthorizationType(checked(kind)),
            auth,
            description=description,
            kms_key_identifier=kms_key,
        )
        return {
            "ConnectionArn": connection.arn,
            "ConnectionState": connection.state.value,
            **timestamps_out(connection.created_at, connection.modified_at),
        }

    async def describe_connection(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _read_name(request)
        request.check()
        return _describe_out(await connections.get(context.scope, checked(name)))

    async def list_connections(context: RequestContext, request: Request) -> dict[str, Any]:
        prefix = request.string("NamePrefix", min_len=1, max_len=64, pattern=NAME_CHARS)
        state = request.string("ConnectionState", enum=_STATES)
        next_token = read_next_token(request)
        limit = read_limit(request)
        request.check()
        page = await connections.list(
            context.scope,
            prefix=prefix,
            state=None if state is None else ConnectionState(state),
            next_token=next_token,
            limit=limit,
        )
        return with_next_token({"Connections": [_summary_out(c) for c in page.items]}, page)

    async def update_connection(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _read_name(request)
        description = request.string("Description", max_len=512)
        kind = request.string("AuthorizationType", enum=_AUTH_TYPES)
        parameters = request.struct("AuthParameters")
        auth = _read_auth(request, parameters, creating=False)
        kms_key = request.string("KmsKeyIdentifier", max_len=2048, pattern=_KMS_KEY)
        request.check()
        connection = await connections.update(
            context.scope,
            checked(name),
            authorization_type=None if kind is None else AuthorizationType(kind),
            auth=auth,
            description=description,
            kms_key_identifier=kms_key,
        )
        return _state_out(connection)

    async def delete_connection(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _read_name(request)
        request.check()
        return _state_out(await connections.delete(context.scope, checked(name)))

    async def deauthorize_connection(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _read_name(request)
        request.check()
        return _state_out(await connections.deauthorize(context.scope, checked(name)))

    return {
        "CreateConnection": create_connection,
        "DescribeConnection": describe_connection,
        "ListConnections": list_connections,
        "UpdateConnection": update_connection,
        "DeleteConnection": delete_connection,
        "DeauthorizeConnection": deauthorize_connection,
    }


def read_connection_arn(request: Request, *, required: bool = False) -> str | None:
    return request.string(
        "ConnectionArn", required=required, min_len=1, max_len=1600, pattern=_CONNECTION_ARN
    )


def timestamps_out(created: datetime, modified: datetime) -> dict[str, Any]:
    return {"CreationTime": epoch(created), "LastModifiedTime": epoch(modified)}


def _read_name(request: Request) -> str | None:
    return request.string("Name", required=True, min_len=1, max_len=64, pattern=NAME_CHARS)


def _checked_by(
    request: Request,
    name: str,
    fits: Callable[[str], bool],
    pattern: str,
    *,
    required: bool = False,
    min_len: int | None = None,
    max_len: int = 512,
) -> str | None:
    """A string member whose model pattern is checked by the predicate ``fits``."""
    value = request.string(name, required=required, min_len=min_len, max_len=max_len)
    if value is not None and not fits(value):
        # Request keeps member paths to itself; this is the same lowerCamelCase path.
        path = request.member_path(name)
        request.violations.add(
            value, path, f"Member must satisfy regular expression pattern: {pattern}"
        )
    return value


def _auth_string(request: Request, name: str, *, required: bool) -> str | None:
    return _checked_by(request, name, _auth_value_fits, _AUTH_VALUE, required=required, min_len=1)


def _read_auth(request: Request, parameters: Request | None, *, creating: bool) -> AuthChange:
    connectivity = _read_connectivity(request, "InvocationConnectivityParameters")
    if parameters is None:
        return AuthChange(connectivity_resource_arn=connectivity)
    if _read_connectivity(parameters, "ConnectivityParameters") is not None:
        raise ValidationError(
            "Private OAuth endpoints (AuthParameters.ConnectivityParameters) are not supported."
        )
    return AuthChange(
        basic=_read_basic(parameters, creating),
        api_key=_read_api_key(parameters, creating),
        oauth=_read_oauth(parameters, creating),
        invocation_parameters=_read_parameter_set(parameters, "InvocationHttpParameters"),
        connectivity_resource_arn=connectivity,
    )


def _read_basic(parameters: Request, creating: bool) -> BasicChange | None:
    block = parameters.struct("BasicAuthParameters")
    if block is None:
        return None
    return BasicChange(
        username=_auth_string(block, "Username", required=creating),
        password=_auth_string(block, "Password", required=creating),
    )


def _read_api_key(parameters: Request, creating: bool) -> ApiKeyChange | None:
    block = parameters.struct("ApiKeyAuthParameters")
    if block is None:
        return None
    return ApiKeyChange(
        name=_auth_string(block, "ApiKeyName", required=creating),
        value=_auth_string(block, "ApiKeyValue", required=creating),
    )


def _read_oauth(parameters: Request, creating: bool) -> OAuthChange | None:
    block = parameters.struct("OAuthParameters")
    if block is None:
        return None
    client = block.struct("ClientParameters", required=creating)
    return OAuthChange(
        client_id=None if client is None else _auth_string(client, "ClientID", required=creating),
        client_secret=(
            None if client is None else _auth_string(client, "ClientSecret", required=creating)
        ),
        authorization_endpoint=block.string(
            "AuthorizationEndpoint",
            required=creating,
            min_len=1,
            max_len=2048,
            pattern=HTTPS_ENDPOINT,
        ),
        http_method=block.string("HttpMethod", required=creating, enum=_OAUTH_METHODS),
        parameters=_read_parameter_set(block, "OAuthHttpParameters"),
    )


def _read_connectivity(request: Request, name: str) -> str | None:
    block = request.struct(name)
    if block is None:
        return None
    resource = block.struct("ResourceParameters", required=True)
    if resource is None:
        return None
    return resource.string(
        "ResourceConfigurationArn",
        required=True,
        max_len=2048,
        pattern=_RESOURCE_CONFIGURATION_ARN,
    )


def _read_parameter_set(request: Request, name: str) -> HttpParameterSet | None:
    block = request.struct(name)
    if block is None:
        return None
    headers = [
        _read_parameter(
            item,
            lambda key: key.string("Key", max_len=512, pattern=HEADER_KEY_PATTERN),
            lambda value: _checked_by(value, "Value", header_value_fits, HEADER_VALUE_PATTERN),
        )
        for item in block.structs("HeaderParameters", max_items=100)
    ]
    query = [
        _read_parameter(
            item,
            lambda key: key.string("Key", max_len=512, pattern=_QUERY_KEY),
            lambda value: value.string("Value", max_len=512, pattern=_QUERY_VALUE),
        )
        for item in block.structs("QueryStringParameters", max_items=100)
    ]
    body = [
        _read_parameter(item, lambda key: key.string("Key"), lambda value: value.string("Value"))
        for item in block.structs("BodyParameters", max_items=100)
    ]
    return HttpParameterSet(
        headers=tuple(p for p in headers if p is not None),
        query=tuple(p for p in query if p is not None),
        body=tuple(p for p in body if p is not None),
    )


def _read_parameter(
    item: Request,
    read_key: Callable[[Request], str | None],
    read_value: Callable[[Request], str | None],
) -> Parameter | None:
    """One ``{Key, Value, IsValueSecret}``; a parameter without key or value cannot be sent,
    so either missing is reported (the model leaves them optional, the service needs them)."""
    key, value = read_key(item), read_value(item)
    is_secret = item.boolean("IsValueSecret") or False
    if key is None:
        item.string("Key", required=True)
    if value is None:
        item.string("Value", required=True)
    if key is None or value is None:
        return None
    return Parameter(key, value, is_secret)


def _parameters_out(parameters: HttpParameterSet | None) -> dict[str, Any] | None:
    if parameters is None:
        return None

    def listed(items: tuple[Parameter, ...]) -> list[dict[str, Any]]:
        # A secret value is never shown; its key and the fact that it is secret are.
        return [
            {
                "Key": p.key,
                "IsValueSecret": p.is_secret,
                **({} if p.is_secret else {"Value": p.value}),
            }
            for p in items
        ]

    return optional(
        HeaderParameters=listed(parameters.headers) or None,
        QueryStringParameters=listed(parameters.query) or None,
        BodyParameters=listed(parameters.body) or None,
    )


def _auth_out(connection: Connection) -> dict[str, Any]:
    basic, api_key, oauth = connection.basic, connection.api_key, connection.oauth
    return optional(
        BasicAuthParameters=None if basic is None else {"Username": basic.username},
        ApiKeyAuthParameters=None if api_key is None else {"ApiKeyName": api_key.name},
        OAuthParameters=None
        if oauth is None
        else optional(
            ClientParameters={"ClientID": oauth.client_id},
            AuthorizationEndpoint=oauth.authorization_endpoint,
            HttpMethod=oauth.http_method,
            OAuthHttpParameters=_parameters_out(oauth.parameters) or None,
        ),
        InvocationHttpParameters=_parameters_out(connection.invocation_parameters),
    )


def _summary_out(connection: Connection) -> dict[str, Any]:
    """The ``Connection`` structure of ListConnections."""
    authorized_at = connection.authorized_at
    if authorized_at is None and connection.state is ConnectionState.AUTHORIZING:
        # AWS shows a time while an OAuth connection is still authorizing (recorded by
        # LocalStack's AWS-validated connection tests); the change that started it stands in.
        authorized_at = connection.modified_at
    return optional(
        ConnectionArn=connection.arn,
        Name=connection.name,
        ConnectionState=connection.state.value,
        StateReason=connection.state_reason,
        AuthorizationType=connection.authorization_type.value,
        CreationTime=epoch(connection.created_at),
        LastModifiedTime=epoch(connection.modified_at),
        LastAuthorizedTime=_maybe_epoch(authorized_at),
    )


def _describe_out(connection: Connection) -> dict[str, Any]:
    connectivity = connection.connectivity_resource_arn
    return {
        **_summary_out(connection),
        **optional(
            Description=connection.description,
            SecretArn=connection.secret_arn,
            KmsKeyIdentifier=connection.kms_key_identifier,
            AuthParameters=_auth_out(connection),
            InvocationConnectivityParameters=None
            if connectivity is None
            else {"ResourceParameters": {"ResourceConfigurationArn": connectivity}},
        ),
    }


def _state_out(connection: Connection) -> dict[str, Any]:
    """What UpdateConnection, DeleteConnection and DeauthorizeConnection answer."""
    return optional(
        ConnectionArn=connection.arn,
        ConnectionState=connection.state.value,
        CreationTime=epoch(connection.created_at),
        LastModifiedTime=epoch(connection.modified_at),
        LastAuthorizedTime=_maybe_epoch(connection.authorized_at),
    )


def _maybe_epoch(moment: datetime | None) -> int | float | None:
    return None if moment is None else epoch(moment)
