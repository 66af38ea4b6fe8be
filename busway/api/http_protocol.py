"""``CoalescingHttpProtocol``: uvicorn's httptools protocol, writing each response at once.

uvicorn writes a response's head and its body with two ``transport.write`` calls: two
``send()`` system calls and two TCP segments for every small JSON answer, and a client that
wakes up for each. Here the writes made to a connection during one turn of the event loop are
joined and handed to the socket once, right after that turn. A request must also arrive whole
within ``REQUEST_READ_SECONDS``. Everything else is uvicorn's own (keep-alive, flow control,
body limits, shutdown).
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["REQUEST_READ_SECONDS", "CoalescingHttpProtocol", "CoalescingTransport"]

# A whole request, headers and body, must arrive within this: a 1 MiB PutEvents at 20 KB/s.
REQUEST_READ_SECONDS: Final = 60.0

_Data = bytes | bytearray | memoryview


class CoalescingTransport:
    """Stands in for the connection's transport: ``write`` collects, the end of the turn
    writes. Whatever else is asked of it goes to the transport, after what was collected
    when it ends the connection."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[_Data] = []

    def write(self, data: _Data) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def writelines(self, lines: list[_Data]) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self._transport.set_protocol(protocol)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpProtocol(HttpToolsProtocol):
    """Also gives each request ``read_seconds`` to arrive whole, from the connection or the
    request's first byte: uvicorn times out only an idle connection between requests, so a
    client that connects and sends nothing, or half a request, held its socket (and the body
    received so far) for ever; enough of them used up the process's file descriptors, and
    then SQLite could not open its files either."""

    read_seconds: float = REQUEST_READ_SECONDS
    _read_deadline: asyncio.TimerHandle | None = None

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        coalescing: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)
        self._arm_read_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_read_deadline()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm_read_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_read_deadline()
        super().connection_lost(exc)

    def _arm_read_deadline(self) -> None:
        if self._read_deadline is None:
            self._read_deadline = self.loop.call_later(self.read_seconds, self._read_timed_out)

    def _disarm_read_deadline(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _read_timed_out(self) -> None:
        self._read_deadline = None
        if not self.transport.is_closing():
            self.transport.close()
