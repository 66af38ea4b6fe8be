"""A real HTTP server on 127.0.0.1 that records what it receives and answers as scripted."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from busway import jsontext
from busway.clock import FakeClock
from busway.delivery.target import Invocation, Outcome
from busway.delivery.targets.api_destination import ApiDestinationTarget
from busway.model import Event, HttpParameters, Scope, Target
from busway.store.connections import (
    ApiDestination,
    AuthorizationType,
    BasicAuth,
    Connection,
    ConnectionState,
)
from busway.store.memory.connections import MemoryConnectionStore

SCOPE = Scope("123456789012", "us-east-1")
T0 = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
SLOW_SECONDS = 2.0  # how long /slow holds its answer (released early at teardown)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Endpoint:
    base: str = ""
    seen: list[Seen] = field(default_factory=list)
    scripts: dict[str, list[Reply]] = field(default_factory=dict)
    tokens_issued: int = 0
    token_lifetime: int | None = 3600
    release: threading.Event = field(default_factory=threading.Event)

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` with ``replies`` in order, then 200."""
        self.scripts[path] = list(replies)

    def to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path.split("?")[0] == path]

    def answer(self, seen: Seen) -> Reply:
        self.seen.append(seen)
        path = seen.path.split("?")[0]
        if self.scripts.get(path):
            return self.scripts[path].pop(0)
        if path == "/slow":
            self.release.wait(SLOW_SECONDS)
        if path == "/token":
            self.tokens_issued += 1
            token: dict[str, Any] = {"access_token": f"tok-{self.tokens_issued}"}
            if self.token_lifetime is not None:
                token["expires_in"] = self.token_lifetime
            return Reply(body=jsontext.dumpb(token))
        return Reply()


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = endpoint.answer(Seen(self.command, self.path, headers, body))
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            # 204 and 304 answers have no content (RFC 9110 15.3.5): a client reads the bytes
            # after their head as the next answer, so none are sent.
            body = b"" if reply.status in (204, 304) else reply.body
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    recorded = Endpoint()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorded))
    server.daemon_threads = True
    recorded.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield recorded
    finally:
        recorded.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def connection(name: str = "conn", **fields: Any) -> Connection:
    values: dict[str, Any] = {
        "scope": SCOPE,
        "name": name,
        "arn": f"arn:aws:events:us-east-1:123456789012:connection/{name}/id",
        "secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:events!x",
        "authorization_type": AuthorizationType.BASIC,
        "state": ConnectionState.AUTHORIZED,
        "created_at": T0,
        "modified_at": T0,
        "basic": BasicAuth("user", "s3cret"),
    }
    values.update(fields)
    return Connection(**values)


def destination(endpoint_url: str, connection_arn: str, **fields: Any) -> ApiDestination:
    values: dict[str, Any] = {
        "scope": SCOPE,
        "name": "dest",
        "arn": "arn:aws:events:us-east-1:123456789012:api-destination/dest/id",
        "connection_arn": connection_arn,
        "endpoint": endpoint_url,
        "http_method": "POST",
        "rate_limit_per_second": 300,
        "created_at": T0,
        "modified_at": T0,
    }
    values.update(fields)
    return ApiDestination(**values)


def invocation(
    destination_arn: str, payload: str = '{"n":1}', http: HttpParameters | None = None
) -> Invocation:
    body = b'{"id":"e1","detail":{"sku":"sku-1","n":1}}'
    event = Event("e1", SCOPE, "default", "shop", "Order", T0, T0, body)
    target = Target("t1", destination_arn, http_parameters=http)
    return Invocation(event, "arn:aws:events:us-east-1:123456789012:rule/r", target, payload, 1)


async def prepared_store(
    records: Sequence[Connection | ApiDestination],
) -> MemoryConnectionStore:
    store = MemoryConnectionStore()
    for record in records:
        if isinstance(record, Connection):
            await store.create_connection(record)
        else:
            await store.create_api_destination(record)
    return store


def deliver(
    records: Sequence[Connection | ApiDestination],
    invocations: Sequence[Invocation],
    **options: Any,
) -> tuple[list[Outcome], MemoryConnectionStore]:
    """Invoke one ApiDestinationTarget in turn with each invocation; closes it after."""

    async def main() -> tuple[list[Outcome], MemoryConnectionStore]:
        store = await prepared_store(records)
        options.setdefault("clock", FakeClock(T0))
        target = ApiDestinationTarget(store, **options)
        try:
            return [await target.invoke(item) for item in invocations], store
        finally:
            await target.close()

    return asyncio.run(main())
