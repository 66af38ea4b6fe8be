"""What a message may be: the checks SendMessage applies before anything is stored (sqs.md 2.1,
2.4), and the requests and results of sending and receiving."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from busway.frozen import quick_init
from busway.service.queue_errors import (
    InvalidMessageContents,
    InvalidParameterValue,
    MissingParameter,
)
from busway.store.queues import MessageAttribute, QueueMessage, QueueSettings

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_DELAY_SECONDS",
    "Received",
    "SendRequest",
    "SendResult",
    "check_fifo_batch",
    "check_fifo_id",
    "check_send",
    "invalid_characters",
    "message_size",
]

_NO_DEDUPLICATION: Final = (
    "The queue should either have ContentBasedDeduplication enabled or "
    "MessageDeduplicationId provided explicitly"
)
MAX_ATTRIBUTES: Final = 10
MAX_DELAY_SECONDS: Final = 900
_TRACE_HEADER: Final = "AWSTraceHeader"  # the one message system attribute
_BODY: Final = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
_ATTRIBUTE_NAME: Final = re.compile(r"[A-Za-z0-9_.\-]{1,256}")
_NUMBER: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NUMBER_DIGITS: Final = 38
_NUMBER_LOW: Final = Decimal("1e-128")
_NUMBER_HIGH: Final = Decimal("1e126")
_FIFO_ID: Final = re.compile(r"[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}")
_TYPES: Final = ("String", "Number", "Binary")
_MAX_TYPE_CHARS: Final = 256


@quick_init
@dataclass(frozen=True, slots=True)
class SendRequest:
    body: str
    delay_seconds: int | None = None  # None: the queue's
    attributes: Mapping[str, MessageAttribute] = field(default_factory=dict)
    system_attributes: Mapping[str, MessageAttribute] = field(default_factory=dict)
    group_id: str | None = None
    deduplication_id: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class SendResult:
    message_id: str
    body_md5: str
    attributes_md5: str | None
    system_attributes_md5: str | None
    sequence_number: str | None  # FIFO only


@dataclass(frozen=True, slots=True)
class Received:
    message: QueueMessage
    receipt_handle: str


def message_size(request: SendRequest) -> int:
    """UTF-8 bytes of the body and of every attribute's name, type and value."""
    size = len(request.body.encode("utf-8"))
    for name, attribute in request.attributes.items():
        size += len(name.encode("utf-8")) + len(attribute.data_type.encode("utf-8"))
        size += len((attribute.string_value or "").encode("utf-8"))
        size += len(attribute.binary_value or b"")
    return size


def check_send(request: SendRequest, settings: QueueSettings) -> None:
    """Raise the error AWS gives for a message this queue cannot take."""
    if not request.body:
        raise MissingParameter.named("MessageBody")
    if not _valid_text(request.body):
        raise invalid_characters()
    _check_delay(request, settings)
    _check_attributes(request.attributes)
    _check_system_attributes(request.system_attributes)
    if message_size(request) > settings.maximum_message_size:
        raise InvalidParameterValue(
            "One or more parameters are invalid. Reason: Message must be shorter than "
            f"{settings.maximum_message_size} bytes."
        )
    if settings.fifo:
        _check_fifo(request, settings)
    elif request.deduplication_id is not None:
        raise InvalidParameterValue(
            f"Value {request.deduplication_id} for parameter MessageDeduplicationId is invalid. "
            "Reason: The request includes a parameter that is not valid for this queue type."
        )


def _valid_text(text: str) -> bool:
    """Whether SQS takes these characters (sqs.md 2.1). Printable ASCII (the usual body: JSON)
    is all valid; only other text needs the pattern."""
    return (text.isascii() and text.isprintable()) or _BODY.fullmatch(text) is not None


def invalid_characters() -> InvalidMessageContents:
    """A message with characters SQS does not take (sqs.md 2.1)."""
    return InvalidMessageContents(
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | "
        "#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
    )


def _check_delay(request: SendRequest, settings: QueueSettings) -> None:
    delay = request.delay_seconds
    if delay is None:
        return
    if not 0 <= delay <= MAX_DELAY_SECONDS:
        raise InvalidParameterValue(
            f"Value {delay} for parameter DelaySeconds is invalid. "
            "Reason: DelaySeconds must be >= 0 and <= 900."
        )
    if settings.fifo and delay != 0:
        raise InvalidParameterValue(
            f"Value {delay} for parameter DelaySeconds is invalid. "
            "Reason: The request include parameter that is not valid for this queue type."
        )


def _check_fifo(request: SendRequest, settings: QueueSettings) -> None:
    if request.group_id is None:
        raise MissingParameter.named("MessageGroupId")
    check_fifo_id("MessageGroupId", request.group_id)
    if request.deduplication_id is not None:
        check_fifo_id("MessageDeduplicationId", request.deduplication_id)
    if request.deduplication_id is None and not settings.content_based_deduplication:
        raise InvalidParameterValue(_NO_DEDUPLICATION)


def check_fifo_batch(requests: Sequence[SendRequest], settings: QueueSettings) -> None:
    """SendMessageBatch to a FIFO queue: an entry without a group id, or without a
    deduplication id where the queue makes none, fails the whole request (HTTP 400), not
    just its entry, as AWS answered in LocalStack's AWS-validated batch tests; the code is
    InvalidParameterValue even for the missing group id, which a single send reports as
    MissingParameter."""
    if not settings.fifo:
        return
    for request in requests:
        if request.group_id is None:
            raise InvalidParameterValue("The request must contain the parameter MessageGroupId.")
        if request.deduplication_id is None and not settings.content_based_deduplication:
            raise InvalidParameterValue(_NO_DEDUPLICATION)


def check_fifo_id(parameter: str, value: str) -> None:
    """A group, deduplication or receive attempt id: up to 128 of SQS's characters."""
    if _FIFO_ID.fullmatch(value) is None:
        raise InvalidParameterValue(
            f"Value {value} for parameter {parameter} is invalid. Reason: It can only "
            "contain alphanumeric characters and punctuation, at most 128 characters."
        )


def _check_attributes(attributes: Mapping[str, MessageAttribute]) -> None:
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
            f"[{MAX_ATTRIBUTES}]."
        )
    for name, attribute in attributes.items():
        _check_attribute_name(name)
        _check_attribute_value(name, attribute)


def _check_system_attributes(attributes: Mapping[str, MessageAttribute]) -> None:
    """AWSTraceHeader, a string, is the only message system attribute a sender may set. AWS's
    wording for these refusals is not recorded; busway's follows the user attributes'."""
    for name, attribute in attributes.items():
        if name != _TRACE_HEADER:
            raise InvalidParameterValue(
                f"Message system attribute name '{name}' is invalid. The only supported "
                f"message system attribute is {_TRACE_HEADER}."
            )
        if attribute.data_type != "String":
            raise InvalidParameterValue(
                f"The type of message system attribute '{name}' is invalid. It must be String."
            )
        if not attribute.string_value:
            raise InvalidParameterValue(
                f"Message system attribute '{name}' must contain a non-empty value of type "
                "'String'."
            )


def _check_attribute_name(name: str) -> None:
    lowered = name.lower()
    if (
        _ATTRIBUTE_NAME.fullmatch(name) is None
        or lowered.startswith(("aws.", "amazon."))
        or name.startswith(".")
        or name.endswith(".")
        or ".." in name
    ):
        raise InvalidParameterValue(f"Message (user) attribute name '{name}' is invalid.")


def _check_attribute_value(name: str, attribute: MessageAttribute) -> None:
    base = attribute.data_type.split(".", 1)[0]
    if base not in _TYPES or len(attribute.data_type) > _MAX_TYPE_CHARS:
        raise InvalidParameterValue(
            f"The type of message (user) attribute '{name}' is invalid. You must use only the "
            "following supported type prefixes: Binary, Number, String."
        )
    value_empty = not attribute.binary_value if base == "Binary" else not attribute.string_value
    if value_empty:
        raise InvalidParameterValue(
            f"Message (user) attribute '{name}' must contain a non-empty value of type '{base}'."
        )
    text = attribute.string_value
    if base == "String" and text and not _valid_text(text):
        # Refused by AWS with this code (LocalStack's AWS-validated
        # test_invalid_string_attributes_cause_invalid_parameter_value_error); its text is not
        # recorded, so busway names the characters a body may hold.
        raise InvalidParameterValue(
            f"Message (user) attribute '{name}' has an invalid value: valid unicode characters "
            "are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    if base == "Number" and not _is_sqs_number(attribute.string_value or ""):
        # Wording as reported from AWS, not recorded here.
        raise InvalidParameterValue(
            f"Can't cast the value of message (user) attribute '{name}' to a number."
        )


def _is_sqs_number(text: str) -> bool:
    """A number SQS holds: up to 38 significant digits, from 10^-128 to 10^+126 in size
    (sqs.md 2.1), written as a plain or exponent decimal (Python's extra spellings refused)."""
    if _NUMBER.fullmatch(text) is None:
        return False
    value = Decimal(text)
    if not value:
        return True
    # Counted from the digits themselves: normalize() would round to the context's precision.
    significant = "".join(map(str, value.as_tuple().digits)).strip("0")
    # copy_abs, not abs(): abs() rounds in the context, which overflows past its exponents.
    size = value.copy_abs()
    return len(significant) <= _NUMBER_DIGITS and _NUMBER_LOW <= size <= _NUMBER_HIGH
