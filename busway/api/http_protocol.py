"""``CoalescingHttpProtocol``: uvicorn's httptools protocol, writing each response at once.

uvicorn writes a response's head and its body with two ``transport.write`` calls: two
``send()`` system calls and two TCP segments for every small JSON answer, and a client that
wakes up for each. Here the writes made to a connection during one turn of the event loop are
joined and handed to the socket once, right after that turn. Everything else is uvicorn's own
(keep-alive, flow control, body limits, shutdown).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["CoalescingHttpProtocol", "CoalescingTransport"]

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
    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        coalescing: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)
