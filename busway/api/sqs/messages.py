"""SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch), ChangeMessageVisibility(Batch)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, Final

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.request import Request
from busway.api.sqs.errors import query_code
from busway.api.sqs.members import (
    attributes_out,
    read_batch,
    read_message_attributes,
    read_queue,
    read_range,
    required_string,
)
from busway.model import Scope
from busway.service.queue_checksums import attributes_md5, body_md5
from busway.service.queue_errors import BatchRequestTooLong, MissingParameter, QueueError
from busway.service.queue_messages import (
    Received,
    SendRequest,
    SendResult,
    check_fifo_batch,
    message_size,
)
from busway.service.queues import (
    MAX_VISIBILITY_SECONDS,
    QueueService,
    ReceiveOptions,
    sequence_number,
)
from busway.store.queues import MessageAttribute, QueueMessage

__all__ = ["message_operations"]

_MAX_BATCH_BYTES: Final = 1_048_576
_RANGE_REASON: Final = "Reason: Must be between 1 and 10, if provided."


def _send_request(request: Request) -> SendRequest:
    return SendRequest(
        body=request.string("MessageBody") or "",
        delay_seconds=request.integer("DelaySeconds"),
        attributes=read_message_attributes(request, "MessageAttributes"),
        system_attributes=read_message_attributes(request, "MessageSystemAttributes"),
        group_id=request.string("MessageGroupId"),
        deduplication_id=request.string("MessageDeduplicationId"),
    )


def _sent_out(result: SendResult) -> dict[str, Any]:
    answer: dict[str, Any] = {"MessageId": result.message_id, "MD5OfMessageBody": result.body_md5}
    if result.attributes_md5 is not None:
        answer["MD5OfMessageAttributes"] = result.attributes_md5
    if result.system_attributes_md5 is not None:
        answer["MD5OfMessageSystemAttributes"] = result.system_attributes_md5
    if result.sequence_number is not None:
        answer["SequenceNumber"] = result.sequence_number
    return answer


def _failed(entry_id: str, code: str, message: str) -> dict[str, Any]:
    return {"Id": entry_id, "SenderFault": True, "Code": code, "Message": message}


def _batch_out(successful: list[dict[str, Any]], failed: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Successful": successful, "Failed": failed}


def _epoch_ms(moment: Any) -> str:
    return str(int(moment.timestamp() * 1000))


def _system_attributes(message: QueueMessage) -> dict[str, str]:
    every = {
        "SenderId": message.sender_id,
        "SentTimestamp": _epoch_ms(message.sent_at),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": _epoch_ms(message.first_received_at or message.sent_at),
    }
    trace = message.system_attributes.get("AWSTraceHeader")
    optional = {
        "AWSTraceHeader": None if trace is None else trace.string_value,
        "MessageGroupId": message.group_id,
        "MessageDeduplicationId": message.deduplication_id,
        "SequenceNumber": sequence_number(message.seq) if message.deduplication_id else None,
        "DeadLetterQueueSourceArn": message.dead_letter_source_arn,
    }
    every.update({name: value for name, value in optional.items() if value is not None})
    return every


def _wanted_attributes(
    attributes: Mapping[str, MessageAttribute], names: Collection[str]
) -> dict[str, MessageAttribute]:
    """``All``, ``.*`` or ``*``: every one; ``prefix.*``: names starting with the prefix (``Hel.*``
    takes ``Hello`` and ``Help.Me``); else exact names. As AWS answered in LocalStack's
    AWS-validated test_receive_message_message_attribute_names_filters, which also shows that
    ``*`` takes them all; sqs.md 2.5 reads ``foo.*`` as names beginning ``foo.``."""
    if "All" in names or ".*" in names or "*" in names:
        return dict(attributes)
    prefixes = tuple(name[:-2] for name in names if name.endswith(".*"))
    return {
        name: value
        for name, value in attributes.items()
        if name in names or (prefixes and name.startswith(prefixes))
    }


def _received_out(
    received: Received, system_names: Collection[str], attribute_names: Collection[str]
) -> dict[str, Any]:
    message = received.message
    answer: dict[str, Any] = {
        "MessageId": message.id,
        "ReceiptHandle": received.receipt_handle,
        "MD5OfBody": body_md5(message.body),
        "Body": message.body,
    }
    if system_names:
        system = _system_attributes(message)
        every = "All" in system_names
        shown = {k: v for k, v in system.items() if every or k in system_names}
        if shown:
            answer["Attributes"] = shown
    wanted = _wanted_attributes(message.attributes, attribute_names)
    if wanted:
        answer["MessageAttributes"] = attributes_out(wanted)
        answer["MD5OfMessageAttributes"] = attributes_md5(wanted)
    return answer


def _read_receive(request: Request) -> ReceiveOptions:
    return ReceiveOptions(
        max_messages=read_range(request, "MaxNumberOfMessages", 1, 10, _RANGE_REASON) or 1,
        wait_seconds=read_range(
            request, "WaitTimeSeconds", 0, 20, "Reason: Must be >= 0 and <= 20, if provided."
        ),
        visibility_timeout=read_range(
            request,
            "VisibilityTimeout",
            0,
            MAX_VISIBILITY_SECONDS,
            "Reason: Must be >= 0 and <= 43200, if provided.",
        ),
        attempt_id=request.string("ReceiveRequestAttemptId"),
    )


EntryWork = Callable[[Scope, str, Request], Awaitable[dict[str, Any]]]


async def _each_entry(
    scope: Scope, name: str, entries: list[Request], work: EntryWork
) -> dict[str, Any]:
    """Run ``work`` per entry; an entry's error fails that entry alone."""
    successful, failed = [], []
    for entry in entries:
        entry_id = required_string(entry, "Id")
        try:
            successful.append({"Id": entry_id, **await work(scope, name, entry)})
        except QueueError as error:
            failed.append(_failed(entry_id, query_code(error), error.message))
    return _batch_out(successful, failed)


def message_operations(queues: QueueService) -> dict[str, Handler]:
    async def send_message(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        send = _send_request(request)
        result = await queues.send(scope, name, send, sender_id=context.scope.account)
        return _sent_out(result)

    async def send_message_batch(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        entries = read_batch(request, "SendMessageBatchRequestEntry")
        sends = [_send_request(entry) for entry in entries]
        total = sum(message_size(send) for send in sends)
        if total > _MAX_BATCH_BYTES:
            raise BatchRequestTooLong(
                f"Batch requests cannot be longer than {_MAX_BATCH_BYTES} bytes. "
                f"You have sent {total} bytes."
            )
        queue = await queues.get_queue(scope, name)
        check_fifo_batch(sends, queue.settings)
        ids = [required_string(entry, "Id") for entry in entries]
        successful, failed = [], []
        empty = [i for i, send in enumerate(sends) if not send.body]
        for i in empty:  # AWS fails an empty body alone, with its own code
            failed.append(
                _failed(ids[i], "EmptyValue", "The request must contain the parameter MessageBody.")
            )
        kept = [i for i in range(len(sends)) if i not in empty]
        results = await queues.send_batch(
            scope, name, [sends[i] for i in kept], sender_id=context.scope.account
        )
        for i, result in zip(kept, results, strict=True):
            if isinstance(result, QueueError):
                failed.append(_failed(ids[i], query_code(result), result.message))
            else:
                successful.append({"Id": ids[i], **_sent_out(result)})
        return _batch_out(successful, failed)

    async def receive_message(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        options = _read_receive(request)
        system_names = set(request.strings("AttributeNames") or [])
        system_names |= set(request.strings("MessageSystemAttributeNames") or [])
        attribute_names = set(request.strings("MessageAttributeNames") or [])
        received = await queues.receive(scope, name, options)
        if not received:
            return {}
        return {"Messages": [_received_out(r, system_names, attribute_names) for r in received]}

    async def delete_message(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        await queues.delete_message(scope, name, required_string(request, "ReceiptHandle"))
        return {}

    async def delete_one(scope: Scope, name: str, entry: Request) -> dict[str, Any]:
        await queues.delete_message(scope, name, required_string(entry, "ReceiptHandle"))
        return {}

    async def delete_message_batch(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        entries = read_batch(request, "DeleteMessageBatchRequestEntry")
        await queues.get_queue(scope, name)
        return await _each_entry(scope, name, entries, delete_one)

    async def change_message_visibility(
        context: RequestContext, request: Request
    ) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        handle = required_string(request, "ReceiptHandle")
        seconds = request.integer("VisibilityTimeout")
        if seconds is None:
            raise MissingParameter.named("VisibilityTimeout")
        await queues.change_visibility(scope, name, handle, seconds)
        return {}

    async def change_one(scope: Scope, name: str, entry: Request) -> dict[str, Any]:
        handle = required_string(entry, "ReceiptHandle")
        await queues.change_visibility(scope, name, handle, entry.integer("VisibilityTimeout") or 0)
        return {}

    async def change_message_visibility_batch(
        context: RequestContext, request: Request
    ) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        entries = read_batch(request, "ChangeMessageVisibilityBatchRequestEntry")
        await queues.get_queue(scope, name)
        return await _each_entry(scope, name, entries, change_one)

    return {
        "SendMessage": send_message,
        "SendMessageBatch": send_message_batch,
        "ReceiveMessage": receive_message,
        "DeleteMessage": delete_message,
        "DeleteMessageBatch": delete_message_batch,
        "ChangeMessageVisibility": change_message_visibility,
        "ChangeMessageVisibilityBatch": change_message_visibility_batch,
    }
