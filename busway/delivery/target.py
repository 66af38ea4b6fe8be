"""The port every kind of target implements, and what the dispatcher hands to it.

A target kind (queue, Lambda function, API destination, event bus, log group) is one module in
``busway.delivery.targets``; each implements ``DeliveryTarget`` and passes the shared contract
suite in ``tests/contract``. Which kind serves a target is decided by its ARN (``target_kind``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from busway.frozen import quick_init
from busway.model import Event, Target

__all__ = [
    "DeliveryTarget",
    "Invocation",
    "Outcome",
    "QueueSender",
    "TargetKind",
    "target_kind",
]


@quick_init
@dataclass(frozen=True, slots=True)
class Invocation:
    """One attempt to hand one event to one target of one rule."""

    event: Event  # as stored; ``event.body`` is the envelope JSON
    rule_arn: str
    target: Target
    payload: str  # what the target receives: the event after Input/InputPath/InputTransformer
    attempt: int  # 1 on the first try


@quick_init
@dataclass(frozen=True, slots=True)
class Outcome:
    """How an attempt ended. A failure says whether trying again can help (AWS's retry rules)."""

    delivered: bool
    retryable: bool = False
    error_code: str | None = None
    error_message: str | None = None
    retry_after_seconds: float | None = None  # the target asked for this pause (Retry-After)

    @classmethod
    def success(cls) -> Outcome:
        return cls(delivered=True)

    @classmethod
    def failure(
        cls,
        code: str,
        message: str,
        *,
        retryable: bool,
        retry_after_seconds: float | None = None,
    ) -> Outcome:
        return cls(False, retryable, code, message, retry_after_seconds)


class DeliveryTarget(Protocol):
    async def invoke(self, invocation: Invocation) -> Outcome:
        """Deliver once. Never raises for a failed delivery: the Outcome says what happened."""
        ...

    async def close(self) -> None:
        """Release pooled connections, worker processes, ...; idempotent."""
        ...


class QueueSender(Protocol):
    """Puts a message on one of busway's queues by ARN: queue targets and dead-letter queues."""

    async def send_to_queue(
        self,
        queue_arn: str,
        body: str,
        *,
        attributes: Mapping[str, str] | None = None,
        message_group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> None:
        """Raises ``busway.errors.ResourceNotFound`` when there is no such queue."""
        ...


class TargetKind(enum.Enum):
    QUEUE = "queue"
    LAMBDA = "lambda"
    LOG_GROUP = "log-group"
    EVENT_BUS = "event-bus"
    API_DESTINATION = "api-destination"
    UNSUPPORTED = "unsupported"


# Asked once per delivery attempt, of the few ARNs a node's targets have.
@lru_cache(maxsize=4096)
def target_kind(arn: str) -> TargetKind:
    """The kind of target an ARN names; anything busway cannot deliver to is UNSUPPORTED."""
    parts = arn.split(":", 6)
    if len(parts) < 6 or parts[0] != "arn":
        return TargetKind.UNSUPPORTED
    service, resource = parts[2], ":".join(parts[5:])
    if service == "sqs":
        return TargetKind.QUEUE
    if service == "lambda" and resource.startswith("function:"):
        return TargetKind.LAMBDA
    if service == "logs" and resource.startswith("log-group:"):
        return TargetKind.LOG_GROUP
    if service == "events" and resource.startswith("event-bus/"):
        return TargetKind.EVENT_BUS
    if service == "events" and resource.startswith("api-destination/"):
        return TargetKind.API_DESTINATION
    return TargetKind.UNSUPPORTED
