"""The AWS JSON 1.0/1.1 RPC protocol: ``POST /`` with ``X-Amz-Target: <Prefix>.<Operation>``.

Answers carry ``x-amzn-RequestId``; errors are ``{"__type": code, "message": text}`` with the
error's HTTP status (spec section 1.3-1.4).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from busway import jsontext
from busway.api.context import RequestContext
from busway.api.request import Request, SerializationError
from busway.errors import InternalError, ServiceError
from busway.frozen import quick_init

__all__ = [
    "ErrorEncoder",
    "Handler",
    "JsonResponse",
    "JsonService",
    "encode_error",
    "error_body",
    "invoke",
]

log = logging.getLogger(__name__)

Handler = Callable[[RequestContext, Request], Awaitable[dict[str, Any]]]


@quick_init
@dataclass(frozen=True, slots=True)
class JsonResponse:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()  # beyond content type, length and request id


ErrorEncoder = Callable[[ServiceError, str], JsonResponse]


def encode_error(error: ServiceError, content_type: str) -> JsonResponse:
    """The usual AWS JSON error: ``{"__type": code, "message": text}`` with the error's status."""
    return JsonResponse(error.status, error_body(error.code, error.message), content_type)


@dataclass(frozen=True, slots=True)
class JsonService:
    """One AWS JSON API: its target prefix (``AWSEvents``), content type and operations.

    ``errors`` encodes its errors, for an API whose errors carry more than code and message.
    """

    target_prefix: str
    content_type: str
    operations: Mapping[str, Handler]
    errors: ErrorEncoder = encode_error
    # The error for a body whose JSON is sound but holds a string with an unpaired UTF-16
    # surrogate (``"\ud800"``, easy to send from JavaScript), where the API names one.
    unpaired_surrogate: Callable[[], ServiceError] | None = None

    def error_response(self, error: ServiceError) -> JsonResponse:
        return self.errors(error, self.content_type)


class UnknownOperation(ServiceError):
    code = "UnknownOperationException"


def error_body(code: str, message: str) -> bytes:
    return jsontext.dumpb({"__type": code, "message": message})


class UnpairedSurrogate(SerializationError):
    """Sound JSON, but a string in it holds half a UTF-16 surrogate pair, which the decoder
    refuses (no Python text made of it could be stored or encoded again)."""


def _parse(body: bytes) -> Request:
    if not body.strip():
        return Request({})
    try:
        value = jsontext.loads(body, max_depth=jsontext.MAX_DEPTH)
    except (jsontext.JSONDecodeError, ValueError) as exc:
        error = UnpairedSurrogate if _has_unpaired_surrogate(body) else SerializationError
        raise error("Start of structure or map found where not expected.") from exc
    if not isinstance(value, dict):
        raise SerializationError("Start of structure or map found where not expected.")
    return Request(value)


def _has_unpaired_surrogate(body: bytes) -> bool:
    """Whether a body the decoder refused is JSON after all, with a lone surrogate in a
    string: the standard library's decoder takes such strings (on this failure path only)."""
    if b"\\u" not in body:
        return False
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return False
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if any("\ud800" <= char <= "\udfff" for char in item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


async def invoke(
    service: JsonService, operation: str, context: RequestContext, body: bytes
) -> JsonResponse:
    """Run one operation and encode its result or error; never lets an exception escape."""
    try:
        handler = service.operations.get(operation)
        if handler is None:
            raise UnknownOperation(f"Operation {operation} is not supported.")
        result = await handler(context, _parse(body))
        return JsonResponse(200, jsontext.dumpb(result), service.content_type)
    except UnpairedSurrogate as exc:
        chosen = service.unpaired_surrogate
        return service.error_response(exc if chosen is None else chosen())
    except ServiceError as exc:
        return service.error_response(exc)
    except Exception:
        log.exception("internal error in %s.%s", service.target_prefix, operation)
        return service.error_response(InternalError("An internal error occurred."))
