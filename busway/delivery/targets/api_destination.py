"""``ApiDestinationTarget``: delivers events to API destinations over HTTP (spec 9.2 and 6.4).

One pooled ``HttpClient`` (busway.delivery.http_client) serves every destination, with AWS's
5-second total timeout per request. It is created lazily, inside the running event loop (its
connections belong to the loop they were made in), and closed by ``close()``. 2xx is
delivered; 429 and 5xx, timeouts and connection failures are worth retrying (``Retry-After`` is
passed on); other statuses, redirects included (they are never followed), are not. OAuth
tokens are fetched with the connection's client credentials, cached until they expire, and
fetched anew once when the endpoint answers 401 or 407. Secrets never reach the log.

As AWS documents (the user guide's "Connection deauthorization"), a connection is
deauthorized when its credentials are refused: a 401 or 407 from the endpoint for a Basic or
API key connection, an OAuth endpoint that gives no token for an OAuth one. Its destinations
are then INACTIVE and their deliveries fail until UpdateConnection gives new credentials (a
refusal of credentials that were changed meanwhile deauthorizes nothing).

Staleness: the API destination and its connection are read from the store at most once per
``resource_ttl`` (1 second by default) per destination, not on every invocation. A change to
either (endpoint, method, rate limit, credentials, a deauthorized or deleted connection) may
therefore take up to that long to apply to deliveries; EventBridge itself applies configuration
changes eventually (spec 2.5, 6.1). A lookup that fails (the destination or its connection is
missing, or the connection cannot be used) is remembered for a tenth of that at most.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final
from urllib.parse import urlencode

from busway import jsontext
from busway.clock import Clock, SystemClock
from busway.delivery.http_client import (
    HttpClient,
    HttpError,
    HttpTimeout,
    InvalidRequest,
    Response,
)
from busway.delivery.target import Invocation, Outcome
from busway.delivery.targets.http_request import (
    FIXED_HEADERS,
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
RESOURCE_TTL_SECONDS: Final = 1.0  # how stale a destination or connection may be (see above)
_FAILED_LOOKUP_SHARE: Final = 0.1  # a failed lookup is kept for this share of the TTL
_MAX_CACHED_RESOURCES: Final = 4096  # destinations remembered at once
_MAX_RESPONSE_BYTES: Final = 1024 * 1024  # read (then drop) at most what Range asks for
# A token this close to its expiry is fetched anew rather than sent.
_TOKEN_MARGIN: Final = timedelta(seconds=10)
_UNUSABLE: Final = frozenset(
    {ConnectionState.DEAUTHORIZED, ConnectionState.DEAUTHORIZING, ConnectionState.DELETING}
)
# The client adds only Host and Content-Length; busway sends AWS's values (FIXED_HEADERS) or,
# for a token request, what it sets. Accept: */* is what busway sent before (aiohttp's default).
# AWS also sends Connection: close (spec 9.2); busway does not: it keeps connections to an
# endpoint alive and reuses them, which is most of what makes deliveries fast.
_ACCEPT: Final = ("Accept", "*/*")
_USER_AGENT: Final = FIXED_HEADERS["User-Agent"]


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: datetime | None  # None: until the endpoint refuses it
    connection_modified_at: datetime  # a changed connection needs a new token


@dataclass(slots=True)
class _Cached:
    """A store lookup for one destination ARN, usable until ``expires`` (monotonic seconds):
    the destination and its connection, or why it cannot be delivered to."""

    expires: float
    found: tuple[ApiDestination, Connection] | Outcome
    # The request for a target without HttpParameters, the payload aside: it is the same for
    # every such invocation unless the connection adds body parameters (see _request).
    template: HttpRequest | None = None


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
        resource_ttl: float = RESOURCE_TTL_SECONDS,
    ) -> None:
        self._store = store
        self._allow_http = allow_http
        self._clock = clock or SystemClock()
        self._limiter = rate_limiter or RateLimiter()
        self._timeout = timeout
        self._max_connections = max_connections
        self._resource_ttl = resource_ttl
        self._http: HttpClient | None = None  # made in the running loop
        self._resources: dict[str, _Cached] = {}  # by destination ARN
        self._tokens: dict[str, _Token] = {}  # by connection ARN
        self._token_locks: dict[str, asyncio.Lock] = {}

    def _client(self) -> HttpClient:
        client = self._http
        if client is None:
            # The client uses no proxy (variables meant for the operator's shell must not
            # reroute deliveries), follows no redirect (a 3xx is an answer, and a failure),
            # keeps no cookies (endpoints must not share them) and decodes no body.
            client = self._http = HttpClient(
                max_connections=self._max_connections,  # the total limit is the only one
                timeout=self._timeout,
            )
        return client

    async def close(self) -> None:
        """Close the pooled connections; idempotent (a later invocation opens a new pool)."""
        client, self._http = self._http, None
        if client is not None:
            await client.close()

    async def invoke(self, invocation: Invocation) -> Outcome:
        arn = invocation.target.arn
        cached = self._resources.get(arn)
        if cached is None or cached.expires <= time.monotonic():
            cached = await self._lookup(arn)
        found = cached.found
        if isinstance(found, Outcome):
            return found
        destination, connection = found
        try:
            request = _request(cached, destination, connection, invocation)
        except RequestRefused as exc:
            return Outcome.failure("INVALID_PARAMETER", str(exc), retryable=False)
        rate = destination.rate_limit_per_second
        if await self._limiter.acquire(arn, rate) is None:
            return Outcome.failure(
                "THROTTLING",
                f"The invocation rate limit of {rate} per second was reached.",
                retryable=True,
                retry_after_seconds=self._limiter.retry_after(arn),
            )
        if connection.oauth is None:
            outcome, status = await self._exchange(request)
            if status in _REFUSED:
                await self._deauthorize(connection)
            return outcome
        return await self._send_with_token(request, connection, connection.oauth)

    async def _deauthorize(self, connection: Connection) -> None:
        """The endpoint refused the connection's credentials: the connection is DEAUTHORIZED
        (unless it changed meanwhile) and its destinations looked up again at their next use."""
        for arn, cached in list(self._resources.items()):  # rare: a scan is fine
            if not isinstance(cached.found, Outcome) and cached.found[1].arn == connection.arn:
                del self._resources[arn]
        try:
            if await self._store.mark_deauthorized(connection.arn, connection.modified_at):
                log.warning(
                    "connection %s deauthorized: its credentials were refused", connection.arn
                )
        except Exception:  # the delivery's outcome stands; the state is set at the next refusal
            log.exception("deauthorizing connection %s failed", connection.arn)

    async def authorize(self, connection: Connection) -> None:
        """Fetch an OAuth connection's token now: it is AUTHORIZED once it has one, and
        DEAUTHORIZED when the OAuth endpoint gives none; a failure worth retrying leaves it
        AUTHORIZING for its first delivery to try again. The token serves that delivery."""
        if connection.oauth is None:
            return
        try:
            await self._token(connection, connection.oauth, fresh=True)
        except Exception:  # the first delivery fetches it again
            log.exception("authorizing connection %s failed", connection.arn)

    # --- destinations and connections, cached briefly --------------------------------------------
    async def _lookup(self, arn: str) -> _Cached:
        found, failed = await self._read(arn)
        ttl = self._resource_ttl * (_FAILED_LOOKUP_SHARE if failed else 1.0)
        entry = _Cached(time.monotonic() + ttl, found)
        cache = self._resources
        cache.pop(arn, None)  # re-inserted last: the dict's order is the eviction order
        while len(cache) >= _MAX_CACHED_RESOURCES:
            del cache[next(iter(cache))]
        cache[arn] = entry
        return entry

    async def _read(self, arn: str) -> tuple[tuple[ApiDestination, Connection] | Outcome, bool]:
        """What the store holds for ``arn``, and whether the lookup failed."""
        destination = await self._store.get_api_destination_by_arn(arn)
        if destination is None:
            message = f"API destination {arn} does not exist."
            return _no_retry("NO_RESOURCE", message), True
        connection = await self._store.get_connection_by_arn(destination.connection_arn)
        if connection is None:
            message = f"Connection {destination.connection_arn} does not exist."
            return _no_retry("NO_RESOURCE", message), True
        if connection.state in _UNUSABLE:
            message = f"Connection {connection.name} is {connection.state.value}."
            return _no_retry("NO_PERMISSIONS", message), True
        # A refused endpoint is a property of the destination: checked once, kept as long.
        refusal = endpoint_refusal(destination.endpoint, allow_http=self._allow_http)
        if refusal is not None:
            return _no_retry("INVALID_PARAMETER", refusal), False
        return (destination, connection), False

    # --- HTTP ------------------------------------------------------------------------------------
    async def _send_with_token(
        self, request: HttpRequest, connection: Connection, oauth: OAuthClientCredentials
    ) -> Outcome:
        for fresh in (False, True):
            token = await self._token(connection, oauth, fresh=fresh)
            if isinstance(token, Outcome):
                return token
            request.set_header("Authorization", f"Bearer {token}")
            outcome, status = await self._exchange(request)
            if status not in _REFUSED:
                return outcome
        return outcome  # refused even with a token fetched just now

    async def _exchange(self, request: HttpRequest) -> tuple[Outcome, int | None]:
        """Send once; the outcome and the status the endpoint answered (None: no answer)."""
        try:
            response = await self._send(request)
        except HttpTimeout:
            message = f"The endpoint did not answer within {self._timeout:g} seconds."
            return Outcome.failure("TIMEOUT", message, retryable=True), None
        except InvalidRequest as exc:  # a URL or a header value that cannot be sent
            return Outcome.failure("INVALID_PARAMETER", _describe(exc), retryable=False), None
        except HttpError as exc:
            return Outcome.failure("CONNECTION_FAILURE", _describe(exc), retryable=True), None
        status = response.status
        if 200 <= status < 300:
            return _DELIVERED, status
        return self._failure(status, response.header("Retry-After")), status

    async def _send(self, request: HttpRequest) -> Response:
        """The answer, its body read up to what Range asks for (the rest is dropped)."""
        headers = list(request.headers.values())
        if "accept" not in request.headers:
            headers.insert(0, _ACCEPT)
        return await self._client().request(
            request.method, request.url, headers, request.content, max_body=_MAX_RESPONSE_BYTES
        )

    def _failure(self, status: int, retry_after: str | None) -> Outcome:
        """The outcome of an answer that is not 2xx."""
        message = f"Unable to invoke ApiDestination endpoint: the endpoint answered {status}."
        if status != 429 and status < 500:
            return Outcome.failure("ERROR_FROM_TARGET", message, retryable=False)
        code = "THROTTLING" if status == 429 else "ERROR_FROM_TARGET"
        after = retry_after_seconds(retry_after, self._clock.now())
        if after is not None and after < 0:  # AWS: a negative Retry-After stops retrying
            return Outcome.failure(code, message, retryable=False)
        return Outcome.failure(code, message, retryable=True, retry_after_seconds=after)

    # --- OAuth client credentials ----------------------------------------------------------------
    async def _token(
        self, connection: Connection, oauth: OAuthClientCredentials, *, fresh: bool
    ) -> str | Outcome:
        cached = self._tokens.get(connection.arn)
        if not fresh and cached is not None and self._usable(cached, connection):
            return cached.value  # the common case: no lock taken
        lock = self._token_locks.get(connection.arn)
        if lock is None:
            lock = self._token_locks[connection.arn] = asyncio.Lock()
        async with lock:  # one token request per connection at a time, not one per event
            latest = self._tokens.get(connection.arn)
            # Usable unless a fresh one is wanted; a token another request fetched while this
            # one waited for the lock is fresh enough.
            if (
                latest is not None
                and (not fresh or latest is not cached)
                and self._usable(latest, connection)
            ):
                return latest.value
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
            return _no_retry("INVALID_PARAMETER", refusal)
        request = _token_request(oauth)
        try:
            response = await self._send(request)
        except HttpTimeout:
            return Outcome.failure("TIMEOUT", "The OAuth endpoint did not answer.", retryable=True)
        except InvalidRequest as exc:
            return _no_retry("INVALID_PARAMETER", _describe(exc))
        except HttpError as exc:
            return Outcome.failure("CONNECTION_FAILURE", _describe(exc), retryable=True)
        status = response.status
        if status == 429 or status >= 500:
            return self._failure(status, response.header("Retry-After"))
        now = self._clock.now()
        token = _parse_token(status, response.body, now, connection.modified_at)
        if token is None:
            await self._deauthorize(connection)
            message = f"The OAuth endpoint answered {status} without a token."
            return _no_retry("NO_PERMISSIONS", message)
        if connection.state is ConnectionState.AUTHORIZING:
            await self._store.mark_authorized(connection.arn, now)
        return token


_DELIVERED: Final = Outcome.success()
_REFUSED: Final = frozenset({401, 407})  # what deauthorizes a Basic or API key connection


def _request(
    cached: _Cached, destination: ApiDestination, connection: Connection, invocation: Invocation
) -> HttpRequest:
    """``build_request``'s request, from the cached template when the invocation's target has
    no HttpParameters: then nothing but the payload depends on the invocation, as long as the
    connection adds no body parameters (they are merged into the payload)."""
    if invocation.target.http_parameters is not None:
        return build_request(destination, connection, invocation)
    template = cached.template
    if template is None:
        request = build_request(destination, connection, invocation)
        own = connection.invocation_parameters
        if own is None or not own.body:
            cached.template = _copy(request)
        return request
    content = None if template.content is None else invocation.payload.encode("utf-8")
    return HttpRequest(template.method, template.url, content, template.headers.copy())


def _copy(request: HttpRequest) -> HttpRequest:
    return HttpRequest(request.method, request.url, request.content, request.headers.copy())


def _no_retry(code: str, message: str) -> Outcome:
    return Outcome.failure(code, message, retryable=False)


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
    request.set_header("User-Agent", _USER_AGENT)
    request.set_header("Accept", "application/json")
    if content is not None:
        request.set_header("Content-Type", "application/x-www-form-urlencoded")
    for parameter in parameters.headers:
        request.set_header(parameter.key, parameter.value)
    request.set_header("Authorization", basic_credentials(oauth.client_id, oauth.client_secret))
    return request


def _parse_token(status: int, body: bytes, now: datetime, version: datetime) -> _Token | None:
    if not 200 <= status < 300:
        return None
    try:
        document = jsontext.loads(body)
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


def _describe(exc: Exception) -> str:
    """The error for an outcome. The client's errors never name the URL, whose query string may
    hold a connection's secret parameters."""
    name = type(exc).__name__
    return f"{name}: {exc}" if str(exc) else name
