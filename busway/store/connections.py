"""Connections and API destinations: their records and the ``ConnectionStore`` port.

A connection holds the credentials an API destination is called with, secrets included: busway
has no separate secrets manager, so the store keeps them and only the API layer decides what a
client may see (never a secret). An API destination names its connection by ARN; whether it is
ACTIVE follows from that connection's state, so it is worked out when read, never stored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from busway.model import Scope

__all__ = [
    "ApiDestination",
    "ApiKeyAuth",
    "AuthorizationType",
    "BasicAuth",
    "Connection",
    "ConnectionState",
    "ConnectionStore",
    "HttpParameterSet",
    "OAuthClientCredentials",
    "Parameter",
    "deauthorizable",
]


class AuthorizationType(enum.StrEnum):
    BASIC = "BASIC"
    OAUTH_CLIENT_CREDENTIALS = "OAUTH_CLIENT_CREDENTIALS"
    API_KEY = "API_KEY"


class ConnectionState(enum.StrEnum):
    CREATING = "CREATING"
    UPDATING = "UPDATING"
    DELETING = "DELETING"
    AUTHORIZED = "AUTHORIZED"
    DEAUTHORIZED = "DEAUTHORIZED"
    AUTHORIZING = "AUTHORIZING"
    DEAUTHORIZING = "DEAUTHORIZING"
    ACTIVE = "ACTIVE"
    FAILED_CONNECTIVITY = "FAILED_CONNECTIVITY"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One header, query-string or body parameter; a secret value is never shown to clients."""

    key: str
    value: str
    is_secret: bool = False


@dataclass(frozen=True, slots=True)
class HttpParameterSet:
    """Parameters added to every request made with a connection (or to its OAuth token call)."""

    headers: tuple[Parameter, ...] = ()
    query: tuple[Parameter, ...] = ()
    body: tuple[Parameter, ...] = ()


@dataclass(frozen=True, slots=True)
class BasicAuth:
    username: str
    password: str  # secret


@dataclass(frozen=True, slots=True)
class ApiKeyAuth:
    name: str  # the header the key is sent in
    value: str  # secret


@dataclass(frozen=True, slots=True)
class OAuthClientCredentials:
    client_id: str
    client_secret: str  # secret
    authorization_endpoint: str
    http_method: str  # GET | POST | PUT
    parameters: HttpParameterSet = HttpParameterSet()


@dataclass(frozen=True, slots=True)
class Connection:
    scope: Scope
    name: str
    arn: str
    secret_arn: str  # where AWS would keep the secrets; shown to clients instead of them
    authorization_type: AuthorizationType
    state: ConnectionState
    created_at: datetime
    modified_at: datetime
    authorized_at: datetime | None = None
    description: str | None = None
    state_reason: str | None = None
    kms_key_identifier: str | None = None
    # Exactly one of the three is set for the connection's authorization type. Deauthorizing
    # blanks the secret inside it and keeps the rest for DescribeConnection.
    basic: BasicAuth | None = None
    api_key: ApiKeyAuth | None = None
    oauth: OAuthClientCredentials | None = None
    invocation_parameters: HttpParameterSet | None = None
    # A VPC Lattice resource configuration for private endpoints: kept and echoed back only.
    connectivity_resource_arn: str | None = None


@dataclass(frozen=True, slots=True)
class ApiDestination:
    scope: Scope
    name: str
    arn: str
    connection_arn: str
    endpoint: str  # may hold '*' path placeholders
    http_method: str
    rate_limit_per_second: int
    created_at: datetime
    modified_at: datetime
    description: str | None = None


class ConnectionStore(Protocol):
    """Names are unique per scope; lists come in name order, after ``after``, at most ``limit``."""

    async def create_connection(self, connection: Connection) -> bool:
        """Store a new connection; False when the scope already has one of that name."""
        ...

    async def get_connection(self, scope: Scope, name: str) -> Connection | None: ...

    async def get_connection_by_arn(self, arn: str) -> Connection | None: ...

    async def list_connections(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        state: ConnectionState | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Connection]: ...

    async def update_connection(self, connection: Connection) -> None:
        """Replace the stored connection of that ARN; nothing happens when there is none."""
        ...

    async def mark_authorized(self, arn: str, at: datetime) -> bool:
        """AUTHORIZING becomes AUTHORIZED as of ``at``; False (and no change) from any other
        state, so a token obtained while the connection was being changed is not recorded."""
        ...

    async def mark_deauthorized(self, arn: str, modified_at: datetime) -> bool:
        """An AUTHORIZED or AUTHORIZING connection last changed at ``modified_at`` (the
        credentials an endpoint refused) becomes DEAUTHORIZED; False (and no change) when it
        changed since, so new credentials are not thrown out for the old ones' refusal."""
        ...

    async def delete_connection(self, arn: str) -> None: ...

    async def create_api_destination(self, destination: ApiDestination) -> bool:
        """Store a new API destination; False when the scope already has one of that name."""
        ...

    async def get_api_destination(self, scope: Scope, name: str) -> ApiDestination | None: ...

    async def get_api_destination_by_arn(self, arn: str) -> ApiDestination | None: ...

    async def list_api_destinations(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        connection_arn: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ApiDestination]: ...

    async def update_api_destination(self, destination: ApiDestination) -> None:
        """Replace the stored API destination of that ARN; nothing happens when there is none."""
        ...

    async def delete_api_destination(self, arn: str) -> None: ...


def deauthorizable(connection: Connection, modified_at: datetime) -> bool:
    """Whether a refusal of the credentials of ``modified_at`` deauthorizes the connection (see
    ``ConnectionStore.mark_deauthorized``)."""
    usable = connection.state in (ConnectionState.AUTHORIZED, ConnectionState.AUTHORIZING)
    return usable and connection.modified_at == modified_at
