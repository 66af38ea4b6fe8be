"""Queue attributes: SQS's names and string values <-> ``QueueSettings`` (sqs.md section 2.2).

The attribute names are the queue's documented vocabulary (what CreateQueue, CloudFormation and
GetQueueAttributes all use), so settings are read and shown by them here, in one table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from busway import jsontext
from busway.service.queue_errors import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
)
from busway.service.queue_names import split_queue_arn
from busway.store.queues import Queue, QueueCounts, QueueSettings, RedrivePolicy

__all__ = ["apply_attributes", "differing_attribute", "queue_attributes"]

Parse = Callable[[str, str], Any]


def _integer(low: int, high: int) -> Parse:
    def parse(name: str, text: str) -> int:
        # isdigit() alone takes other scripts' digits ("١٢٣"), which int() reads too.
        digits = text.isascii() and text.isdigit() and len(text) <= _MOST_DIGITS
        if not digits or not low <= int(text) <= high:
            raise InvalidAttributeValue(f"Invalid value for the parameter {name}.")
        return int(text)

    return parse


_MOST_DIGITS = 18  # a number attribute longer than this is out of every range anyway


def _boolean(name: str, text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise InvalidAttributeValue(f"Invalid value for the parameter {name}.")
    return text.lower() == "true"


def _one_of(*allowed: str) -> Parse:
    def parse(name: str, text: str) -> str:
        if text not in allowed:
            raise InvalidAttributeValue(f"Invalid value for the parameter {name}.")
        return text

    return parse


def _text_or_none(name: str, text: str) -> str | None:
    return text or None  # "" removes the attribute


def _json_document(check: Callable[[dict[str, Any]], bool]) -> Parse:
    """A JSON object that ``check`` accepts, kept as its text ("" removes the attribute)."""

    def parse(name: str, text: str) -> str | None:
        if not text:
            return None
        try:
            value = jsontext.loads(text)
        except (jsontext.JSONDecodeError, ValueError):
            value = None
        if not isinstance(value, dict) or not check(value):
            # AWS's text for a Policy it refuses, quoted from a real answer
            # (terraform-provider-aws #42209); the same form for RedriveAllowPolicy.
            raise InvalidAttributeValue(f"Invalid value for the parameter {name}.")
        return text

    return parse


def _has_statements(policy: dict[str, Any]) -> bool:
    return isinstance(policy.get("Statement"), list | dict)


def _redrive_allow(policy: dict[str, Any]) -> bool:
    permission = policy.get("redrivePermission")
    sources = policy.get("sourceQueueArns")
    if permission == "byQueue":
        return (
            isinstance(sources, list)
            and 1 <= len(sources) <= _MOST_REDRIVE_SOURCES
            and all(isinstance(arn, str) and split_queue_arn(arn) for arn in sources)
        )
    return permission in ("allowAll", "denyAll") and sources is None


_MOST_REDRIVE_SOURCES = 10  # sourceQueueArns of a byQueue RedriveAllowPolicy, as SQS documents


def _redrive_policy(name: str, text: str) -> RedrivePolicy | None:
    if not text:
        return None
    invalid = f"Value {text} for parameter RedrivePolicy is invalid. Reason: "
    try:
        value = jsontext.loads(text)
    except (jsontext.JSONDecodeError, ValueError):
        raise InvalidParameterValue(invalid + "Redrive policy is not a valid JSON map.") from None
    if not isinstance(value, dict) or not isinstance(value.get("deadLetterTargetArn"), str):
        raise InvalidParameterValue(
            invalid + "Redrive policy does not contain mandatory attribute: deadLetterTargetArn."
        )
    if split_queue_arn(value["deadLetterTargetArn"]) is None:
        # Refused before any lookup, as AWS does (LocalStack's AWS-validated
        # test_invalid_dead_letter_arn_rejected_before_lookup).
        raise InvalidParameterValue(invalid + "Invalid value for deadLetterTargetArn.")
    count = value.get("maxReceiveCount")
    if count is None:
        raise InvalidParameterValue(
            invalid + "Redrive policy does not contain mandatory attribute: maxReceiveCount."
        )
    if isinstance(count, str) and count.isascii() and count.isdigit() and len(count) <= 4:
        count = int(count)
    if isinstance(count, Decimal) and count != count.to_integral_value():
        count = str(count)  # 5.5 is no count: refused below, as a string is
    if isinstance(count, bool) or not isinstance(count, int | Decimal) or not 1 <= count <= 1000:
        # A number of thousands of digits is not written out (nor could str() write it).
        shown: object = count
        if isinstance(count, int | Decimal) and not -(10**18) < count < 10**18:
            shown = "?"
        raise InvalidParameterValue(
            invalid + f"Invalid value for maxReceiveCount: {shown}, "
            "valid values are from 1 to 1000 both inclusive."
        )
    return RedrivePolicy(value["deadLetterTargetArn"], int(count))


@dataclasses.dataclass(frozen=True, slots=True)
class _Attribute:
    field: str  # of QueueSettings
    parse: Parse
    fifo_only: bool = False


_SETTABLE: Final[dict[str, _Attribute]] = {
    "DelaySeconds": _Attribute("delay_seconds", _integer(0, 900)),
    "MaximumMessageSize": _Attribute("maximum_message_size", _integer(1024, 1_048_576)),
    "MessageRetentionPeriod": _Attribute("retention_seconds", _integer(60, 1_209_600)),
    "ReceiveMessageWaitTimeSeconds": _Attribute("receive_wait_seconds", _integer(0, 20)),
    "VisibilityTimeout": _Attribute("visibility_timeout", _integer(0, 43_200)),
    "Policy": _Attribute("policy", _json_document(_has_statements)),
    "RedrivePolicy": _Attribute("redrive_policy", _redrive_policy),
    "RedriveAllowPolicy": _Attribute("redrive_allow_policy", _json_document(_redrive_allow)),
    "ContentBasedDeduplication": _Attribute("content_based_deduplication", _boolean, True),
    "DeduplicationScope": _Attribute("deduplication_scope", _one_of("queue", "messageGroup"), True),
    "FifoThroughputLimit": _Attribute(
        "fifo_throughput_limit", _one_of("perQueue", "perMessageGroupId"), True
    ),
    "SqsManagedSseEnabled": _Attribute("sqs_managed_sse", _boolean),
    "KmsMasterKeyId": _Attribute("kms_master_key_id", _text_or_none),
    "KmsDataKeyReusePeriodSeconds": _Attribute("kms_data_key_reuse_seconds", _integer(60, 86_400)),
}
_READ_ONLY: Final = (
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
)
_FIFO: Final = "FifoQueue"


def apply_attributes(
    settings: QueueSettings, attributes: Mapping[str, str], *, creating: bool
) -> QueueSettings:
    """``settings`` changed by ``attributes``; FifoQueue may be given only when ``creating``."""
    changes: dict[str, Any] = {}
    fifo = settings.fifo
    if _FIFO in attributes:
        wanted = _boolean(_FIFO, attributes[_FIFO])
        if not (wanted if creating else settings.fifo):
            # A standard queue has no such attribute, whatever its value (spec sqs.md 2.2).
            raise InvalidAttributeName(f"Unknown Attribute {_FIFO}.")
        if not creating and not wanted:
            raise InvalidAttributeValue(
                "Invalid value for the parameter FifoQueue. "
                "Reason: Modifying queue type is not supported."
            )
        fifo = changes["fifo"] = wanted
    for name, text in attributes.items():
        if name == _FIFO:
            continue
        attribute = _SETTABLE.get(name)
        if attribute is None:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        if attribute.fifo_only and not fifo:
            raise InvalidAttributeName(
                f"You can specify the {name} only when FifoQueue is set to true."
            )
        changes[attribute.field] = attribute.parse(name, text)
    if changes.get("kms_master_key_id") and changes.get("sqs_managed_sse"):
        # AWS's answer in LocalStack's AWS-validated test_sse_kms_and_sqs_are_mutually_exclusive.
        raise InvalidAttributeName(
            "You can use one type of server-side encryption (SSE) at one time. "
            "You can either enable KMS SSE or SQS SSE."
        )
    return dataclasses.replace(settings, **changes)


def differing_attribute(settings: QueueSettings, attributes: Mapping[str, str]) -> str | None:
    """The first attribute whose value differs from ``settings``, for an idempotent create."""
    for name, text in attributes.items():
        if apply_attributes(settings, {name: text}, creating=True) != settings:
            return name
    return None


def _epoch_seconds(queue: Queue, attribute: str) -> str:
    moment = queue.created_at if attribute == "CreatedTimestamp" else queue.modified_at
    return str(int(moment.timestamp()))


def _shown(settings: QueueSettings) -> dict[str, str]:
    shown = {
        "DelaySeconds": str(settings.delay_seconds),
        "MaximumMessageSize": str(settings.maximum_message_size),
        "MessageRetentionPeriod": str(settings.retention_seconds),
        "ReceiveMessageWaitTimeSeconds": str(settings.receive_wait_seconds),
        "VisibilityTimeout": str(settings.visibility_timeout),
        "SqsManagedSseEnabled": str(settings.sqs_managed_sse).lower(),
    }
    optional = {
        "Policy": settings.policy,
        "RedriveAllowPolicy": settings.redrive_allow_policy,
        "KmsMasterKeyId": settings.kms_master_key_id,
    }
    shown.update({name: value for name, value in optional.items() if value is not None})
    if settings.kms_master_key_id is not None:
        shown["KmsDataKeyReusePeriodSeconds"] = str(settings.kms_data_key_reuse_seconds)
    if settings.redrive_policy is not None:
        policy = settings.redrive_policy
        shown["RedrivePolicy"] = jsontext.dumps(
            {
                "deadLetterTargetArn": policy.dead_letter_arn,
                "maxReceiveCount": policy.max_receive_count,
            }
        )
    if settings.fifo:
        shown[_FIFO] = "true"
        shown["ContentBasedDeduplication"] = str(settings.content_based_deduplication).lower()
        shown["DeduplicationScope"] = settings.deduplication_scope
        shown["FifoThroughputLimit"] = settings.fifo_throughput_limit
    return shown


def queue_attributes(queue: Queue, counts: QueueCounts, names: Iterable[str]) -> dict[str, str]:
    """The attributes asked for (``All`` for every one present); unknown names are refused."""
    wanted = set(names)
    for name in wanted:
        if name != "All" and name != _FIFO and name not in _SETTABLE and name not in _READ_ONLY:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
    computed = {
        "QueueArn": queue.arn,
        "ApproximateNumberOfMessages": str(counts.visible),
        "ApproximateNumberOfMessagesNotVisible": str(counts.in_flight),
        "ApproximateNumberOfMessagesDelayed": str(counts.delayed),
        "CreatedTimestamp": _epoch_seconds(queue, "CreatedTimestamp"),
        "LastModifiedTimestamp": _epoch_seconds(queue, "LastModifiedTimestamp"),
    }
    every = {**computed, **_shown(queue.settings)}
    if "All" in wanted:
        return every
    return {name: value for name, value in every.items() if name in wanted}
