"""Call busway's ASGI app in-process, as botocore would over HTTP, without a server."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

from busway.api.app import App

_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/{region}/events/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0"
)


async def call_raw(
    app: App, target: str, body: bytes, *, region: str = "us-east-1"
) -> tuple[int, dict[str, str], bytes]:
    """POST one AWS JSON request; returns status, response headers and body."""
    headers = [
        (b"host", b"127.0.0.1:4747"),
        (b"content-type", b"application/x-amz-json-1.1"),
        (b"x-amz-target", target.encode()),
        (b"authorization", _AUTH.format(region=region).encode()),
    ]
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    sent = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    messages: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start, payload = messages[0], messages[1]
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, payload["body"]


async def call(
    app: App, operation: str, body: dict[str, Any], *, region: str = "us-east-1"
) -> tuple[int, dict[str, Any]]:
    """Call ``AWSEvents.<operation>`` with a JSON body; returns status and decoded JSON answer."""
    status, _, raw = await call_raw(
        app, f"AWSEvents.{operation}", json.dumps(body).encode(), region=region
    )
    return status, json.loads(raw)
