"""The ASGI app itself: routing, the body limit, health, and errors that reach no handler."""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

from busway.api.app import App, Mount
from busway.api.awsjson import JsonService
from busway.api.context import RequestContext
from busway.api.request import Request

CHUNK = b"x" * 64


async def _echo(context: RequestContext, request: Request) -> dict[str, Any]:
    return {"region": context.scope.region, "keys": sorted(request.keys())}


def _app(**options: Any) -> App:
    service = JsonService("AWSEvents", "application/x-amz-json-1.1", {"Echo": _echo})
    return App([service], account="123456789012", **options)


def _request(
    app: App, target: str, chunks: list[bytes], *, method: str = "POST", path: str = "/"
) -> tuple[int, dict[str, str], bytes, int]:
    """Send the body in chunks; also returns how many chunks the app asked for."""
    headers = [(b"x-amz-target", target.encode())] if target else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    pending = list(chunks)
    asked = 0

    async def receive() -> MutableMapping[str, Any]:
        nonlocal asked
        asked += 1
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    head = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], head, sent[1]["body"], asked


def test_a_body_over_the_limit_is_refused_before_it_is_all_read() -> None:
    app = _app(max_body_bytes=200)
    status, headers, body, asked = _request(app, "AWSEvents.Echo", [CHUNK] * 100)
    assert status == 400
    assert json.loads(body)["__type"] == "ValidationException"
    assert asked == 4  # 4 x 64 bytes passed the 200-byte limit; the other 96 chunks were not read
    assert headers["connection"] == "close"


def test_put_events_over_the_limit_says_what_aws_says() -> None:
    status, _, body, _ = _request(_app(max_body_bytes=10), "AWSEvents.PutEvents", [CHUNK])
    assert (status, json.loads(body)) == (
        400,
        {
            "__type": "ValidationException",
            "message": "Total size of the entries in the request is over the limit.",
        },
    )


def test_requests_are_routed_by_target_and_answer_with_a_request_id() -> None:
    status, headers, body, _ = _request(_app(), "AWSEvents.Echo", [b'{"A": 1}'])
    assert status == 200
    assert json.loads(body) == {"region": "us-east-1", "keys": ["A"]}
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert len(headers["x-amzn-requestid"]) == 36


def test_unknown_targets_and_paths_are_unknown_operations() -> None:
    for target, method, path in [
        ("AWSEvents.Nope", "POST", "/"),
        ("Nobody.Echo", "POST", "/"),
        ("", "POST", "/"),
        ("AWSEvents.Echo", "GET", "/"),
    ]:
        status, _, body, _ = _request(_app(), target, [b"{}"], method=method, path=path)
        assert status == 400
        assert json.loads(body)["__type"] == "UnknownOperationException"


def test_health_answers_503_until_started() -> None:
    app = _app()
    assert _request(app, "", [], method="GET", path="/_busway/health")[0] == 503
    app.ready = True
    assert _request(app, "", [], method="GET", path="/_busway/health")[0] == 200


def test_a_mount_serves_its_prefix_and_below_but_not_lookalikes() -> None:
    seen: list[str] = []

    async def mounted(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = _app(mounts=[Mount("/console", mounted)])
    assert _request(app, "", [], method="GET", path="/console")[0] == 204
    assert _request(app, "", [], method="GET", path="/console/rules")[0] == 204
    assert _request(app, "", [], method="GET", path="/consoles")[0] == 400
    assert seen == ["/console", "/console/rules"]
