"""A small HTTP/1.1 server on 127.0.0.1 that records requests and answers as scripted.

It runs its own event loop in a background thread, so a test or a benchmark can drive busway
from the main thread while the sink receives what busway delivers. Keep-alive is supported, so
it keeps up with busway's pooled client at thousands of requests per second.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

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


@dataclass
class HttpSink:
    """``replies(path)`` decides each answer (200 by default); every request is kept, bounded."""

    replies: Callable[[str], Reply] = field(default=lambda path: Reply())
    max_kept: int = 1_000_000
    received: list[Received] = field(default_factory=list)
    port: int = 0
    # The benchmark's sink passes uvloop's: it shares the machine's two cores with busway.
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop

    def __post_init__(self) -> None:
        self._loop = self.loop_factory()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._changed = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpSink:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        future.result(timeout=START_TIMEOUT_S)
        return self

    async def _serve(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.close()
            for writer in list(self._writers):
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
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
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return list(self.received)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while request := await _read_request(reader):
                method, path, headers, body = request
                self._record(Received(method, path, headers, body, time.perf_counter()))
                reply = self.replies(path)
                writer.write(_response(reply))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _record(self, request: Received) -> None:
        with self._changed:
            if len(self.received) < self.max_kept:
                self.received.append(request)
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


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, path, headers, body


def _response(reply: Reply) -> bytes:
    head = [f"HTTP/1.1 {reply.status} X", f"Content-Length: {len(reply.body)}"]
    head += [f"{name}: {value}" for name, value in reply.headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body
