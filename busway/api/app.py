"""The ASGI application: one endpoint serving every AWS API busway speaks.

JSON RPC APIs are routed by the prefix of ``X-Amz-Target`` (``AWSEvents.PutEvents``); everything
else by path: a mount is an ASGI app that owns every path under its prefix (the Scheduler's REST
API, ``/metrics``, ``/console``). ``GET /_busway/health`` answers 200 once the node is ready.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any, NamedTuple

from busway.api.awsjson import JsonResponse, JsonService, error_body, invoke
from busway.api.body import BodyTooLarge, read_body
from busway.api.context import RequestContext
from busway.api.sigv4 import credential_region
from busway.errors import ValidationError
from busway.ids import Uuids
from busway.model import Scope

__all__ = ["App", "Asgi", "Mount"]

log = logging.getLogger(__name__)

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Message, Receive, Send], Awaitable[None]]

# Per-operation text for a body over the limit; PutEvents says what AWS says for oversized entries.
_TOO_LARGE = {
    "AWSEvents.PutEvents": "Total size of the entries in the request is over the limit.",
}


class Mount(NamedTuple):
    """``app`` serves ``prefix`` itself and every path below it (``/console``, ``/console/x``)."""

    prefix: str
    app: Asgi

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


class App:
    def __init__(
        self,
        services: Sequence[JsonService],
        *,
        account: str,
        default_region: str = "us-east-1",
        max_body_bytes: int = 8 * 1024 * 1024,
        on_startup: Callable[[], Awaitable[None]] | None = None,
        on_shutdown: Callable[[], Awaitable[None]] | None = None,
        mounts: Sequence[Mount] = (),
    ) -> None:
        self._services = {service.target_prefix: service for service in services}
        self._mounts = tuple(mounts)
        self._account = account
        self._default_region = default_region
        self._max_body_bytes = max_body_bytes
        self._on_startup = on_startup
        self._on_shutdown = on_shutdown
        self.ready = False
        self._request_ids = Uuids()

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method, path = scope["method"], scope["path"]
        if path == "/_busway/health" and method == "GET":
            status = 200 if self.ready else 503
            await _respond(
                send,
                JsonResponse(
                    status,
                    b'{"ready":%s}' % (b"true" if self.ready else b"false"),
                    "application/json",
                ),
                "",
            )
            return
        for mount in self._mounts:
            if mount.owns(path):
                await mount.app(scope, receive, send)
                return
        target = headers.get("x-amz-target", "")
        prefix, _, operation = target.partition(".")
        service = self._services.get(prefix)
        request_id = self._request_ids()
        if method != "POST" or path != "/" or service is None:
            body = error_body("UnknownOperationException", "Unknown operation.")
            await _respond(send, JsonResponse(400, body, "application/x-amz-json-1.1"), request_id)
            return
        try:
            body = await read_body(receive, self._max_body_bytes)
        except BodyTooLarge:
            message = _TOO_LARGE.get(
                target, f"Request must be smaller than {self._max_body_bytes} bytes."
            )
            response = service.error_response(ValidationError(message))
            await _respond(send, response, request_id, close=True)
            return
        region = credential_region(headers.get("authorization")) or self._default_region
        context = RequestContext(
            scope=Scope(self._account, region),
            request_id=request_id,
            host=headers.get("host", ""),
        )
        await _respond(send, await invoke(service, operation, context, body), request_id)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if self._on_startup is not None:
                        await self._on_startup()
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                self.ready = True
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.ready = False
                if self._on_shutdown is not None:
                    await self._on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _respond(
    send: Send, response: JsonResponse, request_id: str, *, close: bool = False
) -> None:
    headers = [
        (b"content-type", response.content_type.encode()),
        (b"content-length", str(len(response.body)).encode()),
    ]
    if request_id:
        headers.append((b"x-amzn-requestid", request_id.encode()))
    if close:
        headers.append((b"connection", b"close"))
    headers.extend(
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers
    )
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
