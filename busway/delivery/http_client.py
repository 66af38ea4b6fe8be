"""A small HTTP/1.1 client for deliveries: keep-alive pools, bounded, with a total timeout.

aiohttp spent ~230 µs of CPU per delivery; this client does only what delivery needs, on an
``asyncio.Protocol`` with httptools' C parser. Per origin (scheme, host, port) it keeps
connections alive and reuses them; connections are bounded per origin and in total, and a
request that finds every connection busy waits its turn (first come, first served).

What it deliberately does not do: proxies, redirects (a 3xx is returned as is), cookies,
content decoding, default headers. Headers go out exactly as given, plus ``Host`` (unless
given) and ``Content-Length`` (computed from the body).

Each request has a total timeout (waiting for a connection, connecting, sending, reading),
raising ``HttpTimeout``; it is enforced within a quarter of the client's timeout (at most a
second) after it passes (``busway.delivery.deadlines``). A connection that failed, timed out,
was told ``Connection: close`` or left with unread bytes is closed, never reused. The body is
read up to ``max_body`` bytes; the rest is discarded by closing the connection.

Stale connections: a server may close a keep-alive connection while it sits idle, and the
close may cross the next request on the wire. When a *reused* connection ends before a single
byte of the answer arrived, the request is sent once more on a new connection. The server may
in rare cases have acted on the first copy; EventBridge delivery is at-least-once anyway, so a
duplicate is acceptable where a spurious failure (and a retry much later) is not.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from dataclasses import dataclass
from typing import Final, cast
from urllib.parse import quote, urlsplit

import httptools

from busway.delivery.deadlines import Deadlines
from busway.frozen import quick_init

__all__ = [
    "HttpClient",
    "HttpConnectionError",
    "HttpError",
    "HttpTimeout",
    "InvalidRequest",
    "Response",
]

DEFAULT_TIMEOUT: Final = 5.0  # AWS's total timeout for an API destination request
DEFAULT_MAX_BODY: Final = 1024 * 1024
KEEPALIVE_SECONDS: Final = 15.0  # an idle connection older than this is closed, not reused
_CLOSE_WAIT_SECONDS: Final = 1.0  # close() waits this long at most for sockets to be released
_MAX_CACHED_URLS: Final = 1024
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# Kept unquoted when a non-ASCII request target is percent-encoded: RFC 3986's reserved set.
_TARGET_SAFE: Final = "/?#[]@!$&'()*+,;=:%~-._"


class HttpError(Exception):
    """Any failure of a request; the subclasses say which."""


class HttpConnectionError(HttpError):
    """No connection could be made, or it broke (or the answer was malformed) mid-request."""


class HttpTimeout(HttpError):
    """The request did not complete within its total timeout."""


class InvalidRequest(HttpError, ValueError):
    """The URL or a header cannot be sent: retrying will not help."""


class _StaleConnection(HttpConnectionError):
    """A reused connection ended before any byte of the answer: worth one more try."""


@quick_init
@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]]  # as received, in order
    body: bytes  # at most max_body bytes
    truncated: bool  # the body was longer than max_body (the rest was discarded)

    def header(self, name: str) -> str | None:
        """The first value of the header ``name`` (compared without case), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True, slots=True)
class _Target:
    origin: tuple[str, str, int]  # scheme, host, port
    host_header: str
    request_target: str  # path and query


class _Connection(asyncio.Protocol):
    """One connection, serving one exchange at a time; httptools calls the on_* methods."""

    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._transport: asyncio.Transport | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._answer: asyncio.Future[Response] | None = None
        self._max_body = 0
        self._head_only = False
        self._reset()

    def _reset(self) -> None:
        self._status = 0
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._received = 0  # body bytes
        self._any_byte = False
        self._headers_done = False
        self._until_close = False  # no length and not chunked: the body ends with the connection
        self.keep_alive = False

    # --- asyncio.Protocol ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # a stream connection's transport

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if self._answer is None or parser is None:  # unasked-for bytes: the connection is unusable
            self.close()
            return
        self._any_byte = True
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpConnectionError(f"malformed answer: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        if self._answer is not None and self._headers_done and self._until_close:
            self._finish(truncated=False)
        else:
            self._fail(self._ended())
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(self._ended())
        self.pool.lost(self)
        if not self.lost.done():
            self.lost.set_result(None)

    def _ended(self) -> HttpConnectionError:
        if self.reused and not self._any_byte:
            return _StaleConnection("the kept-alive connection was closed by the server")
        return HttpConnectionError("the connection closed before the answer was complete")

    # --- httptools callbacks ---------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        parser = cast(httptools.HttpResponseParser, self._parser)  # set while parsing
        self._status = parser.get_status_code()
        self._headers_done = True
        if self._head_only and self._status >= 200:
            # A HEAD answer has no body whatever its Content-Length says; httptools cannot be
            # told so, and a fresh parser is made for every exchange anyway.
            self.keep_alive = parser.should_keep_alive()
            self._finish(truncated=False)
            return
        if self._status in (204, 304) or self._status < 200:
            return  # never a body (RFC 9110 6.4.1)
        names = {name.lower() for name, _ in self._headers}
        self._until_close = "content-length" not in names and "transfer-encoding" not in names

    def on_body(self, body: bytes) -> None:
        if self._answer is None:
            return
        room = self._max_body - self._received
        if len(body) > room:
            self._body.append(body[:room])
            self._finish(truncated=True)  # the rest is dropped with the connection
            self.close()
            return
        self._received += len(body)
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._answer is None:
            return
        if 100 <= self._status < 200:  # an interim answer (100 Continue): the real one follows
            self._reset()
            self._any_byte = True
            return
        parser = cast(httptools.HttpResponseParser, self._parser)  # set while parsing
        self.keep_alive = parser.should_keep_alive()
        self._finish(truncated=False)

    # --- exchanges -------------------------------------------------------------------------------
    async def exchange(self, payload: bytes, max_body: int, head_only: bool) -> Response:
        transport = self._transport
        if self.closed or transport is None or transport.is_closing():
            raise self._ended()
        self._reset()
        self._max_body = max_body
        self._head_only = head_only
        self._parser = httptools.HttpResponseParser(self)
        answer: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._answer = answer
        transport.write(payload)
        return await answer

    def _finish(self, *, truncated: bool) -> None:
        answer, self._answer = self._answer, None
        if answer is not None and not answer.done():
            body = b"".join(self._body)
            answer.set_result(Response(self._status, self._headers, body, truncated))
        if truncated or self._until_close:
            self.keep_alive = False

    def _fail(self, exc: HttpConnectionError) -> None:
        answer, self._answer = self._answer, None
        if answer is not None and not answer.done():
            answer.set_exception(exc)

    def close(self) -> None:
        """Drop the connection at once (no TLS goodbye: it is never reused)."""
        self.closed = True
        if self._transport is not None:
            self._transport.abort()


@dataclass(eq=False, slots=True)
class _Pool:
    """The connections to one origin; counts include those being opened and those in use."""

    client: HttpClient
    origin: tuple[str, str, int]
    idle: deque[_Connection]
    open: int = 0

    def lost(self, connection: _Connection) -> None:
        """A connection ended; one idle in the pool leaves it (and frees its slot) now."""
        self.client._forget(self, connection)


class HttpClient:
    """HTTP/1.1 requests over pooled keep-alive connections; use it in one event loop.

    ``close()`` is idempotent and closes every connection; the client cannot be used after.
    """

    def __init__(
        self,
        *,
        max_connections: int = 256,
        max_per_origin: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        keepalive: float = KEEPALIVE_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self._max_total = max_connections
        self._max_per_origin = min(max_per_origin or max_connections, max_connections)
        self._timeout = timeout
        self._keepalive = keepalive
        self._ssl = ssl_context
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._targets: dict[str, _Target] = {}
        self._connections: set[_Connection] = set()
        self._open = 0
        # FIFO: (pool, future); a future's result is a connection handed over, or None for a
        # slot handed over (counted already) in which to open a new connection.
        self._waiters: deque[tuple[_Pool, asyncio.Future[_Connection | None]]] = deque()
        self._closed = False
        # Total timeouts without a timer of the loop per request (see Deadlines); its watchdog
        # starts with the first request, inside the loop the client serves.
        self._deadlines = Deadlines(timeout)

    # --- requests --------------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        total_timeout: float | None = None,
    ) -> Response:
        """Send one request and read its answer; raises an ``HttpError`` subclass on failure."""
        if self._closed:
            raise HttpConnectionError("the HTTP client is closed")
        target = self._target(url)
        payload = _payload(method, target, headers or [], body)
        pool = self._pool(target.origin)
        limit = self._timeout if total_timeout is None else total_timeout
        deadlines = self._deadlines
        deadlines.start()
        task = deadlines.enter(limit)
        try:
            return await self._send(pool, payload, max_body, method.upper() == "HEAD")
        except asyncio.CancelledError:
            if not deadlines.expired(task):
                raise
            raise HttpTimeout(f"no complete answer within {limit:g} seconds") from None
        finally:
            deadlines.leave(task)

    async def _send(self, pool: _Pool, payload: bytes, max_body: int, head_only: bool) -> Response:
        connection = await self._checkout(pool)
        try:
            try:
                response = await connection.exchange(payload, max_body, head_only)
            except _StaleConnection:
                connection.close()
                connection = await self._connect(pool)  # in the same slot
                response = await connection.exchange(payload, max_body, head_only)
        except BaseException:
            connection.close()
            self._release_slot(pool)
            raise
        self._checkin(pool, connection)
        return response

    # --- the pool --------------------------------------------------------------------------------
    async def _checkout(self, pool: _Pool) -> _Connection:
        """A connection to the pool's origin with a slot held: reused, new, or waited for."""
        connection = self._take_idle(pool)
        if connection is not None:
            return connection
        if not self._claim_slot(pool):
            handed = await self._wait(pool)
            if handed is not None:
                return handed  # else a slot was handed over
        try:
            return await self._connect(pool)
        except BaseException:
            self._release_slot(pool)
            raise

    def _take_idle(self, pool: _Pool) -> _Connection | None:
        now = time.monotonic()
        while pool.idle:
            connection = pool.idle.pop()  # the most recent: the least likely to be stale
            if not connection.closed and now - connection.idle_since < self._keepalive:
                connection.reused = True
                return connection
            connection.close()
            self._release_slot(pool, wake=False)
        return None

    def _claim_slot(self, pool: _Pool) -> bool:
        """Count a new connection for the pool if the bounds allow (evicting an idle
        connection to another origin if that is all that stands in the way)."""
        # No waiter is passed over: whenever room frees up, _hand_slot gives it to the first
        # waiter that can use it, so those still waiting cannot use the room there is now.
        if pool.open >= self._max_per_origin:
            return False
        if self._open >= self._max_total and not self._evict_idle():
            return False
        pool.open += 1
        self._open += 1
        return True

    def _evict_idle(self) -> bool:
        for other in self._pools.values():
            if other.idle:
                other.idle.popleft().close()  # its oldest
                self._release_slot(other, wake=False)
                return True
        return False

    async def _wait(self, pool: _Pool) -> _Connection | None:
        turn: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
        entry = (pool, turn)
        self._waiters.append(entry)
        try:
            return await turn
        except BaseException:
            if turn.done() and not turn.cancelled():  # handed over, then cancelled: give back
                handed = turn.result()
                if handed is None:
                    self._release_slot(pool)
                else:
                    self._checkin(pool, handed)
            else:
                self._waiters.remove(entry)
            raise

    def _checkin(self, pool: _Pool, connection: _Connection) -> None:
        """Return a connection after a complete exchange: to a waiter, idle, or closed."""
        if self._closed or connection.closed or not connection.keep_alive:
            connection.close()
            self._release_slot(pool)
            return
        for index, (waiting_pool, turn) in enumerate(self._waiters):
            if waiting_pool is pool:
                del self._waiters[index]
                turn.set_result(connection)
                return
        if self._waiters:  # others wait for room in the total: this connection's slot is theirs
            connection.close()
            self._release_slot(pool)
            return
        connection.idle_since = time.monotonic()
        pool.idle.append(connection)

    def _release_slot(self, pool: _Pool, *, wake: bool = True) -> None:
        pool.open -= 1
        self._open -= 1
        if wake:
            self._hand_slot()

    def _hand_slot(self) -> None:
        """Give freed room to the first waiter it lets open a connection."""
        for index, (pool, turn) in enumerate(self._waiters):
            if pool.open < self._max_per_origin:
                if self._open >= self._max_total and not self._evict_idle():
                    return
                del self._waiters[index]
                pool.open += 1
                self._open += 1
                turn.set_result(None)
                return

    def _forget(self, pool: _Pool, connection: _Connection) -> None:
        self._connections.discard(connection)
        if connection in pool.idle:  # closed by the server while idle
            pool.idle.remove(connection)
            self._release_slot(pool)

    async def _connect(self, pool: _Pool) -> _Connection:
        scheme, host, port = pool.origin
        context = None
        if scheme == "https":
            context = self.ssl_context()
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                lambda: _Connection(pool),
                host,
                port,
                ssl=context,
                server_hostname=host if context else None,
            )
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError is an OSError)
            raise HttpConnectionError(f"cannot connect to {host}:{port}: {exc}") from exc
        self._connections.add(connection)
        return connection

    def _pool(self, origin: tuple[str, str, int]) -> _Pool:
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = _Pool(self, origin, deque())
        return pool

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            target = _parse_url(url)
            if len(self._targets) >= _MAX_CACHED_URLS:
                self._targets.clear()
            self._targets[url] = target
        return target

    def ssl_context(self) -> ssl.SSLContext:
        """The context for https: the one given, else the system's trusted CAs (made once)."""
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    # --- closing ---------------------------------------------------------------------------------
    async def close(self) -> None:
        """Close every connection and wait (briefly) until their sockets are released."""
        self._closed = True
        await self._deadlines.stop()
        waiters, self._waiters = self._waiters, deque()
        for _, turn in waiters:
            if not turn.done():
                turn.set_exception(HttpConnectionError("the HTTP client was closed"))
        for pool in self._pools.values():
            pool.idle.clear()
        connections = list(self._connections)
        for connection in connections:
            connection.close()
        pending = [connection.lost for connection in connections if not connection.lost.done()]
        if pending:
            await asyncio.wait(pending, timeout=_CLOSE_WAIT_SECONDS)


def _parse_url(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise InvalidRequest("the URL is not valid") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise InvalidRequest("the URL is not an http(s) URL with a host")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidRequest("the URL's host is not valid") from exc
    port = port or _DEFAULT_PORTS[scheme]
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == _DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    path = parts.path or "/"
    request_target = f"{path}?{parts.query}" if parts.query else path
    if not request_target.isascii():
        request_target = quote(request_target, safe=_TARGET_SAFE)
    _check_line(request_target)
    return _Target((scheme, host, port), host_header, request_target)


def _payload(
    method: str, target: _Target, headers: list[tuple[str, str]], body: bytes | None
) -> bytes:
    """The request's bytes: head and body, written at once."""
    _check_line(method)
    lines = [f"{method} {target.request_target} HTTP/1.1"]
    has_host = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-length":
            continue  # computed below from the body actually sent
        has_host = has_host or lowered == "host"
        lines.append(f"{name}: {value}")
    if not has_host:
        lines.append(f"Host: {target.host_header}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    elif method.upper() in ("POST", "PUT", "PATCH"):
        lines.append("Content-Length: 0")  # some servers refuse these without a length
    head = "\r\n".join(lines)
    _check_head(head, len(lines))
    try:
        encoded = (head + "\r\n\r\n").encode("latin-1")
    except UnicodeEncodeError as exc:
        raise InvalidRequest("a header holds characters HTTP/1.1 cannot carry") from exc
    return encoded + body if body else encoded


def _check_line(text: str) -> None:
    if not text or any(c in text for c in " \r\n\0"):
        raise InvalidRequest("the method or URL holds characters a request line cannot carry")


def _check_head(head: str, lines: int) -> None:
    """A header name or value holding a line break would smuggle in a header of its own."""
    if head.count("\n") != lines - 1 or "\r" in head.replace("\r\n", "") or "\0" in head:
        raise InvalidRequest("a header name or value holds a line break")
