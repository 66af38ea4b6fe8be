"""Per-request telemetry and the request log, as ASGI middleware around busway's app.

Each answered request is reported to ``RequestTelemetry`` under a bounded operation name (the
``X-Amz-Target`` when it names an operation busway has, else the mount or ``unknown``) and, when
INFO is enabled for ``busway.access``, logged as one line: method, path, operation, status,
duration_ms and request_id. Never bodies. Durations come from ``time.perf_counter``: they
measure this process's work, not the time of day, so they do not go through ``Clock``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

from busway.observability.telemetry import RequestTelemetry

__all__ = ["ACCESS_LOGGER", "ObservedApp"]

ACCESS_LOGGER = "busway.access"

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Message, Receive, Send], Awaitable[None]]

_HEALTH = "/_busway/health"
_MAX_LOGGED_TARGET = 128  # a client writes X-Amz-Target: log a bounded part of an unknown one

access_log = logging.getLogger(ACCESS_LOGGER)


class ObservedApp:
    """Wraps ``app``; ``operations`` are the known ``Prefix.Operation`` targets, ``mounts`` the
    path prefixes of mounted apps (``/metrics``), and ``rest_operation`` names a request to a
    REST API (the Scheduler's), which no header names."""

    def __init__(
        self,
        app: Asgi,
        telemetry: RequestTelemetry,
        operations: Collection[str],
        mounts: Collection[str] = (),
        rest_operation: Callable[[Message], str | None] | None = None,
    ) -> None:
        self._app = app
        self._telemetry = telemetry
        self._operations = frozenset(operations)
        self._mounts = tuple(mounts)
        self._rest_operation = rest_operation

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        response: list[Message] = []

        async def observed_send(message: Message) -> None:
            if not response and message["type"] == "http.response.start":
                response.append(message)
            await send(message)

        try:
            await self._app(scope, receive, observed_send)
        finally:
            seconds = time.perf_counter() - started
            start = response[0] if response else None
            status = 500 if start is None else int(start["status"])
            target = _header(scope, b"x-amz-target")
            operation = self._operation(scope, target)
            self._telemetry.request(operation, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                _log_request(scope, target, operation, status, seconds, start)

    def _operation(self, scope: Message, target: str) -> str:
        if target in self._operations:
            return target
        path = scope["path"]
        if path == _HEALTH:
            return "health"
        named = None if self._rest_operation is None else self._rest_operation(scope)
        if named is not None:
            return named
        for prefix in self._mounts:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix
        return "unknown"


def _log_request(
    scope: Message,
    target: str,
    operation: str,
    status: int,
    seconds: float,
    start: Message | None,
) -> None:
    request_id = ""
    if start is not None:
        for name, value in start.get("headers", ()):
            if name == b"x-amzn-requestid":
                request_id = value.decode("latin-1")
                break
    access_log.info(
        "%s %s %s",
        scope["method"],
        scope["path"],
        status,
        extra={
            "method": scope["method"],
            "path": scope["path"],
            "operation": operation if operation != "unknown" else target[:_MAX_LOGGED_TARGET],
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "request_id": request_id,
        },
    )


def _header(scope: Message, wanted: bytes) -> str:
    for name, value in scope["headers"]:
        if name == wanted:
            return str(value.decode("latin-1"))
    return ""
