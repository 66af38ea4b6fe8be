"""SQS errors on the wire: JSON 1.0 ``__type`` plus the ``x-amzn-query-error`` header (sqs.md 1.4).

boto3 picks the exception class from ``__type`` (the model's shape name) and shows the legacy
code from the header as ``Error.Code``; both must be right for both styles of user code to work.
"""

from __future__ import annotations

from typing import Final

from busway.api.awsjson import JsonResponse, error_body
from busway.errors import ServiceError
from busway.service.queue_errors import QueueError

__all__ = ["encode_sqs_error", "query_code"]

_MODELED: Final = "com.amazonaws.sqs#"
_UNMODELED: Final = "com.amazon.coral.service#"
# Legacy codes of errors raised outside the queue service (protocol and framework errors).
_LEGACY: Final = {
    "UnknownOperationException": "InvalidAction",
    "InternalException": "InternalError",
    "ValidationException": "InvalidParameterValue",
    "SerializationException": "InvalidParameterValue",
}


def query_code(error: ServiceError) -> str:
    """The legacy code AWS reports in ``x-amzn-query-error`` and in batch ``Failed`` entries."""
    if isinstance(error, QueueError):
        return error.query_code
    return _LEGACY.get(error.code, error.code)


def _shape(error: ServiceError) -> str:
    if isinstance(error, QueueError) and error.modeled:
        return _MODELED + error.code
    if error.code == "InternalException":
        return _UNMODELED + "InternalError"
    return _UNMODELED + error.code


def encode_sqs_error(error: ServiceError, content_type: str) -> JsonResponse:
    return JsonResponse(
        error.status,
        error_body(_shape(error), error.message),
        content_type,
        (("x-amzn-query-error", f"{query_code(error)};Sender"),),
    )
