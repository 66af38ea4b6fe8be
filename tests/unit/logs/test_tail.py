"""``busway logs tail`` against a real HTTP server (uvicorn in a thread) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
import uvicorn

from busway.api.app import App
from busway.api.logs import logs_api
from busway.cli.connection import Connection
from busway.cli.logs import parse_since, tail
from busway.cli.main import main
from busway.clock import SystemClock
from busway.service.logs import LogService, epoch_ms
from busway.store.log_groups import NewLogEvent
from busway.store.memory.log_groups import MemoryLogGroupStore
from tests.support.server import free_port
from tests.unit.logs.support import SCOPE

pytestmark = pytest.mark.timeout(60)
_START_WAIT_S = 10.0


class Server:
    """An App serving the Logs API; ``call`` runs a coroutine on the server's own loop."""

    def __init__(self) -> None:
        self.logs = LogService(MemoryLogGroupStore(), SystemClock())
        self.loop: asyncio.AbstractEventLoop | None = None
        app = App([logs_api(self.logs)], account=SCOPE.account, on_startup=self._started)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, loop="asyncio", lifespan="on", log_level="error"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    async def _started(self) -> None:
        self.loop = asyncio.get_running_loop()

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + _START_WAIT_S
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=_START_WAIT_S)

    def call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def put(self, stream: str, message: str, at_ms: int) -> None:
        self.call(
            self.logs.append(SCOPE, "/aws/events/orders", stream, [NewLogEvent(at_ms, message)])
        )


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    running.start()
    try:
        yield running
    finally:
        running.stop()


NOW = epoch_ms(SystemClock().now())


def test_tail_prints_recent_events(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    server.put("s1", "too old", NOW - 3_600_000)
    server.put("s1", "first", NOW - 60_000)
    server.put("s2", "second", NOW - 30_000)
    code = main(
        ["logs", "tail", "/aws/events/orders", "--since", "5m", "--endpoint", server.endpoint]
    )
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["s1 first", "s2 second"]
    assert lines[0].split(" ")[0].endswith("+00:00")


def test_tail_follows_new_events_until_interrupted(server: Server) -> None:
    server.put("s1", "before", NOW - 1000)
    out = io.StringIO()
    polls = []

    class Interrupted(Exception):
        pass

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 1:
            server.put("s1", "same instant", NOW - 1000)  # same timestamp, new event
            server.put("s2", "after", NOW)
            return
        raise Interrupted

    client = Connection(server.endpoint, "us-east-1").client("logs")
    try:
        with pytest.raises(Interrupted):
            tail(client, "/aws/events/orders", NOW - 60_000, follow=True, out=out, sleep=sleep)
    finally:
        client.close()
    messages = [line.split(" ", 2)[2] for line in out.getvalue().splitlines()]
    assert messages == ["before", "same instant", "after"]
    assert polls == [1.0, 1.0]


def test_a_missing_group_is_reported(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["logs", "tail", "/missing", "--endpoint", server.endpoint])
    assert code == 1
    assert "ResourceNotFoundException" in capsys.readouterr().err


def test_since_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_since("10m") == 600
    assert parse_since("2h") == 7200
    assert parse_since("1w") == 604_800
    assert main(["logs", "tail", "/a", "--since", "soon"]) == 2
    assert "--since must be" in capsys.readouterr().err
