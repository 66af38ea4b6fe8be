"""The REST-JSON protocol of EventBridge Scheduler: operations by HTTP method and path.

Path labels are read from the raw path and percent-decoded here, one segment at a time: an ARN
label (``/tags/{ResourceArn}``) arrives with its slashes encoded as ``%2F``. Errors carry their
code in the ``x-amzn-ErrorType`` header and ``{"Message": ...}`` in the body, with the HTTP
status the service model gives the error (spec 5.2).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from busway import jsontext
from busway.api.body import BodyTooLarge, read_body
from busway.api.request import Request, SerializationError
from busway.api.sigv4 import credential_region
from busway.errors import ServiceError
from busway.ids import Uuids
from busway.model import Scope

__all__ = ["Call", "Handler", "Route", "SchedulerProtocol"]

log = logging.getLogger(__name__)

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# The model's status for each error; errors it does not know keep their own status.
_STATUS: Final = {
    "ValidationException": 400,
    "ConflictException": 409,
    "ResourceNotFoundException": 404,
    "ServiceQuotaExceededException": 402,
    "ThrottlingException": 429,
    "InternalServerException": 500,
}
_CONTENT_TYPE: Final = b"application/json"


@dataclass(frozen=True, slots=True)
class Call:
    """One request: where it acts, its path label (``Name``, ``ResourceArn``), its query
    parameters (each a list: ``TagKeys`` repeats) and its JSON body."""

    scope: Scope
    label: str | None
    query: Mapping[str, list[str]]
    body: Request

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


Handler = Callable[[Call], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    collection: str  # "schedules", "schedule-groups", "tags"
    labelled: bool  # /collection/{label} rather than /collection
    handler: Handler
    name: str  # the operation, as the model names it ("CreateSchedule")


class _UnknownOperation(ServiceError):
    code = "UnknownOperationException"
    status = 404


class _BodyTooLarge(ServiceError):
    code = "ValidationException"


class SchedulerProtocol:
    """An ASGI app for the paths ``/schedules``, ``/schedule-groups`` and ``/tags``."""

    def __init__(
        self,
        routes: Sequence[Route],
        *,
        account: str,
        default_region: str,
        max_body_bytes: int,
    ) -> None:
        self._routes = {(r.method, r.collection, r.labelled): r.handler for r in routes}
        self._names = {(r.method, r.collection, r.labelled): r.name for r in routes}
        self._account = account
        self._default_region = default_region
        self._max_body_bytes = max_body_bytes
        self._request_ids = Uuids()

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = self._request_ids()
        try:
            result = await self._handle(scope, receive)
        except ServiceError as error:
            code, status = _code_and_status(error)
            body = jsontext.dumpb({"Message": error.message})
            await _respond(send, status, body, request_id, code)
            return
        except Exception:
            log.exception("internal error in the Scheduler API")
            body = jsontext.dumpb({"Message": "An internal error occurred."})
            await _respond(send, 500, body, request_id, "InternalServerException")
            return
        await _respond(send, 200, jsontext.dumpb(result), request_id, None)

    def operation(self, scope: Message) -> str | None:
        """``Scheduler.<Operation>`` of a request, for metrics and the access log (the REST
        API names no operation in a header); None for a path no route serves."""
        collection, label = _route_parts(scope)
        name = self._names.get((scope["method"], collection, label is not None))
        return None if name is None else f"Scheduler.{name}"

    async def _handle(self, scope: Message, receive: Receive) -> dict[str, Any]:
        collection, label = _route_parts(scope)
        handler = self._routes.get((scope["method"], collection, label is not None))
        if handler is None:
            raise _UnknownOperation(f"No operation at {scope['method']} {scope['path']}.")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        region = credential_region(headers.get("authorization")) or self._default_region
        query = urllib.parse.parse_qs(
            scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        )
        try:
            body = await read_body(receive, self._max_body_bytes)
        except BodyTooLarge:
            raise _BodyTooLarge(
                f"Request must be smaller than {self._max_body_bytes} bytes."
            ) from None
        call = Call(Scope(self._account, region), label, query, _parse(body))
        return await handler(call)


def _route_parts(scope: Message) -> tuple[str, str | None]:
    """(collection, decoded label or None) from the raw path."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else urllib.parse.quote(scope["path"])
    segments = path.lstrip("/").split("/")
    if len(segments) == 1:
        return segments[0], None
    if len(segments) == 2 and segments[1]:
        return segments[0], urllib.parse.unquote(segments[1])
    return "", None  # no route has more segments


def _parse(body: bytes) -> Request:
    if not body.strip():
        return Request({})
    try:
        value = jsontext.loads(body, max_depth=jsontext.MAX_DEPTH)
    except (jsontext.JSONDecodeError, ValueError):
        raise SerializationError("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise SerializationError("The request body must be a JSON object.")
    return Request(value)


def _code_and_status(error: ServiceError) -> tuple[str, int]:
    code = "InternalServerException" if error.status >= 500 else error.code
    return code, _STATUS.get(code, error.status)


async def _respond(
    send: Send, status: int, body: bytes, request_id: str, error_type: str | None
) -> None:
    headers = [
        (b"content-type", _CONTENT_TYPE),
        (b"content-length", str(len(body)).encode()),
        (b"x-amzn-requestid", request_id.encode()),
    ]
    if error_type is not None:
        headers.append((b"x-amzn-errortype", error_type.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
