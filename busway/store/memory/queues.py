"""``MemoryQueueStore``: the ``QueueStore`` port in dictionaries, for unit tests of services.

Nothing awaits between reading and changing the dictionaries, so each call is atomic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from busway.model import Scope
from busway.store.queues import (
    Outgoing,
    Queue,
    QueueCounts,
    QueueMessage,
    ReceiveRequest,
    Sent,
    plan_receive,
)

__all__ = ["MemoryQueueStore"]

_Key = tuple[Scope, str]


@dataclass(slots=True)
class _Held:
    queue: Queue
    messages: dict[str, QueueMessage] = field(default_factory=dict)  # by id, in seq order
    dedup: dict[str, tuple[Sent, datetime]] = field(default_factory=dict)
    last_seq: int = 0


class MemoryQueueStore:
    def __init__(self) -> None:
        self._queues: dict[_Key, _Held] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def create_queue(self, queue: Queue) -> bool:
        key = (queue.scope, queue.name)
        if key in self._queues:
            return False
        self._queues[key] = _Held(queue)
        return True

    async def get_queue(self, scope: Scope, name: str) -> Queue | None:
        held = self._queues.get((scope, name))
        return None if held is None else held.queue

    async def list_queues(
        self, scope: Scope, *, prefix: str | None = None, after: str | None = None, limit: int
    ) -> list[Queue]:
        names = sorted(
            name
            for (queue_scope, name) in self._queues
            if queue_scope == scope
            and (prefix is None or name.startswith(prefix))
            and (after is None or name > after)
        )
        return [self._queues[(scope, name)].queue for name in names[: max(limit, 0)]]

    async def update_queue(self, queue: Queue) -> None:
        held = self._queues.get((queue.scope, queue.name))
        if held is not None:
            held.queue = queue

    async def delete_queue(self, scope: Scope, name: str) -> bool:
        return self._queues.pop((scope, name), None) is not None

    async def send(
        self, scope: Scope, name: str, outgoing: Sequence[Outgoing], *, dedup_since: datetime
    ) -> list[Sent] | None:
        held = self._queues.get((scope, name))
        if held is None:
            return None
        held.dedup = {k: v for k, v in held.dedup.items() if v[1] >= dedup_since}
        return [_append(held, item) for item in outgoing]

    async def receive(self, scope: Scope, name: str, request: ReceiveRequest) -> list[QueueMessage]:
        held = self._queues.get((scope, name))
        if held is None:
            return []
        if request.expired_before is not None:
            cutoff = request.expired_before
            held.messages = {k: m for k, m in held.messages.items() if m.sent_at >= cutoff}
        redrive = request.redrive
        target = None
        if redrive is not None:
            target = self._queues.get((redrive.dead_letter_scope, redrive.dead_letter_name))
        plan = plan_receive(_candidates(held, request), request, can_move=target is not None)
        if target is not None:
            _move(held, target, plan.moved)
        for message in plan.taken:
            held.messages[message.id] = message
        return plan.taken

    async def get_message(self, scope: Scope, name: str, message_id: str) -> QueueMessage | None:
        held = self._queues.get((scope, name))
        return None if held is None else held.messages.get(message_id)

    async def delete_message(self, scope: Scope, name: str, message_id: str) -> bool:
        held = self._queues.get((scope, name))
        return held is not None and held.messages.pop(message_id, None) is not None

    async def set_visible_at(
        self, scope: Scope, name: str, message_id: str, receipt: str, visible_at: datetime
    ) -> bool:
        held = self._queues.get((scope, name))
        message = None if held is None else held.messages.get(message_id)
        if held is None or message is None or message.receipt != receipt:
            return False
        held.messages[message_id] = replace(message, visible_at=visible_at)
        return True

    async def purge(self, scope: Scope, name: str) -> None:
        held = self._queues.get((scope, name))
        if held is not None:
            held.messages.clear()
            held.dedup.clear()

    async def redelay(self, scope: Scope, name: str, delay: timedelta) -> None:
        held = self._queues.get((scope, name))
        if held is None:
            return
        for key, message in held.messages.items():
            if message.receive_count == 0:
                held.messages[key] = replace(message, visible_at=message.sent_at + delay)

    async def peek(self, scope: Scope, name: str, limit: int) -> list[QueueMessage]:
        held = self._queues.get((scope, name))
        messages = [] if held is None else sorted(held.messages.values(), key=lambda m: m.seq)
        return messages[: max(limit, 0)]

    async def counts(self, scope: Scope, name: str, now: datetime) -> QueueCounts:
        held = self._queues.get((scope, name))
        messages = [] if held is None else list(held.messages.values())
        visible = sum(1 for m in messages if m.visible_at <= now)
        in_flight = sum(1 for m in messages if m.visible_at > now and m.receive_count > 0)
        return QueueCounts(visible, in_flight, len(messages) - visible - in_flight)

    async def next_visible_at(self, scope: Scope, name: str, now: datetime) -> datetime | None:
        held = self._queues.get((scope, name))
        later = [] if held is None else [m.visible_at for m in held.messages.values()]
        return min((at for at in later if at > now), default=None)


def _move(source: _Held, target: _Held, moved: Sequence[QueueMessage]) -> None:
    for message in moved:
        del source.messages[message.id]
        target.last_seq += 1
        target.messages[message.id] = replace(message, seq=target.last_seq)


def _append(held: _Held, item: Outgoing) -> Sent:
    if item.dedup_key is not None and item.dedup_key in held.dedup:
        original = held.dedup[item.dedup_key][0]
        return replace(original, duplicate=True)
    held.last_seq += 1
    message = replace(item.message, seq=held.last_seq)
    held.messages[message.id] = message
    sent = Sent(message.id, message.seq)
    if item.dedup_key is not None:
        held.dedup[item.dedup_key] = (sent, message.sent_at)
    return sent


def _candidates(held: _Held, request: ReceiveRequest) -> list[QueueMessage]:
    """Visible messages in send order; for FIFO only those with no earlier message of their
    group invisible (in flight or delayed)."""
    now = request.now
    messages = sorted(held.messages.values(), key=lambda m: m.seq)
    if not request.fifo:
        return [m for m in messages if m.visible_at <= now]
    blocked: set[str | None] = set()
    candidates = []
    for message in messages:
        if message.visible_at > now:
            blocked.add(message.group_id)
        elif message.group_id not in blocked:
            candidates.append(message)
    return candidates
