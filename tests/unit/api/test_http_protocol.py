"""``CoalescingHttpProtocol``: a response leaves in one socket write; keep-alive still works."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn

from busway.api.http_protocol import CoalescingHttpProtocol, CoalescingTransport


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.events: list[str] = []
        self.closing = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))
        self.events.append("write")

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True
        self.events.append("close")

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


def test_writes_of_one_turn_leave_together_and_close_sends_them_first() -> None:
    async def body() -> None:
        inner = RecordingTransport()
        transport = CoalescingTransport(inner, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"")
        transport.write(b"{}")
        assert inner.writes == []
        await asyncio.sleep(0)
        assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]
        transport.write(b"bye")
        transport.close()
        assert inner.events == ["write", "write", "close"]
        assert transport.get_extra_info("peername") == ("127.0.0.1", 1)  # passed through
        await asyncio.sleep(0)  # the scheduled flush finds nothing left
        assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}", b"bye"]

    asyncio.run(body())


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await receive()
    payload = json.dumps({"path": scope["path"]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _read_response(connection: socket.socket) -> tuple[int, bytes]:
    """(number of recv calls the response took, its body) for a small response."""
    data = b""
    reads = 0
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection"
        reads += 1
        data += chunk
    return reads, data.split(b"\r\n\r\n", 1)[1]


def _length(data: bytes) -> int:
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


@contextlib.asynccontextmanager
async def _serving(app: Any, protocol: type[CoalescingHttpProtocol]) -> AsyncIterator[int]:
    """A real uvicorn server with ``protocol`` on a free loopback port, for the block's time."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=protocol, log_config=None, lifespan="off"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(3000):  # an upper bound (30 s), never a timing assertion
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await serving


def test_a_real_server_answers_in_one_segment_on_a_kept_alive_connection() -> None:
    async def body() -> list[tuple[int, bytes]]:
        async with _serving(_app, CoalescingHttpProtocol) as port:
            return await asyncio.to_thread(_two_requests, port)

    answers = asyncio.run(body())
    assert answers == [(1, b'{"path": "/a"}'), (1, b'{"path": "/b"}')]


def _two_requests(port: int) -> list[tuple[int, bytes]]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        answers = []
        for path in ("/a", "/b"):
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            answers.append(_read_response(connection))
        return answers


class _QuickDeadline(CoalescingHttpProtocol):
    read_seconds = 0.2


async def _slow_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers half a second after the request arrived: longer than the read deadline."""
    if scope["type"] != "http":
        return
    await receive()
    await asyncio.sleep(0.5)
    headers = [(b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_request_that_does_not_arrive_whole_in_time_loses_its_connection() -> None:
    async def body() -> tuple[bytes, bytes, bytes]:
        async with _serving(_slow_app, _QuickDeadline) as port:
            silent = await asyncio.to_thread(_send_and_read, port, b"")
            half = await asyncio.to_thread(_send_and_read, port, b"POST / HTTP/1.1\r\nHost: x\r\n")
            whole = await asyncio.to_thread(
                _send_and_read, port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            return silent, half, whole

    silent, half, whole = asyncio.run(body())
    assert (silent, half) == (b"", b"")  # closed by the server, nothing answered
    assert whole.startswith(b"HTTP/1.1 200")  # answered, though after the read deadline
    assert whole.endswith(b"ok")


def _send_and_read(port: int, request: bytes) -> bytes:
    """What the server sends until it closes the connection or has answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        data = b""
        while not data.endswith(b"ok"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
        return data
