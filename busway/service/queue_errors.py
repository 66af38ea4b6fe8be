"""The errors of busway's queues, with the codes SQS clients expect.

``code`` is the error's shape in the SQS model (what the SDKs turn into exception classes) and
``query_code`` the older code AWS still reports next to it; ``modeled`` is False for the codes
the SQS model does not define (``InvalidParameterValue``, ``MissingParameter``, ...).
"""

from __future__ import annotations

from typing import ClassVar

from busway.errors import ResourceNotFound, ServiceError

__all__ = [
    "BatchEntryIdsNotDistinct",
    "BatchRequestTooLong",
    "EmptyBatchRequest",
    "InvalidAddress",
    "InvalidAttributeName",
    "InvalidAttributeValue",
    "InvalidBatchEntryId",
    "InvalidMessageContents",
    "InvalidParameterValue",
    "MissingParameter",
    "MoveTaskResourceNotFound",
    "OverLimit",
    "PurgeQueueInProgress",
    "QueueDoesNotExist",
    "QueueError",
    "QueueNameExists",
    "ReceiptHandleIsInvalid",
    "TooManyEntriesInBatchRequest",
    "UnsupportedOperation",
]


class QueueError(ServiceError):
    query_code: ClassVar[str] = "InternalError"
    modeled: ClassVar[bool] = True


class QueueDoesNotExist(ResourceNotFound, QueueError):
    code = "QueueDoesNotExist"
    query_code = "AWS.SimpleQueueService.NonExistentQueue"

    def __init__(self, message: str = "The specified queue does not exist.") -> None:
        super().__init__(message)


class QueueNameExists(QueueError):
    code = "QueueNameExists"
    query_code = "QueueAlreadyExists"


class PurgeQueueInProgress(QueueError):
    code = "PurgeQueueInProgress"
    query_code = "AWS.SimpleQueueService.PurgeQueueInProgress"
    status = 403


class OverLimit(QueueError):
    """A short poll of a standard queue that has as many messages in flight as it may have."""

    code = "OverLimit"
    query_code = "OverLimit"
    status = 403

    def __init__(
        self, message: str = "Too many messages are in flight for this queue; delete some first."
    ) -> None:
        super().__init__(message)


class ReceiptHandleIsInvalid(QueueError):
    code = "ReceiptHandleIsInvalid"
    query_code = "ReceiptHandleIsInvalid"
    status = 404


class EmptyBatchRequest(QueueError):
    code = "EmptyBatchRequest"
    query_code = "AWS.SimpleQueueService.EmptyBatchRequest"


class TooManyEntriesInBatchRequest(QueueError):
    code = "TooManyEntriesInBatchRequest"
    query_code = "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"


class BatchEntryIdsNotDistinct(QueueError):
    code = "BatchEntryIdsNotDistinct"
    query_code = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"


class InvalidBatchEntryId(QueueError):
    code = "InvalidBatchEntryId"
    query_code = "AWS.SimpleQueueService.InvalidBatchEntryId"


class BatchRequestTooLong(QueueError):
    code = "BatchRequestTooLong"
    query_code = "AWS.SimpleQueueService.BatchRequestTooLong"


class UnsupportedOperation(QueueError):
    code = "UnsupportedOperation"
    query_code = "AWS.SimpleQueueService.UnsupportedOperation"


class InvalidAttributeName(QueueError):
    code = "InvalidAttributeName"
    query_code = "InvalidAttributeName"


class InvalidAttributeValue(QueueError):
    code = "InvalidAttributeValue"
    query_code = "InvalidAttributeValue"


class InvalidMessageContents(QueueError):
    code = "InvalidMessageContents"
    query_code = "InvalidMessageContents"


class InvalidAddress(QueueError):
    code = "InvalidAddress"
    query_code = "InvalidAddress"
    status = 404


class InvalidParameterValue(QueueError):
    code = "InvalidParameterValueException"
    query_code = "InvalidParameterValue"
    modeled = False


class MoveTaskResourceNotFound(QueueError):
    """What the message move task operations answer for a queue or a task they do not find."""

    code = "ResourceNotFoundException"
    query_code = "ResourceNotFoundException"
    status = 404


class MissingParameter(QueueError):
    code = "MissingRequiredParameterException"
    query_code = "MissingParameter"
    modeled = False

    @classmethod
    def named(cls, parameter: str) -> MissingParameter:
        return cls(f"The request must contain the parameter {parameter}.")
