"""``ApiDestinationTarget``: delivers events to API destinations over HTTP (spec 9.2 and 6.4).

One pooled ``httpx.AsyncClient`` serves every destination, with AWS's 5-second timeout per
request. 2xx is delivered; 429 and 5xx, timeouts and connection failures are worth retrying
(``Retry-After`` is passed on); other statuses are not. OAuth tokens are fetched with the
connection's client credentials, cached until they expire, and fetched anew once when the
endpoint answers 401 or 407. Secrets never reach the log.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final
from urllib.parse import urlencode

import httpx

from busway import jsontext
from busway.clock import Clock, SystemClock
from busway.delivery.target import Invocation, Outcome
from busway.delivery.targets.http_request import (
    HttpRequest,
    RequestRefused,
    basic_credentials,
    build_request,
)
from busway.delivery.targets.rate_limit import RateLimiter
from busway.endpoints import endpoint_refusal
from busway.store.connections import (
    ApiDestination,
    Connection,
    ConnectionState,
    ConnectionStore,
    OAuthClientCredentials,
)

__all__ = ["ApiDestinationTarget", "retry_after_seconds"]

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS: Final = 5.0  # AWS's client timeout for API destinations
_MAX_RESPONSE_BYTES: Final = 1024 * 1024  # read (then drop) at most what Range asks for
# A token this close to its expiry is fetched anew rather than sent.
_TOKEN_MARGIN: Final = timedelta(seconds=10)
_UNUSABLE: Final = frozenset(
    {ConnectionState.DEAUTHORIZED, ConnectionState.DEAUTHORIZING, ConnectionState.DELETING}
)


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: datetime | None  # None: until the endpoint refuses it
    connection_modified_at: datetime  # a changed connection needs a new token


class ApiDestinationTarget:
    def __init__(
        self,
        store: ConnectionStore,
        *,
        allow_http: bool = False,
        clock: Clock | None = None,
        rate_limiter: RateLimiter | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        max_connections: int = 256,
    ) -> None:
        self._store = store
        self._allow_http = allow_http
        self._clock = clock or SystemClock()
        self._limiter = rate_limiter or RateLimiter()
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections // 4
        )
        # trust_env=False: proxy variables meant for the operator's shell must not reroute
        # deliveries; redirects are answers (3xx is a failure), not something to follow.
        self._client = httpx.AsyncClient(
            timeout=timeout, limits=limits, follow_redirects=False, trust_env=False
        )
        self._tokens: dict[str, _Token] = {}  # by connection ARN
        self._token_locks: dict[str, asyncio.Lock] = {}

    async def close(self) -> None:
        await self._client.aclose()

    async def invoke(self, invocation: Invocation) -> Outcome:
        found = await self._resources(invocation.target.arn)
        if isinstance(found, Outcome):
            return found
        destination, connection = found
        refusal = endpoint_refusal(destination.endpoint, allow_http=self._allow_http)
        if refusal is not None:
            return Outcome.failure("INVALID_PARAMETER", refusal, retryable=False)
        try:
            request = build_request(destination, connection, invocation)
        except RequestRefused as exc:
            return Outcome.failure("INVALID_PARAMETER", str(exc), retryable=False)
        rate = destination.rate_limit_per_second
        if await self._limiter.acquire(destination.arn, rate) is None:
            return Outcome.failure(
                "THROTTLING",
                f"The invocation rate limit of {rate} per second was reached.",
                retryable=True,
                retry_after_seconds=self._limiter.retry_after(destination.arn),
            )
        if connection.oauth is None:
            return await self._send(request)
        return await self._send_with_token(request, connection, connection.oauth)

    async def _resources(self, arn: str) -> tuple[ApiDestination, Connection] | Outcome:
        destination = await self._store.get_api_destination_by_arn(arn)
        if destination is None:
            return Outcome.failure(
                "NO_RESOURCE", f"API destination {arn} does not exist.", retryable=False
            )
        connection = await self._store.get_connection_by_arn(destination.connection_arn)
        if connection is None:
            message = f"Connection {destination.connection_arn} does not exist."
            return Outcome.failure("NO_RESOURCE", message, retryable=False)
        if connection.state in _UNUSABLE:
            message = f"Connection {connection.name} is {connection.state.value}."
            return Outcome.failure("NO_PERMISSIONS", message, retryable=False)
        return destination, connection

    async def _send_with_token(
        self, request: HttpRequest, connection: Connection, oauth: OAuthClientCredentials
    ) -> Outcome:
        for fresh in (False, True):
            token = await self._token(connection, oauth, fresh=fresh)
            if isinstance(token, Outcome):
                return token
            request.set_header("Authorization", f"Bearer {token}")
            outcome, status = await self._exchange(request)
            if status not in (401, 407):
                return outcome
        return outcome  # refused even with a token fetched just now

    async def _send(self, request: HttpRequest) -> Outcome:
        outcome, _ = await self._exchange(request)
        return outcome

    async def _exchange(self, request: HttpRequest) -> tuple[Outcome, int | None]:
        """Send once; the outcome and the status the endpoint answered (None: no answer)."""
        try:
            async with self._client.stream(
                request.method, request.url, headers=request.header_list(), content=request.content
            ) as response:
                await _drain(response)
        except httpx.TimeoutException:
            message = f"The endpoint did not answer within {REQUEST_TIMEOUT_SECONDS:g} seconds."
            return Outcome.failure("TIMEOUT", message, retryable=True), None
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL) as exc:
            return Outcome.failure("INVALID_PARAMETER", _describe(exc), retryable=False), None
        except httpx.TransportError as exc:
            return Outcome.failure("CONNECTION_FAILURE", _describe(exc), retryable=True), None
        log.debug("%s %s answered %s", request.method, request.url, response.status_code)
        return self._outcome(response), response.status_code

    def _outcome(self, response: httpx.Response) -> Outcome:
        status = response.status_code
        if 200 <= status < 300:
            return Outcome.success()
        message = f"Unable to invoke ApiDestination endpoint: the endpoint answered {status}."
        if status != 429 and status < 500:
            return Outcome.failure("ERROR_FROM_TARGET", message, retryable=False)
        code = "THROTTLING" if status == 429 else "ERROR_FROM_TARGET"
        after = retry_after_seconds(response.headers.get("Retry-After"), self._clock.now())
        if after is not None and after < 0:  # AWS: a negative Retry-After stops retrying
            return Outcome.failure(code, message, retryable=False)
        return Outcome.failure(code, message, retryable=True, retry_after_seconds=after)

    # --- OAuth client credentials ----------------------------------------------------------------
    async def _token(
        self, connection: Connection, oauth: OAuthClientCredentials, *, fresh: bool
    ) -> str | Outcome:
        lock = self._token_locks.setdefault(connection.arn, asyncio.Lock())
        async with lock:  # one token request per connection at a time, not one per event
            cached = self._tokens.get(connection.arn)
            if not fresh and cached is not None and self._usable(cached, connection):
                return cached.value
            fetched = await self._fetch_token(connection, oauth)
            if isinstance(fetched, Outcome):
                return fetched
            self._tokens[connection.arn] = fetched
            return fetched.value

    def _usable(self, token: _Token, connection: Connection) -> bool:
        if token.connection_modified_at != connection.modified_at:
            return False
        return token.expires_at is None or self._clock.now() + _TOKEN_MARGIN < token.expires_at

    async def _fetch_token(
        self, connection: Connection, oauth: OAuthClientCredentials
    ) -> _Token | Outcome:
        refusal = endpoint_refusal(oauth.authorization_endpoint, allow_http=self._allow_http)
        if refusal is not None:
            return Outcome.failure("INVALID_PARAMETER", refusal, retryable=False)
        request = _token_request(oauth)
        try:
            response = await self._client.request(
                request.method, request.url, headers=request.header_list(), content=request.content
            )
        except httpx.TimeoutException:
            return Outcome.failure("TIMEOUT", "The OAuth endpoint did not answer.", retryable=True)
        except httpx.HTTPError as exc:
            return Outcome.failure("CONNECTION_FAILURE", _describe(exc), retryable=True)
        if response.status_code == 429 or response.status_code >= 500:
            return self._outcome(response)
        now = self._clock.now()
        token = _parse_token(response, now, connection.modified_at)
        if token is None:
            message = f"The OAuth endpoint answered {response.status_code} without a token."
            return Outcome.failure("NO_PERMISSIONS", message, retryable=False)
        if connection.state is ConnectionState.AUTHORIZING:
            await self._store.mark_authorized(connection.arn, now)
        return token


def _token_request(oauth: OAuthClientCredentials) -> HttpRequest:
    """The client-credentials request: client id and secret as Basic credentials, the
    connection's OAuth parameters as headers, query and (form-encoded) body."""
    parameters = oauth.parameters
    query = [(p.key, p.value) for p in parameters.query]
    form = [(p.key, p.value) for p in parameters.body]
    if oauth.http_method == "GET":
        query, form = query + form, []
    url = oauth.authorization_endpoint
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)
    content = urlencode(form).encode("ascii") if form else None
    request = HttpRequest(oauth.http_method, url, content)
    request.set_header("Accept", "application/json")
    if content is not None:
        request.set_header("Content-Type", "application/x-www-form-urlencoded")
    for parameter in parameters.headers:
        request.set_header(parameter.key, parameter.value)
    request.set_header("Authorization", basic_credentials(oauth.client_id, oauth.client_secret))
    return request


def _parse_token(response: httpx.Response, now: datetime, version: datetime) -> _Token | None:
    if not 200 <= response.status_code < 300:
        return None
    try:
        document = jsontext.loads(response.content)
    except (jsontext.JSONDecodeError, ValueError):
        return None
    value = document.get("access_token") if isinstance(document, dict) else None
    if not isinstance(value, str) or not value:
        return None
    lifetime = document.get("expires_in")
    expires_at = None
    if isinstance(lifetime, int | float) and not isinstance(lifetime, bool):
        expires_at = now + timedelta(seconds=float(lifetime))
    return _Token(value, expires_at, version)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A ``Retry-After`` header in seconds: delta-seconds as given (negative too), an HTTP date
    as the time until it (0 once past); None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # "-0000": UTC with no claim about local time
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


async def _drain(response: httpx.Response) -> None:
    """Read the answer (bounded) so the connection can be reused; its content is not needed."""
    received = 0
    async for chunk in response.aiter_raw():
        received += len(chunk)
        if received >= _MAX_RESPONSE_BYTES:
            break


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
