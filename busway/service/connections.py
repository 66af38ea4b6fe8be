"""Connections: the credentials API destinations are called with (spec section 9.1).

BASIC and API_KEY connections are AUTHORIZED as soon as they hold their secret; an OAuth
connection stays AUTHORIZING until the delivery side first obtains a token with it. Deauthorizing
blanks the secrets; updating with new ones authorizes again. Secrets never leave this layer
except towards the delivery target: what clients see is decided by the API layer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from busway.arns import arn
from busway.clock import Clock
from busway.config import Settings
from busway.endpoints import endpoint_refusal
from busway.errors import ResourceAlreadyExists, ResourceNotFound, ValidationError
from busway.model import Scope
from busway.service.paging import DEFAULT_PAGE_SIZE, Page, decode_token, page_of
from busway.store.connections import (
    ApiKeyAuth,
    AuthorizationType,
    BasicAuth,
    Connection,
    ConnectionState,
    ConnectionStore,
    HttpParameterSet,
    OAuthClientCredentials,
)

__all__ = [
    "ApiKeyChange",
    "AuthChange",
    "BasicChange",
    "ConnectionService",
    "OAuthChange",
    "connection_not_found",
]


@dataclass(frozen=True, slots=True)
class BasicChange:
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True, slots=True)
class ApiKeyChange:
    name: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class OAuthChange:
    client_id: str | None = None
    client_secret: str | None = None
    authorization_endpoint: str | None = None
    http_method: str | None = None
    parameters: HttpParameterSet | None = None


@dataclass(frozen=True, slots=True)
class AuthChange:
    """The authorization a create call gives, or the part of it an update changes (None: keep)."""

    basic: BasicChange | None = None
    api_key: ApiKeyChange | None = None
    oauth: OAuthChange | None = None
    invocation_parameters: HttpParameterSet | None = None
    connectivity_resource_arn: str | None = None

    @property
    def touches_credentials(self) -> bool:
        return self.basic is not None or self.api_key is not None or self.oauth is not None


@dataclass(frozen=True, slots=True)
class _Credentials:
    """The credential members of a connection: the one of its authorization type is set."""

    basic: BasicAuth | None = None
    api_key: ApiKeyAuth | None = None
    oauth: OAuthClientCredentials | None = None


def connection_not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(
        f"Failed to describe the connection(s). Connection '{name}' does not exist."
    )


class ConnectionService:
    def __init__(
        self,
        store: ConnectionStore,
        clock: Clock,
        settings: Settings,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        *,
        authorize: Callable[[Connection], None] | None = None,
    ) -> None:
        """``authorize`` is told of a connection left AUTHORIZING (OAuth credentials, new or
        changed), to fetch its token now, as AWS authorizes at CreateConnection and
        UpdateConnection rather than at the first event."""
        self._store = store
        self._clock = clock
        self._settings = settings
        self._new_id = new_id
        self._on_authorizing = authorize

    async def create(
        self,
        scope: Scope,
        name: str,
        authorization_type: AuthorizationType,
        auth: AuthChange,
        *,
        description: str | None = None,
        kms_key_identifier: str | None = None,
    ) -> Connection:
        credentials = self._credentials(authorization_type, auth, None)
        now = self._clock.now()
        connection_id = self._new_id()
        suffix = self._new_id().replace("-", "")[:6]
        connection = Connection(
            scope=scope,
            name=name,
            arn=arn(scope, "events", f"connection/{name}/{connection_id}"),
            secret_arn=arn(
                scope,
                "secretsmanager",
                f"secret:events!connection/{name}/{connection_id}-{suffix}",
            ),
            authorization_type=authorization_type,
            state=ConnectionState.AUTHORIZING,
            created_at=now,
            modified_at=now,
            description=description,
            kms_key_identifier=kms_key_identifier,
            invocation_parameters=auth.invocation_parameters,
            connectivity_resource_arn=auth.connectivity_resource_arn,
            basic=credentials.basic,
            api_key=credentials.api_key,
            oauth=credentials.oauth,
        )
        connection = _authorize(connection, now)
        if not await self._store.create_connection(connection):
            raise ResourceAlreadyExists(f"Connection {name} already exists.")
        self._authorize_soon(connection)
        return connection

    def _authorize_soon(self, connection: Connection) -> None:
        if self._on_authorizing is not None and connection.state is ConnectionState.AUTHORIZING:
            self._on_authorizing(connection)

    async def get(self, scope: Scope, name: str) -> Connection:
        connection = await self._store.get_connection(scope, name)
        if connection is None:
            raise connection_not_found(name)
        return connection

    async def list(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        state: ConnectionState | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> Page[Connection]:
        after = decode_token(next_token)
        size = limit or DEFAULT_PAGE_SIZE
        fetched = await self._store.list_connections(
            scope, prefix=prefix, state=state, after=after, limit=size + 1
        )
        return page_of(fetched, size, lambda connection: connection.name)

    async def update(
        self,
        scope: Scope,
        name: str,
        *,
        authorization_type: AuthorizationType | None = None,
        auth: AuthChange | None = None,
        description: str | None = None,
        kms_key_identifier: str | None = None,
    ) -> Connection:
        """Change what is given. New credentials (or a new type) authorize the connection anew."""
        current = await self.get(scope, name)
        auth = auth or AuthChange()
        kind = authorization_type or current.authorization_type
        now = self._clock.now()
        updated = replace(
            current,
            authorization_type=kind,
            modified_at=now,
            description=current.description if description is None else description,
            kms_key_identifier=(
                current.kms_key_identifier if kms_key_identifier is None else kms_key_identifier
            ),
            invocation_parameters=(
                current.invocation_parameters
                if auth.invocation_parameters is None
                else auth.invocation_parameters
            ),
            connectivity_resource_arn=(
                current.connectivity_resource_arn
                if auth.connectivity_resource_arn is None
                else auth.connectivity_resource_arn
            ),
        )
        new_credentials = auth.touches_credentials or kind is not current.authorization_type
        if new_credentials:
            keep = current if kind is current.authorization_type else None
            credentials = self._credentials(kind, auth, keep)
            updated = replace(
                updated,
                basic=credentials.basic,
                api_key=credentials.api_key,
                oauth=credentials.oauth,
                state=ConnectionState.AUTHORIZING,
            )
            updated = _authorize(updated, now)
        await self._store.update_connection(updated)
        if new_credentials:
            self._authorize_soon(updated)
        return updated

    async def deauthorize(self, scope: Scope, name: str) -> Connection:
        """Blank the secrets; answered as AWS answers, mid-way (DEAUTHORIZING)."""
        current = await self.get(scope, name)
        stripped = replace(
            current,
            state=ConnectionState.DEAUTHORIZED,
            modified_at=self._clock.now(),
            basic=None if current.basic is None else replace(current.basic, password=""),
            api_key=None if current.api_key is None else replace(current.api_key, value=""),
            oauth=None if current.oauth is None else replace(current.oauth, client_secret=""),
        )
        await self._store.update_connection(stripped)
        return replace(stripped, state=ConnectionState.DEAUTHORIZING)

    async def delete(self, scope: Scope, name: str) -> Connection:
        """Delete at once; answered as AWS answers, mid-way (DELETING). API destinations that
        use the connection stay, INACTIVE, and their deliveries fail until it is replaced."""
        current = await self.get(scope, name)
        await self._store.delete_connection(current.arn)
        return replace(current, state=ConnectionState.DELETING)

    def _credentials(
        self, kind: AuthorizationType, auth: AuthChange, current: Connection | None
    ) -> _Credentials:
        """The connection's credential members for ``kind``: ``auth`` over ``current``'s."""
        given = {
            AuthorizationType.BASIC: auth.basic,
            AuthorizationType.API_KEY: auth.api_key,
            AuthorizationType.OAUTH_CLIENT_CREDENTIALS: auth.oauth,
        }
        others = [other for other, block in given.items() if block is not None and other != kind]
        if others:
            raise ValidationError(
                f"Only the authorization parameters of authorization type {kind.value} "
                f"may be given, not those of {others[0].value}."
            )
        if kind is AuthorizationType.BASIC:
            return _Credentials(basic=_basic(auth.basic, current.basic if current else None))
        if kind is AuthorizationType.API_KEY:
            return _Credentials(
                api_key=_api_key(auth.api_key, current.api_key if current else None)
            )
        oauth = _oauth(auth.oauth, current.oauth if current else None)
        refusal = endpoint_refusal(
            oauth.authorization_endpoint, allow_http=self._settings.allow_http_endpoints
        )
        if refusal is not None:
            raise ValidationError(refusal)
        return _Credentials(oauth=oauth)


def _authorize(connection: Connection, now: datetime) -> Connection:
    """The state fresh credentials put a connection in: AUTHORIZED when it can be used as is,
    AUTHORIZING while an OAuth token is still to be fetched, DEAUTHORIZED without a secret."""
    secret = {
        AuthorizationType.BASIC: connection.basic and connection.basic.password,
        AuthorizationType.API_KEY: connection.api_key and connection.api_key.value,
        AuthorizationType.OAUTH_CLIENT_CREDENTIALS: (
            connection.oauth and connection.oauth.client_secret
        ),
    }[connection.authorization_type]
    if not secret:
        return replace(connection, state=ConnectionState.DEAUTHORIZED)
    if connection.authorization_type is AuthorizationType.OAUTH_CLIENT_CREDENTIALS:
        return replace(connection, state=ConnectionState.AUTHORIZING)
    return replace(connection, state=ConnectionState.AUTHORIZED, authorized_at=now)


def _pick(given: str | None, kept: str | None) -> str | None:
    return kept if given is None else given


def _require(kind: AuthorizationType, **members: str | None) -> dict[str, str]:
    absent = [name for name, value in members.items() if value is None]
    if absent:
        raise ValidationError(
            f"The authorization parameters of authorization type {kind.value} "
            f"must include {', '.join(absent)}."
        )
    return {name: value for name, value in members.items() if value is not None}


def _basic(change: BasicChange | None, current: BasicAuth | None) -> BasicAuth:
    change = change or BasicChange()
    values = _require(
        AuthorizationType.BASIC,
        username=_pick(change.username, current.username if current else None),
        password=_pick(change.password, current.password if current else None),
    )
    return BasicAuth(**values)


def _api_key(change: ApiKeyChange | None, current: ApiKeyAuth | None) -> ApiKeyAuth:
    change = change or ApiKeyChange()
    values = _require(
        AuthorizationType.API_KEY,
        name=_pick(change.name, current.name if current else None),
        value=_pick(change.value, current.value if current else None),
    )
    return ApiKeyAuth(**values)


def _oauth(
    change: OAuthChange | None, current: OAuthClientCredentials | None
) -> OAuthClientCredentials:
    change = change or OAuthChange()
    values = _require(
        AuthorizationType.OAUTH_CLIENT_CREDENTIALS,
        client_id=_pick(change.client_id, current.client_id if current else None),
        client_secret=_pick(change.client_secret, current.client_secret if current else None),
        authorization_endpoint=_pick(
            change.authorization_endpoint, current.authorization_endpoint if current else None
        ),
        http_method=_pick(change.http_method, current.http_method if current else None),
    )
    if change.parameters is not None:
        parameters = change.parameters
    else:
        parameters = current.parameters if current else HttpParameterSet()
    return OAuthClientCredentials(**values, parameters=parameters)
