"""Reading SQS inputs: QueueUrl, ranges, batches and message attributes, with SQS's errors.

SQS answers a bad value with InvalidParameterValue and a missing one with MissingParameter (not
the ValidationException of other JSON APIs), so these readers raise those directly.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from busway.api.context import RequestContext
from busway.api.request import Request, SerializationError
from busway.model import Scope
from busway.service.queue_errors import (
    BatchEntryIdsNotDistinct,
    EmptyBatchRequest,
    InvalidAddress,
    InvalidBatchEntryId,
    InvalidParameterValue,
    MissingParameter,
    TooManyEntriesInBatchRequest,
)
from busway.store.queues import MessageAttribute

__all__ = [
    "attributes_out",
    "queue_url",
    "read_batch",
    "read_message_attributes",
    "read_queue",
    "read_range",
    "read_string_map",
    "required_string",
]

MAX_BATCH: Final = 10
_ENTRY_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")


def required_string(request: Request, name: str) -> str:
    value = request.string(name)
    if value is None:
        raise MissingParameter.named(name)
    return value


def read_range(request: Request, name: str, low: int, high: int, reason: str) -> int | None:
    value = request.integer(name)
    if value is not None and not low <= value <= high:
        raise InvalidParameterValue(f"Value {value} for parameter {name} is invalid. {reason}")
    return value


def read_string_map(request: Request, name: str) -> dict[str, str]:
    return request.string_map(name) or {}


def queue_url(context: RequestContext, scope: Scope, name: str) -> str:
    """The URL of a queue at the address the client reached busway by."""
    return f"http://{context.host or 'localhost'}/{scope.account}/{name}"


def read_queue(context: RequestContext, request: Request) -> tuple[Scope, str]:
    """The queue a ``QueueUrl`` names: its last path segment, the account before it.

    Scheme and host are ignored (clients keep AWS-style URLs); a bare name is accepted too.
    """
    url = required_string(request, "QueueUrl")
    path = urlsplit(url).path if "://" in url else url
    segments = [segment for segment in path.split("/") if segment]
    if not segments or ("://" in url and len(segments) < 2):
        raise InvalidAddress(f"The address {url} is not valid for this endpoint.")
    account = segments[-2] if len(segments) >= 2 else context.scope.account
    return Scope(account, context.scope.region), segments[-1]


def read_batch(request: Request, entry_name: str) -> list[Request]:
    """The ``Entries`` of a batch call, with the checks that reject the whole request."""
    raw = request.array("Entries")
    if not raw:
        raise EmptyBatchRequest(f"There should be at least one {entry_name} in the request.")
    if len(raw) > MAX_BATCH:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {MAX_BATCH}. You have sent {len(raw)}."
        )
    entries = request.structs("Entries")
    seen: set[str] = set()
    for entry in entries:
        entry_id = required_string(entry, "Id")
        if _ENTRY_ID.fullmatch(entry_id) is None:
            raise InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and "
                "underscores. It can be at most 80 letters long."
            )
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        seen.add(entry_id)
    return entries


def read_message_attributes(request: Request, name: str) -> dict[str, MessageAttribute]:
    raw = request.body.get(name)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SerializationError(f"Value for member {name} is not a valid map.")
    return {key: _attribute(key, value) for key, value in raw.items()}


def _attribute(name: str, raw: Any) -> MessageAttribute:
    if not isinstance(raw, dict):
        raise SerializationError("Value for member MessageAttributeValue is not a structure.")
    value = Request(raw)
    data_type = value.string("DataType")
    if not data_type:
        raise InvalidParameterValue(f"The message attribute '{name}' must contain a DataType.")
    binary = value.string("BinaryValue")
    try:
        decoded = None if binary is None else base64.b64decode(binary, validate=True)
    except (binascii.Error, ValueError):  # ValueError: characters outside ASCII
        raise InvalidParameterValue(
            f"The message attribute '{name}' has an invalid BinaryValue."
        ) from None
    return MessageAttribute(data_type, value.string("StringValue"), decoded)


def attributes_out(attributes: Mapping[str, MessageAttribute]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, attribute in attributes.items():
        value: dict[str, Any] = {"DataType": attribute.data_type}
        if attribute.binary_value is not None:
            value["BinaryValue"] = base64.b64encode(attribute.binary_value).decode("ascii")
        else:
            value["StringValue"] = attribute.string_value
        shown[name] = value
    return shown
