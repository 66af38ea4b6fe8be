"""ObservedApp: request telemetry and the request log line around an ASGI app."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest

from busway.observability import ACCESS_LOGGER, JsonFormatter, ObservedApp

Message = MutableMapping[str, Any]


class Recorded:
    def __init__(self) -> None:
        self.requests: list[tuple[str, int]] = []

    def request(self, operation: str, status: int, seconds: float) -> None:
        assert seconds >= 0
        self.requests.append((operation, status))


async def inner(scope: Message, receive: Any, send: Any) -> None:
    status = 404 if scope["path"] == "/missing" else 200
    headers = [(b"content-type", b"application/json"), (b"x-amzn-requestid", b"req-1")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"secret": "body"}'})


async def broken(scope: Message, receive: Any, send: Any) -> None:
    raise RuntimeError("no answer")


def call(app: ObservedApp, path: str = "/", target: str = "") -> None:
    headers = [(b"host", b"h")]
    if target:
        headers.append((b"x-amz-target", target.encode()))
    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}

    async def receive() -> Message:
        return {"type": "http.request", "body": b'{"Name": "secret"}', "more_body": False}

    async def send(message: Message) -> None:
        pass

    asyncio.run(app(scope, receive, send))


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(ACCESS_LOGGER)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def observed(telemetry: Recorded) -> ObservedApp:
    return ObservedApp(inner, telemetry, {"AWSEvents.PutEvents"}, ["/metrics"])


def test_a_request_is_one_log_line_without_its_body(access_lines: io.StringIO) -> None:
    call(observed(Recorded()), target="AWSEvents.PutEvents")
    [text] = access_lines.getvalue().splitlines()
    entry = json.loads(text)
    assert entry["logger"] == ACCESS_LOGGER
    assert entry["level"] == "INFO"
    assert {k: entry[k] for k in ("method", "path", "operation", "status", "request_id")} == {
        "method": "POST",
        "path": "/",
        "operation": "AWSEvents.PutEvents",
        "status": 200,
        "request_id": "req-1",
    }
    assert isinstance(entry["duration_ms"], float)
    assert "secret" not in text


def test_operations_are_bounded_for_metrics_but_logged_as_sent(access_lines: io.StringIO) -> None:
    telemetry = Recorded()
    app = observed(telemetry)
    call(app, target="AWSEvents.PutEvents")
    call(app, target="AWSEvents.Made-Up-" + "x" * 500)
    call(app, path="/metrics")
    call(app, path="/_busway/health")
    call(app, path="/missing")
    assert telemetry.requests == [
        ("AWSEvents.PutEvents", 200),
        ("unknown", 200),
        ("/metrics", 200),
        ("health", 200),
        ("unknown", 404),
    ]
    logged = [json.loads(text)["operation"] for text in access_lines.getvalue().splitlines()]
    assert logged[1] == ("AWSEvents.Made-Up-" + "x" * 500)[:128]


def test_a_request_that_fails_without_an_answer_counts_as_500(access_lines: io.StringIO) -> None:
    telemetry = Recorded()
    with pytest.raises(RuntimeError):
        call(ObservedApp(broken, telemetry, ()), target="AWSEvents.PutEvents")
    assert telemetry.requests == [("unknown", 500)]
    assert json.loads(access_lines.getvalue())["status"] == 500


def test_a_disabled_level_logs_nothing_but_still_counts(access_lines: io.StringIO) -> None:
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.WARNING)
    telemetry = Recorded()
    call(observed(telemetry), target="AWSEvents.PutEvents")
    assert access_lines.getvalue() == ""
    assert telemetry.requests == [("AWSEvents.PutEvents", 200)]


def test_lifespan_passes_through() -> None:
    seen: list[str] = []

    async def app(scope: Message, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        pass

    telemetry = Recorded()
    asyncio.run(ObservedApp(app, telemetry, ())({"type": "lifespan"}, receive, send))
    assert seen == ["lifespan"]
    assert telemetry.requests == []


def test_a_rest_request_is_named_by_its_api(access_lines: io.StringIO) -> None:
    # The Scheduler's REST API names no operation in a header: the node asks it by path.
    telemetry = Recorded()

    def scheduler(scope: Message) -> str | None:
        return "Scheduler.CreateSchedule" if scope["path"].startswith("/schedules/") else None

    app = ObservedApp(inner, telemetry, (), ["/schedules"], rest_operation=scheduler)
    call(app, path="/schedules/nightly")
    call(app, path="/schedules")
    assert telemetry.requests == [("Scheduler.CreateSchedule", 200), ("/schedules", 200)]
    logged = [json.loads(text)["operation"] for text in access_lines.getvalue().splitlines()]
    assert logged[0] == "Scheduler.CreateSchedule"
