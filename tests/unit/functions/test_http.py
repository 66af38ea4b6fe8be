"""Functions declared with ``url``: the event is POSTed to a test server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from busway.functions import FunctionSpec
from busway.functions.http import HttpFunction
from tests.unit.functions.support import Harness, function_arn, invocation

pytestmark = pytest.mark.timeout(30)

Received = list[tuple[str, dict[str, str], bytes]]
Server = tuple[str, Received]


class _Handler(BaseHTTPRequestHandler):
    received: Received  # set on the server's class

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.received.append((self.path, dict(self.headers), body))
        if self.path == "/slow":
            threading.Event().wait(2)
        status = int(self.path.strip("/")) if self.path.strip("/").isdigit() else 200
        if self.path == "/redirect":
            status = 302
        self.send_response(status)
        if status == 302:
            self.send_header("location", "/204")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[Server]:
    received: Received = []
    handler = type("Handler", (_Handler,), {"received": received})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _outcome(url: str, *, timeout: float = 3.0) -> tuple[bool, bool, str | None]:
    harness = Harness(FunctionSpec("hook", url=url, timeout=timeout))
    payload = json.dumps({"detail": {"n": 1}})

    async def main() -> tuple[bool, bool, str | None]:
        try:
            outcome = await harness.target.invoke(invocation(function_arn("hook"), payload))
        finally:
            await harness.target.close()
        return outcome.delivered, outcome.retryable, outcome.error_code

    return asyncio.run(main())


def test_a_2xx_answer_is_a_success(server: Server) -> None:
    base, received = server
    assert _outcome(f"{base}/204") == (True, False, None)
    path, headers, body = received[0]
    assert path == "/204"
    assert json.loads(body) == {"detail": {"n": 1}}
    assert headers["content-type"] == "application/json"
    assert headers["lambda-runtime-invoked-function-arn"] == function_arn("hook")


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_other_answers_are_retryable_failures(server: Server, status: int) -> None:
    base, _ = server
    assert _outcome(f"{base}/{status}") == (False, True, "FUNCTION_ERROR")


def test_a_slow_server_times_out(server: Server) -> None:
    base, _ = server
    assert _outcome(f"{base}/slow", timeout=0.3) == (False, True, "TIMEOUT")


def test_no_server_is_a_retryable_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        assert _outcome(f"http://127.0.0.1:{port}/") == (False, True, "FUNCTION_ERROR")


def test_a_redirect_is_not_followed(server: Server) -> None:
    base, received = server
    assert _outcome(f"{base}/redirect") == (False, True, "FUNCTION_ERROR")
    assert [path for path, _, _ in received] == ["/redirect"]


def test_the_session_is_made_in_the_loop_and_close_is_idempotent(server: Server) -> None:
    base, received = server
    function = HttpFunction(FunctionSpec("hook", url=f"{base}/204"))  # outside any loop

    async def main() -> list[bool]:
        await function.close()  # nothing opened yet
        try:
            first = await function.run("arn", "{}")
            await function.close()
            await function.close()
            second = await function.run("arn", "{}")  # a new pool
        finally:
            await function.close()
        return [first.ok, second.ok]

    assert asyncio.run(main()) == [True, True]
    assert len(received) == 2
