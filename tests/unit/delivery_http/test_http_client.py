"""HttpClient against real asyncio servers on 127.0.0.1, each written for its test."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from busway.delivery.http_client import (
    HttpClient,
    HttpConnectionError,
    HttpTimeout,
    InvalidRequest,
)

pytestmark = pytest.mark.timeout(30)

WAIT = 5.0  # bound on every wait in these tests
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

Answer = Callable[[bytes, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]


@dataclass
class Server:
    """Reads each request's head and body, answers with ``answer`` (False ends the connection)."""

    answer: Answer
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                if not await self.answer(request, reader, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def serving(answer: Answer) -> AsyncIterator[Server]:
    server = Server(answer)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        await asyncio.wait_for(listener.wait_closed(), WAIT)


def replying(raw: bytes, *, keep: bool = True, delay: float = 0.0) -> Answer:
    async def answer(_: bytes, __: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        if delay:
            await asyncio.sleep(delay)
        writer.write(raw)
        await writer.drain()
        return keep

    return answer


def run(main: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(main(), 20))


def test_sequential_requests_reuse_one_connection_and_send_headers_as_given() -> None:
    async def main() -> None:
        async with serving(replying(OK)) as server:
            client = HttpClient()
            try:
                for n in range(3):
                    response = await client.request(
                        "POST", f"{server.url}/a?b=c", [("X-N", str(n))], b"hi"
                    )
                    assert (response.status, response.body) == (200, b"ok")
                    assert response.header("content-length") == "2"
            finally:
                await client.close()
            assert server.connections == 1
            port = server.port
            assert (
                server.requests[0]
                == (
                    f"POST /a?b=c HTTP/1.1\r\nX-N: 0\r\nHost: 127.0.0.1:{port}\r\n"
                    "Content-Length: 2\r\n\r\nhi"
                ).encode()
            )

    run(main)


def test_the_pool_is_bounded_and_waiters_are_served_in_order() -> None:
    release = asyncio.Event()
    order: list[int] = []

    async def answer(request: bytes, _: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        await release.wait()
        writer.write(OK)
        await writer.drain()
        return True

    async def main() -> None:
        async with serving(answer) as server:
            client = HttpClient(max_connections=2)

            async def one(n: int) -> None:
                await client.request("GET", f"{server.url}/{n}")
                order.append(n)

            try:
                tasks = []
                for n in range(6):
                    tasks.append(asyncio.create_task(one(n)))
                    await asyncio.sleep(0.01)  # queued in this order
                await asyncio.sleep(0.1)
                assert server.connections == 2
                assert len(server.requests) == 2
                release.set()
                await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
            finally:
                await client.close()
            assert server.connections == 2
            paths = [request.split(b" ")[1] for request in server.requests]
            assert paths[2:] == [b"/2", b"/3", b"/4", b"/5"]  # first come, first served

    run(main)


def test_chunked_length_and_close_delimited_bodies() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    until_close = b"HTTP/1.1 200 OK\r\n\r\nall of it"

    async def main() -> None:
        client = HttpClient()
        try:
            async with serving(replying(chunked)) as server:
                assert (await client.request("GET", server.url)).body == b"abcde"
                assert (await client.request("GET", server.url)).body == b"abcde"
                assert server.connections == 1
            async with serving(replying(until_close, keep=False)) as server:
                assert (await client.request("GET", server.url)).body == b"all of it"
                assert (await client.request("GET", server.url)).body == b"all of it"
                assert server.connections == 2
        finally:
            await client.close()

    run(main)


def test_a_body_past_the_bound_is_cut_and_its_connection_dropped() -> None:
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100_000

    async def main() -> None:
        async with serving(replying(big)) as server:
            client = HttpClient()
            try:
                response = await client.request("GET", server.url, max_body=1000)
                assert (response.body, response.truncated) == (b"x" * 1000, True)
                response = await client.request("GET", server.url, max_body=200_000)
                assert (len(response.body), response.truncated) == (100_000, False)
            finally:
                await client.close()
            assert server.connections == 2

    run(main)


def test_a_slow_answer_times_out_and_its_connection_is_not_reused() -> None:
    async def main() -> None:
        async with serving(replying(OK, delay=0.5)) as server:
            client = HttpClient(timeout=0.1)
            try:
                with pytest.raises(HttpTimeout):
                    await client.request("GET", server.url)
                response = await client.request("GET", server.url, total_timeout=WAIT)
                assert response.status == 200
            finally:
                await client.close()
            assert server.connections == 2

    run(main)


def test_a_refused_connection_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening

        async def main() -> None:
            client = HttpClient()
            try:
                with pytest.raises(HttpConnectionError):
                    await client.request("GET", f"http://127.0.0.1:{port}/")
            finally:
                await client.close()

        run(main)


def test_an_idle_connection_the_server_closed_is_replaced() -> None:
    async def main() -> None:
        async with serving(replying(OK, keep=False)) as server:  # closes after each answer
            client = HttpClient()
            try:
                # The answer has no Connection: close, so the client keeps the connection; the
                # server's close reaches it before or after the next request goes out.
                for _ in range(3):
                    assert (await client.request("GET", server.url)).status == 200
                    await asyncio.sleep(0.05)
                assert (await client.request("GET", server.url)).status == 200
                assert (await client.request("GET", server.url)).status == 200  # no pause
            finally:
                await client.close()
            assert server.connections == 5

    run(main)


def test_a_connection_close_answer_is_honoured() -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"

    async def main() -> None:
        async with serving(replying(closing)) as server:  # the server would keep it open
            client = HttpClient()
            try:
                for _ in range(2):
                    assert (await client.request("GET", server.url)).body == b"ok"
            finally:
                await client.close()
            assert server.connections == 2

    run(main)


def test_urls_and_headers_that_cannot_be_sent_are_refused() -> None:
    async def main() -> None:
        client = HttpClient()
        try:
            for url in ("ftp://host/", "http:///nohost", "http://host:99999/"):
                with pytest.raises(InvalidRequest):
                    await client.request("GET", url)
            with pytest.raises(InvalidRequest):
                await client.request("GET", "http://127.0.0.1/", [("X", "a\r\nInjected: 1")])
        finally:
            await client.close()

    run(main)


def test_close_is_idempotent_and_ends_requests_in_flight() -> None:
    async def main() -> None:
        async with serving(replying(OK, delay=2)) as server:
            client = HttpClient()
            pending = asyncio.create_task(client.request("GET", server.url))
            await asyncio.sleep(0.1)
            await client.close()
            await client.close()
            with pytest.raises(HttpConnectionError):
                await asyncio.wait_for(pending, WAIT)
            with pytest.raises(HttpConnectionError):
                await client.request("GET", server.url)

    run(main)


def test_https_uses_the_default_context_and_the_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No TLS server here (``cryptography`` is not installed to make a certificate): the
    wiring is checked instead — the system's default context, and SNI/verification by host."""
    seen: dict[str, Any] = {}

    async def fake_connect(self: Any, factory: Any, host: str, port: int, **options: Any) -> Any:
        seen.update(host=host, port=port, **options)
        raise ConnectionRefusedError("no server")

    async def main() -> None:
        client = HttpClient()
        try:
            with pytest.raises(HttpConnectionError):
                await client.request("GET", "https://example.test/x")
        finally:
            await client.close()

    monkeypatch.setattr(asyncio.BaseEventLoop, "create_connection", fake_connect)
    run(main)
    context = seen["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert (seen["host"], seen["port"], seen["server_hostname"]) == (
        "example.test",
        443,
        "example.test",
    )
