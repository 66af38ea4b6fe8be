"""``QueueTarget``: EventBridge targets that are SQS queues, delivered to busway's own queues.

The message body is the event as the target's Input settings made it; a FIFO queue's group is
the target's ``SqsParameters.MessageGroupId`` and, as on AWS, no deduplication id is sent (the
queue must deduplicate by content). Errors of the queue become non-retryable outcomes: a missing
queue or a message the queue refuses will not be accepted on a later try either.
"""

from __future__ import annotations

from busway.delivery.target import Invocation, Outcome, QueueSender
from busway.errors import ResourceNotFound, ServiceError

__all__ = ["QueueTarget"]

_SERVER_ERROR = 500  # busway failed, not the message: worth another try


class QueueTarget:
    def __init__(self, sender: QueueSender) -> None:
        self._sender = sender

    async def invoke(self, invocation: Invocation) -> Outcome:
        target = invocation.target
        try:
            await self._sender.send_to_queue(
                target.arn, invocation.payload, message_group_id=target.sqs_message_group_id
            )
        except ResourceNotFound:
            return Outcome.failure(
                "NO_RESOURCE", f"Queue {target.arn} does not exist.", retryable=False
            )
        except ServiceError as error:
            return Outcome.failure(
                "SDK_CLIENT_ERROR", error.message, retryable=error.status >= _SERVER_ERROR
            )
        return Outcome.success()

    async def close(self) -> None:
        return None
