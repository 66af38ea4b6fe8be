"""The Amazon SQS API (JSON 1.0, ``X-Amz-Target: AmazonSQS.<Operation>``) over busway's queues."""

from __future__ import annotations

from busway.api.awsjson import JsonService
from busway.api.sqs.errors import encode_sqs_error
from busway.api.sqs.messages import message_operations
from busway.api.sqs.move_tasks import move_task_operations
from busway.api.sqs.queues import queue_operations
from busway.service.message_moves import MessageMoves
from busway.service.queue_messages import invalid_characters
from busway.service.queues import QueueService

__all__ = ["sqs_api"]


def sqs_api(queues: QueueService, moves: MessageMoves) -> JsonService:
    operations = {**queue_operations(queues), **message_operations(queues)}
    operations.update(move_task_operations(moves))
    return JsonService(
        "AmazonSQS",
        "application/x-amz-json-1.0",
        operations,
        encode_sqs_error,
        # Half a surrogate pair can only be a character SQS refuses (sqs.md 2.1).
        unpaired_surrogate=invalid_characters,
    )
