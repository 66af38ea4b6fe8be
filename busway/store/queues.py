"""The ``QueueStore`` port: busway's durable queues, their messages and deduplication ids.

Records are immutable. A store keeps messages in send order (``seq``) and applies a receive
atomically: expired messages go, over-received ones move to the dead-letter queue, and the rest
are taken in flight, all in one step, with the rules of ``plan_receive`` shared by every store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from busway.frozen import quick_init
from busway.model import Scope

__all__ = [
    "MessageAttribute",
    "Outgoing",
    "Queue",
    "QueueCounts",
    "QueueMessage",
    "QueueSettings",
    "QueueStore",
    "ReceivePlan",
    "ReceiveRequest",
    "Redrive",
    "RedrivePolicy",
    "Sent",
    "plan_receive",
]


@dataclass(frozen=True, slots=True)
class RedrivePolicy:
    dead_letter_arn: str
    max_receive_count: int


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """A queue's configuration; durations are whole seconds, sizes bytes."""

    delay_seconds: int = 0
    maximum_message_size: int = 1_048_576
    retention_seconds: int = 345_600
    receive_wait_seconds: int = 0
    visibility_timeout: int = 30
    fifo: bool = False
    content_based_deduplication: bool = False
    deduplication_scope: str = "queue"  # queue | messageGroup
    fifo_throughput_limit: str = "perQueue"  # perQueue | perMessageGroupId
    redrive_policy: RedrivePolicy | None = None
    redrive_allow_policy: str | None = None  # JSON text, kept as given
    policy: str | None = None  # IAM policy JSON text, kept as given
    sqs_managed_sse: bool = True
    kms_master_key_id: str | None = None
    kms_data_key_reuse_seconds: int = 300


@dataclass(frozen=True, slots=True)
class Queue:
    scope: Scope
    name: str
    arn: str
    settings: QueueSettings
    created_at: datetime
    modified_at: datetime
    tags: Mapping[str, str] = field(default_factory=dict)
    last_purged_at: datetime | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class MessageAttribute:
    """A user (or system) message attribute; ``data_type`` may carry a label (``Number.int``)."""

    data_type: str
    string_value: str | None = None
    binary_value: bytes | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class QueueMessage:
    id: str
    body: str
    sent_at: datetime
    visible_at: datetime
    sender_id: str
    attributes: Mapping[str, MessageAttribute] = field(default_factory=dict)
    system_attributes: Mapping[str, MessageAttribute] = field(default_factory=dict)
    group_id: str | None = None
    deduplication_id: str | None = None
    seq: int = 0  # assigned by the store on send: the queue's send order (FIFO SequenceNumber)
    receive_count: int = 0
    first_received_at: datetime | None = None
    received_at: datetime | None = None  # the latest receive
    receipt: str | None = None  # token of the latest receive; part of its receipt handle
    dead_letter_source_arn: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to send; ``dedup_key`` (FIFO) already names its deduplication scope."""

    message: QueueMessage
    dedup_key: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Sent:
    """What a send did: a duplicate within the window reports the original message."""

    message_id: str
    seq: int
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Redrive:
    max_receive_count: int
    dead_letter_scope: Scope
    dead_letter_name: str
    source_arn: str


@dataclass(frozen=True, slots=True)
class ReceiveRequest:
    now: datetime
    max_messages: int
    visible_until: datetime
    receipts: Sequence[str]  # a fresh token for each message this receive may take
    fifo: bool = False
    expired_before: datetime | None = None  # messages sent before this are past retention
    redrive: Redrive | None = None


@dataclass(frozen=True, slots=True)
class QueueCounts:
    visible: int
    in_flight: int
    delayed: int


@dataclass(frozen=True, slots=True)
class ReceivePlan:
    taken: list[QueueMessage]  # updated: in flight, counted, with their new receipt
    moved: list[QueueMessage]  # to the dead-letter queue, as they will be stored there


def plan_receive(
    candidates: Sequence[QueueMessage], request: ReceiveRequest, *, can_move: bool
) -> ReceivePlan:
    """Decide, over visible unexpired messages in send order, which to take and which to move.

    FIFO candidates are the messages with no earlier message of their group in flight or
    delayed; the batch is filled from one group first (the group of the oldest message), then
    from the next.
    """
    ordered = _by_group(candidates) if request.fifo else list(candidates)
    taken: list[QueueMessage] = []
    moved: list[QueueMessage] = []
    redrive = request.redrive if can_move else None
    for message in ordered:
        if len(taken) >= request.max_messages:
            break
        if redrive is not None and message.receive_count >= redrive.max_receive_count:
            moved.append(_dead_lettered(message, request.now, redrive.source_arn))
            continue
        receipt = request.receipts[len(taken)]
        taken.append(
            replace(
                message,
                visible_at=request.visible_until,
                receive_count=message.receive_count + 1,
                first_received_at=message.first_received_at or request.now,
                received_at=request.now,
                receipt=receipt,
            )
        )
    return ReceivePlan(taken, moved)


def _by_group(candidates: Sequence[QueueMessage]) -> list[QueueMessage]:
    groups: dict[str | None, list[QueueMessage]] = {}
    for message in candidates:
        groups.setdefault(message.group_id, []).append(message)
    return [message for members in groups.values() for message in members]


def _dead_lettered(message: QueueMessage, now: datetime, source_arn: str) -> QueueMessage:
    # MessageId, body, attributes and the original sent time (retention) are kept.
    return replace(
        message,
        visible_at=now,
        receipt=None,
        received_at=None,
        dead_letter_source_arn=source_arn,
    )


class QueueStore(Protocol):
    """Queues per (account, region) by name. Message calls on a missing queue act on nothing."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def create_queue(self, queue: Queue) -> bool:
        """False (and no change) when a queue of that name already exists."""
        ...

    async def get_queue(self, scope: Scope, name: str) -> Queue | None: ...

    async def list_queues(
        self, scope: Scope, *, prefix: str | None = None, after: str | None = None, limit: int
    ) -> list[Queue]:
        """Queues by name, those after ``after`` whose name starts with ``prefix``."""
        ...

    async def update_queue(self, queue: Queue) -> None:
        """Replace settings, tags, timestamps of an existing queue (not its messages)."""
        ...

    async def delete_queue(self, scope: Scope, name: str) -> bool:
        """Delete the queue with its messages and deduplication ids; False when missing."""
        ...

    async def send(
        self, scope: Scope, name: str, outgoing: Sequence[Outgoing], *, dedup_since: datetime
    ) -> list[Sent] | None:
        """Append in order, assigning ``seq``; a ``dedup_key`` recorded at or after
        ``dedup_since`` makes the message a duplicate, not stored. None when the queue is missing.
        """
        ...

    async def receive(self, scope: Scope, name: str, request: ReceiveRequest) -> list[QueueMessage]:
        """Purge expired messages, then apply ``plan_receive`` atomically; the taken messages."""
        ...

    async def get_message(
        self, scope: Scope, name: str, message_id: str
    ) -> QueueMessage | None: ...

    async def delete_message(self, scope: Scope, name: str, message_id: str) -> bool: ...

    async def set_visible_at(
        self, scope: Scope, name: str, message_id: str, receipt: str, visible_at: datetime
    ) -> bool:
        """Move the visibility of the message's receive ``receipt``; False when not that one."""
        ...

    async def purge(self, scope: Scope, name: str) -> None:
        """Delete every message, in flight ones included, and forget the deduplication ids
        (a purged FIFO queue takes a message with an id it saw before, as AWS does)."""
        ...

    async def redelay(self, scope: Scope, name: str, delay: timedelta) -> None:
        """Make every message not yet received visible ``delay`` after it was sent."""
        ...

    async def peek(self, scope: Scope, name: str, limit: int) -> list[QueueMessage]:
        """The first ``limit`` messages in send order, in flight and delayed ones included,
        changing nothing (no receive is counted, no visibility moves)."""
        ...

    async def counts(self, scope: Scope, name: str, now: datetime) -> QueueCounts:
        """Visible, in-flight (received, invisible) and delayed (never received) messages."""
        ...

    async def next_visible_at(self, scope: Scope, name: str, now: datetime) -> datetime | None:
        """When the next invisible message becomes visible: a long poll wakes then."""
        ...
