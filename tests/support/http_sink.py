"""A small HTTP/1.1 server on 127.0.0.1 that records requests and answers as scripted.

It runs its own event loop in a background thread, so a test or a benchmark can drive busway
from the main thread while the sink receives what busway delivers. Keep-alive is supported, so
it keeps up with busway's pooled client at thousands of requests per second.

Connections are served by an ``asyncio.Protocol`` with httptools' C parser, not streams: the
benchmark's sink shares the machine's two cores with busway, and a coroutine awaiting
``readuntil``/``readexactly``/``drain`` per request cost more CPU. Request bodies may come with
Content-Length or chunked; requests may be pipelined. A malformed request closes the connection
(after answering the complete requests before it).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import cast

import httptools

__all__ = ["HttpSink", "Received", "Reply"]

START_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # time.perf_counter() when the request was complete


@dataclass(frozen=True, slots=True)
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: tuple[tuple[str, str], ...] = ()


_OK = Reply()


@dataclass
class HttpSink:
    """``replies(path)`` decides each answer (200 by default); every request is kept, bounded."""

    replies: Callable[[str], Reply] = field(default=lambda path: _OK)
    max_kept: int = 1_000_000
    received: list[Received] = field(default_factory=list)
    port: int = 0
    # The benchmark's sink passes uvloop's: it shares the machine's two cores with busway.
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop

    def __post_init__(self) -> None:
        self._loop = self.loop_factory()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._changed = threading.Condition()
        self._waiting = 0  # wait_for calls blocked on _changed: _record notifies only them

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpSink:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        future.result(timeout=START_TIMEOUT_S)
        return self

    async def _serve(self) -> None:
        self._server = await self._loop.create_server(lambda: _Connection(self), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            connections = list(self._connections)
            for connection in connections:
                connection.close()
            for connection in connections:
                await connection.lost
            if self._server is not None:
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=START_TIMEOUT_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT_S)
        self._loop.close()

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        """The requests so far, once at least ``count`` arrived or ``timeout`` passed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            # Counted before the length is checked: a request recorded after that check then
            # finds a waiter to notify, and the notification waits for wait() to take the lock.
            self._waiting += 1
            try:
                while len(self.received) < count:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
                return list(self.received)
            finally:
                self._waiting -= 1

    def _record(self, request: Received) -> None:
        # Thousands of times a second in the benchmark: the lock only when someone waits.
        if len(self.received) < self.max_kept:
            self.received.append(request)
        if self._waiting:
            with self._changed:
                self._changed.notify_all()

    def __enter__(self) -> HttpSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _Connection(asyncio.Protocol):
    """One client connection; httptools calls the on_* methods as it parses what arrives."""

    def __init__(self, sink: HttpSink) -> None:
        self._sink = sink
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._url = b""
        self._headers: dict[str, str] = {}
        self._body = b""
        # The last reply and its encoding: replies often repeat one.
        self._reply = _OK
        self._response = _response(_OK)
        self.lost = sink._loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # a stream connection's transport
        self._sink._connections.add(self)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            # replies() raised: the loop reports its error, as it did a stream handler's.
            self.close()
            raise (exc.__context__ or exc) from None
        except httptools.HttpParserError:
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._sink._connections.discard(self)
        if not self.lost.done():
            self.lost.set_result(None)

    # Like the streams' drain(): stop reading while the client does not read its answers.
    def pause_writing(self) -> None:
        cast(asyncio.Transport, self._transport).pause_reading()

    def resume_writing(self) -> None:
        cast(asyncio.Transport, self._transport).resume_reading()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # --- httptools callbacks ---------------------------------------------------------------------
    def on_url(self, url: bytes) -> None:
        self._url += url  # may come in pieces when the request line spans reads

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[_NAMES.get(name) or _name(name)] = _VALUES.get(value) or _value(value)

    def on_body(self, body: bytes) -> None:
        # Mostly one piece, which += does not copy (many pieces are copied: fine at test sizes).
        self._body += body

    def on_message_complete(self) -> None:
        at = time.perf_counter()
        method = self._parser.get_method().decode("latin-1")
        path = self._url.decode("latin-1")
        self._sink._record(Received(method, path, self._headers, self._body, at))
        self._url, self._headers, self._body = b"", {}, b""
        reply = self._sink.replies(path)
        if reply is not self._reply:
            self._reply, self._response = reply, _response(reply)
        cast(asyncio.Transport, self._transport).write(self._response)


# Decoded header names and values by their bytes: a client sends much the same headers on every
# request, and looking them up is cheaper than decoding them (~15% of a request's Python here).
_NAMES: dict[bytes, str] = {}
_VALUES: dict[bytes, str] = {}
_MAX_CACHED = 1024


def _name(raw: bytes) -> str:
    return _cached(_NAMES, raw, raw.decode("latin-1").lower())


def _value(raw: bytes) -> str:
    return _cached(_VALUES, raw, raw.decode("latin-1").strip())


def _cached(cache: dict[bytes, str], raw: bytes, text: str) -> str:
    if len(cache) < _MAX_CACHED:
        cache[raw] = text
    return text


def _response(reply: Reply) -> bytes:
    head = [f"HTTP/1.1 {reply.status} X", f"Content-Length: {len(reply.body)}"]
    head += [f"{name}: {value}" for name, value in reply.headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body
