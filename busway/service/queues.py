"""``QueueService``: busway's durable queues, as the SQS API and EventBridge targets use them.

Queues live per (account, region) and are named by their ARN ``arn:aws:sqs:<region>:<account>:
<name>``. Receives long-poll on ``QueueWaiters``; everything else is one store call or two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from busway.clock import Clock
from busway.ids import Uuids
from busway.model import Scope
from busway.service.paging import Page, decode_token, page_of
from busway.service.queue_attempts import Attempt, ReceiveAttempts, Taken
from busway.service.queue_attributes import (
    apply_attributes,
    differing_attribute,
    queue_attributes,
)
from busway.service.queue_checksums import attributes_md5, body_md5, content_dedup_id
from busway.service.queue_errors import (
    InvalidParameterValue,
    OverLimit,
    PurgeQueueInProgress,
    QueueDoesNotExist,
    QueueError,
    QueueNameExists,
)
from busway.service.queue_messages import (
    Received,
    SendRequest,
    SendResult,
    check_fifo_id,
    check_send,
)
from busway.service.queue_names import check_queue_name, queue_arn, split_queue_arn
from busway.service.queue_policies import with_permission, without_permission
from busway.service.queue_receipts import parse_receipt_handle, receipt_handle
from busway.service.queue_sends import SendCoalescer
from busway.service.queue_waiters import QueueWaiters
from busway.store.queues import (
    MessageAttribute,
    Outgoing,
    Queue,
    QueueMessage,
    QueueSettings,
    QueueStore,
    ReceiveRequest,
    Redrive,
    Sent,
)

__all__ = ["MAX_IN_FLIGHT", "MAX_VISIBILITY_SECONDS", "QueueService", "ReceiveOptions"]

MAX_VISIBILITY_SECONDS: Final = 43_200
MAX_RECEIVE: Final = 10
MAX_WAIT_SECONDS: Final = 20
_LIST_LIMIT: Final = 1000
_DEDUP_WINDOW: Final = timedelta(minutes=5)
_PURGE_INTERVAL: Final = timedelta(seconds=60)
# Messages a queue may have in flight ("about 120,000" on AWS, sqs.md section 4).
MAX_IN_FLIGHT: Final = 120_000
# How long a queue's in-flight count is trusted before it is counted again in the store;
# receives made meanwhile are added to it. AWS's cap is approximate too.
_IN_FLIGHT_RECOUNT: Final = timedelta(seconds=1)
# A wake-up for a message that turns visible is never scheduled sooner than this.
_MIN_TIMER_SECONDS: Final = 0.01
_SAME_INSTANT: Final = timedelta(milliseconds=1)  # a store keeps instants to the microsecond


@dataclass(frozen=True, slots=True)
class ReceiveOptions:
    max_messages: int = 1
    wait_seconds: int | None = None  # None: the queue's ReceiveMessageWaitTimeSeconds
    visibility_timeout: int | None = None  # None: the queue's
    attempt_id: str | None = None  # ReceiveRequestAttemptId: FIFO queues only


_MAX_KNOWN_QUEUES = 4096


class QueueService:
    def __init__(
        self,
        store: QueueStore,
        clock: Clock,
        *,
        ids: Callable[[], str] | None = None,
        max_waiters: int = 10_000,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids or Uuids()
        self._waiters = QueueWaiters(max_waiters=max_waiters)
        self._known: dict[tuple[Scope, str], Queue] = {}
        self._max_in_flight = max_in_flight
        # Per queue: (in-flight count, when the store counted it), bounded like ``_known``.
        self._in_flight: dict[tuple[Scope, str], tuple[int, datetime]] = {}
        # Deliveries send one message each, many at a time: one store write per queue and turn.
        self._target_sends: SendCoalescer[Sent] = SendCoalescer(self._send_as_owner)
        self._attempts = ReceiveAttempts()

    def close(self) -> None:
        """Answer every long poll now, and every later one at once (node shutdown)."""
        self._waiters.close()

    # --- queues ----------------------------------------------------------------------------------
    async def create_queue(
        self,
        scope: Scope,
        name: str,
        attributes: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Queue:
        """Idempotent for the same attributes; QueueNameExists when one differs."""
        attributes = attributes or {}
        check_queue_name(name, fifo=attributes.get("FifoQueue", "").lower() == "true")
        existing = await self._store.get_queue(scope, name)
        if existing is not None:
            return _same_queue(existing, attributes)
        settings = apply_attributes(QueueSettings(), attributes, creating=True)
        await self._check_redrive(scope, settings)
        now = self._clock.now()
        arn = queue_arn(scope, name)
        queue = Queue(scope, name, arn, settings, now, now, dict(tags or {}))
        if not await self._store.create_queue(queue):  # created meanwhile by another request
            return _same_queue(await self.get_queue(scope, name), attributes)
        return queue

    async def get_queue(self, scope: Scope, name: str) -> Queue:
        # Every send (each delivery to a queue target) needs the queue's settings; this node is
        # the only writer of its queues, so the copy it keeps is dropped whenever it changes one.
        key = (scope, name)
        queue = self._known.get(key)
        if queue is None:
            queue = await self._store.get_queue(scope, name)
            if queue is None:
                raise QueueDoesNotExist
            if len(self._known) >= _MAX_KNOWN_QUEUES:
                self._known.clear()
            self._known[key] = queue
        return queue

    async def _update_queue(self, queue: Queue) -> None:
        await self._store.update_queue(queue)
        self._known.pop((queue.scope, queue.name), None)

    async def list_queues(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> Page[Queue]:
        """Without ``limit``: up to 1000 queues and never a token, as SQS does."""
        after = decode_token(next_token)
        fetch = _LIST_LIMIT if limit is None else limit + 1
        found = await self._store.list_queues(scope, prefix=prefix, after=after, limit=fetch)
        if limit is None:
            return Page(found)
        return page_of(found, limit, lambda queue: queue.name)

    async def delete_queue(self, scope: Scope, name: str) -> None:
        deleted = await self._store.delete_queue(scope, name)
        self._known.pop((scope, name), None)
        if not deleted:
            raise QueueDoesNotExist
        self._waiters.wake((scope, name))

    async def attributes(self, scope: Scope, name: str, names: Sequence[str]) -> dict[str, str]:
        queue = await self.get_queue(scope, name)
        if not names:
            return {}
        counts = await self._store.counts(scope, name, self._clock.now())
        return queue_attributes(queue, counts, names)

    async def set_attributes(self, scope: Scope, name: str, attributes: Mapping[str, str]) -> None:
        queue = await self.get_queue(scope, name)
        settings = apply_attributes(queue.settings, attributes, creating=False)
        await self._check_redrive(scope, settings)
        await self._update_queue(replace(queue, settings=settings, modified_at=self._clock.now()))
        # A FIFO queue's delay is the queue's, so it moves with a change; a standard queue's
        # messages keep the delay they were sent with (spec: SetQueueAttributes).
        if settings.fifo and settings.delay_seconds != queue.settings.delay_seconds:
            await self._store.redelay(scope, name, timedelta(seconds=settings.delay_seconds))
            self._waiters.wake((scope, name))

    async def add_permission(
        self,
        scope: Scope,
        name: str,
        label: str,
        accounts: Sequence[str],
        actions: Sequence[str],
    ) -> None:
        queue = await self.get_queue(scope, name)
        policy = with_permission(queue.settings.policy, queue.arn, label, accounts, actions)
        await self._set_policy(queue, policy)

    async def remove_permission(self, scope: Scope, name: str, label: str) -> None:
        queue = await self.get_queue(scope, name)
        await self._set_policy(queue, without_permission(queue.settings.policy, label))

    async def _set_policy(self, queue: Queue, policy: str | None) -> None:
        settings = replace(queue.settings, policy=policy)
        await self._update_queue(replace(queue, settings=settings, modified_at=self._clock.now()))

    async def tag(self, scope: Scope, name: str, tags: Mapping[str, str]) -> None:
        queue = await self.get_queue(scope, name)
        await self._update_queue(replace(queue, tags={**queue.tags, **tags}))

    async def untag(self, scope: Scope, name: str, keys: Sequence[str]) -> None:
        queue = await self.get_queue(scope, name)
        kept = {key: value for key, value in queue.tags.items() if key not in keys}
        await self._update_queue(replace(queue, tags=kept))

    async def purge(self, scope: Scope, name: str) -> None:
        queue = await self.get_queue(scope, name)
        now = self._clock.now()
        if queue.last_purged_at is not None and now - queue.last_purged_at < _PURGE_INTERVAL:
            raise PurgeQueueInProgress(
                f"Only one PurgeQueue operation on {name} is allowed every 60 seconds."
            )
        await self._update_queue(replace(queue, last_purged_at=now))
        await self._store.purge(scope, name)

    async def peek(self, scope: Scope, name: str, limit: int = 10) -> list[QueueMessage]:
        """The queue's first messages in send order, changing nothing: for looking, not
        consuming (a receive counts and hides what it takes)."""
        await self.get_queue(scope, name)
        return await self._store.peek(scope, name, limit)

    async def dead_letter_sources(
        self,
        scope: Scope,
        name: str,
        *,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> Page[Queue]:
        """Queues of the scope whose RedrivePolicy names this queue, in name order.

        Without ``limit``: up to 1000 and never a token, as ListQueues does.
        """
        queue = await self.get_queue(scope, name)
        after = decode_token(next_token)
        wanted = _LIST_LIMIT if limit is None else limit + 1
        found: list[Queue] = []
        while len(found) < wanted:
            batch = await self._store.list_queues(scope, after=after, limit=_LIST_LIMIT)
            found.extend(source for source in batch if _redrives_to(source, queue.arn))
            if len(batch) < _LIST_LIMIT:
                break
            after = batch[-1].name
        if limit is None:
            return Page(found[:_LIST_LIMIT])
        return page_of(found[:wanted], limit, lambda source: source.name)

    async def _check_redrive(self, scope: Scope, settings: QueueSettings) -> None:
        policy = settings.redrive_policy
        if policy is None:
            return
        reason = "Value for parameter RedrivePolicy is invalid. Reason: "
        parts = split_queue_arn(policy.dead_letter_arn)
        target = None if parts is None or parts[0] != scope else await self._store.get_queue(*parts)
        if target is None:
            raise InvalidParameterValue(reason + "Dead letter target does not exist.")
        if target.settings.fifo != settings.fifo:
            raise InvalidParameterValue(
                reason + "Dead-letter queue must be same type of queue as the source."
            )

    # --- sending ---------------------------------------------------------------------------------
    async def send(
        self, scope: Scope, name: str, request: SendRequest, *, sender_id: str
    ) -> SendResult:
        (result,) = await self.send_batch(scope, name, [request], sender_id=sender_id)
        if isinstance(result, QueueError):
            raise result
        return result

    async def send_batch(
        self, scope: Scope, name: str, requests: Sequence[SendRequest], *, sender_id: str
    ) -> list[SendResult | QueueError]:
        """One result per request, in order: a request the queue refuses fails alone."""
        queue, checked, sent = await self._send(scope, name, requests, sender_id)
        taken = iter(sent)
        return [
            item if isinstance(item, QueueError) else _send_result(queue, item.message, next(taken))
            for item in checked
        ]

    async def _send(
        self, scope: Scope, name: str, requests: Sequence[SendRequest], sender_id: str
    ) -> tuple[Queue, list[Outgoing | QueueError], list[Sent]]:
        """The queue, each request checked (its message, or its error), and what the store
        made of the messages, in order."""
        queue = await self.get_queue(scope, name)
        now = self._clock.now()
        checked: list[Outgoing | QueueError] = []
        for request in requests:
            try:
                check_send(request, queue.settings)
            except QueueError as error:
                checked.append(error)
            else:
                checked.append(self._outgoing(queue, request, now, sender_id))
        outgoing = [item for item in checked if isinstance(item, Outgoing)]
        return queue, checked, await self._append(queue, outgoing, now) if outgoing else []

    async def _append(self, queue: Queue, outgoing: list[Outgoing], now: datetime) -> list[Sent]:
        sent = await self._store.send(
            queue.scope, queue.name, outgoing, dedup_since=now - _DEDUP_WINDOW
        )
        if sent is None:
            raise QueueDoesNotExist
        self._waiters.wake((queue.scope, queue.name))
        return sent

    def _outgoing(
        self, queue: Queue, request: SendRequest, now: datetime, sender_id: str
    ) -> Outgoing:
        settings = queue.settings
        delay = settings.delay_seconds if request.delay_seconds is None else request.delay_seconds
        message = QueueMessage(
            id=self._ids(),
            body=request.body,
            sent_at=now,
            visible_at=now + timedelta(seconds=delay) if delay else now,
            sender_id=sender_id,
            attributes=dict(request.attributes),
            system_attributes=dict(request.system_attributes),
            group_id=request.group_id,
            deduplication_id=request.deduplication_id,
        )
        if not settings.fifo:
            return Outgoing(message)
        dedup_id = request.deduplication_id or content_dedup_id(request.body)
        message = replace(message, deduplication_id=dedup_id)
        if settings.deduplication_scope == "messageGroup":
            return Outgoing(message, f"group:{request.group_id}:{dedup_id}")
        return Outgoing(message, f"queue:{dedup_id}")

    async def send_to_queue(
        self,
        queue_arn: str,
        body: str,
        *,
        attributes: Mapping[str, str] | None = None,
        message_group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> None:
        """The ``QueueSender`` of queue targets and dead-letter queues; string attributes."""
        parts = split_queue_arn(queue_arn)
        if parts is None:
            raise QueueDoesNotExist
        scope, name = parts
        request = SendRequest(
            body=body,
            attributes={
                key: MessageAttribute("String", value) for key, value in (attributes or {}).items()
            },
            group_id=message_group_id,
            deduplication_id=deduplication_id,
        )
        await self._target_sends.send(scope, name, request)

    async def _send_as_owner(
        self, scope: Scope, name: str, requests: Sequence[SendRequest]
    ) -> list[Sent | QueueError]:
        """Target and dead-letter sends: as ``send_batch``, without the checksums of an SQS
        answer (an MD5 of every body), which only an SQS client reads."""
        _, checked, sent = await self._send(scope, name, requests, scope.account)
        taken = iter(sent)
        return [item if isinstance(item, QueueError) else next(taken) for item in checked]

    # --- receiving -------------------------------------------------------------------------------
    async def receive(self, scope: Scope, name: str, options: ReceiveOptions) -> list[Received]:
        """Messages now, or, on a long poll, as soon as one arrives or the wait is over. On a
        FIFO queue, a retry of a receive attempt gets what the attempt got, while none of it
        has been deleted, received again or had its visibility changed."""
        queue = await self.get_queue(scope, name)
        attempt_id = options.attempt_id if queue.settings.fifo else None
        if attempt_id is None:
            return await self._poll(queue, options)
        check_fifo_id("ReceiveRequestAttemptId", attempt_id)
        key = (queue.scope, queue.name, attempt_id)
        replayed = await self._replay(queue, options, key)
        if replayed is not None:
            return replayed
        received = await self._poll(queue, options)
        if received:
            taken = tuple(
                Taken(r.message.id, r.message.receipt or "", r.message.visible_at) for r in received
            )
            self._attempts.remember(key, Attempt(self._clock.now(), taken))
        return received

    async def _replay(
        self, queue: Queue, options: ReceiveOptions, key: tuple[Scope, str, str]
    ) -> list[Received] | None:
        """What the attempt ``key`` took, shown for a visibility timeout again; None when it
        took nothing, is too old, or any of it changed since."""
        now = self._clock.now()
        attempt = self._attempts.recall(key, now)
        if attempt is None:
            return None
        scope, name = queue.scope, queue.name
        messages = []
        for taken in attempt.taken:
            message = await self._store.get_message(scope, name, taken.message_id)
            if (
                message is None
                or message.receipt != taken.receipt
                or abs(message.visible_at - taken.visible_at) >= _SAME_INSTANT
            ):
                self._attempts.forget(key)
                return None
            messages.append(message)
        visible_at = now + timedelta(seconds=_visibility(queue, options))
        for message in messages:
            await self._store.set_visible_at(
                scope, name, message.id, message.receipt or "", visible_at
            )
        again = tuple(replace(taken, visible_at=visible_at) for taken in attempt.taken)
        self._attempts.remember(key, replace(attempt, taken=again))
        return [
            Received(
                replace(message, visible_at=visible_at),
                receipt_handle(scope, name, message.id, message.receipt or ""),
            )
            for message in messages
        ]

    async def _poll(self, queue: Queue, options: ReceiveOptions) -> list[Received]:
        scope, name = queue.scope, queue.name
        wait = options.wait_seconds
        if wait is None:
            wait = queue.settings.receive_wait_seconds
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        key = (scope, name)
        while True:
            woken = self._waiters.watch(key)
            if await self._in_flight_full(queue):
                # A standard queue refuses a short poll; a long poll (and FIFO, always) finds
                # nothing until messages leave flight (sqs.md section 4).
                if wait <= 0 and not queue.settings.fifo:
                    raise OverLimit
                received = []
            else:
                received = await self._receive_once(queue, options)
            remaining = deadline - loop.time()
            if received or remaining <= 0 or not self._waiters.can_wait():
                return received
            await self._waiters.wait(woken, await self._timer(scope, name, remaining))
            queue = await self.get_queue(scope, name)  # deleted or changed while waiting

    async def _timer(self, scope: Scope, name: str, remaining: float) -> float:
        """How long to sleep: until the wait ends or a delayed or in-flight message shows."""
        now = self._clock.now()
        next_at = await self._store.next_visible_at(scope, name, now)
        if next_at is None:
            return remaining
        return min(remaining, max((next_at - now).total_seconds(), _MIN_TIMER_SECONDS))

    async def _in_flight_full(self, queue: Queue) -> bool:
        key = (queue.scope, queue.name)
        now = self._clock.now()
        known = self._in_flight.get(key)
        if known is None or now - known[1] >= _IN_FLIGHT_RECOUNT:
            counts = await self._store.counts(queue.scope, queue.name, now)
            if len(self._in_flight) >= _MAX_KNOWN_QUEUES:
                self._in_flight.clear()
            known = self._in_flight[key] = (counts.in_flight, now)
        return known[0] >= self._max_in_flight

    def _taken(self, queue: Queue, count: int) -> None:
        """``count`` messages went into flight: the trusted count grows with them."""
        key = (queue.scope, queue.name)
        known = self._in_flight.get(key)
        if known is not None:
            self._in_flight[key] = (known[0] + count, known[1])

    async def _receive_once(self, queue: Queue, options: ReceiveOptions) -> list[Received]:
        settings = queue.settings
        now = self._clock.now()
        visibility = _visibility(queue, options)
        request = ReceiveRequest(
            now=now,
            max_messages=options.max_messages,
            visible_until=now + timedelta(seconds=visibility),
            receipts=[self._ids() for _ in range(options.max_messages)],
            fifo=settings.fifo,
            expired_before=now - timedelta(seconds=settings.retention_seconds),
            redrive=_redrive(queue),
        )
        taken = await self._store.receive(queue.scope, queue.name, request)
        self._taken(queue, len(taken))
        return [
            Received(
                message, receipt_handle(queue.scope, queue.name, message.id, message.receipt or "")
            )
            for message in taken
        ]

    # --- after a receive -------------------------------------------------------------------------
    async def delete_message(self, scope: Scope, name: str, handle: str) -> None:
        queue = await self.get_queue(scope, name)
        receipt = parse_receipt_handle(handle, scope, name)
        message = await self._store.get_message(scope, name, receipt.message_id)
        if message is None:
            return  # deleted already: a stale handle still succeeds
        now = self._clock.now()
        if queue.settings.fifo and (message.receipt != receipt.token or message.visible_at <= now):
            raise InvalidParameterValue(
                f"Value {handle} for parameter ReceiptHandle is invalid. "
                "Reason: The receipt handle has expired."
            )
        await self._store.delete_message(scope, name, receipt.message_id)

    async def change_visibility(self, scope: Scope, name: str, handle: str, seconds: int) -> None:
        """Hide the received message for ``seconds`` from now; 0 shows it at once.

        On a standard queue any handle of a message that still exists will do, as AWS answered
        in LocalStack's AWS-validated visibility tests: one from an earlier receive changes the
        message's current visibility, and a message whose visibility has run out (back in the
        queue) is left as it is, with a 200. A FIFO queue takes only the current handle of a
        message in flight."""
        queue = await self.get_queue(scope, name)
        receipt = parse_receipt_handle(handle, scope, name)
        _check_visibility(seconds)
        message = await self._store.get_message(scope, name, receipt.message_id)
        now = self._clock.now()
        stale = message is not None and (
            message.receipt != receipt.token or message.visible_at <= now
        )
        if message is None or message.receipt is None or (stale and queue.settings.fifo):
            raise InvalidParameterValue(
                f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not "
                "exist or is not available for visibility timeout change."
            )
        if message.visible_at <= now:
            return
        received_at = message.received_at or now
        if (now - received_at).total_seconds() + seconds > MAX_VISIBILITY_SECONDS:
            raise InvalidParameterValue(
                f"Value {seconds} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        visible_at = now + timedelta(seconds=seconds)
        await self._store.set_visible_at(scope, name, message.id, message.receipt, visible_at)
        if seconds == 0:
            self._waiters.wake((scope, name))


def _visibility(queue: Queue, options: ReceiveOptions) -> int:
    """Seconds a receive hides its messages for: the request's, else the queue's."""
    seconds = options.visibility_timeout
    return queue.settings.visibility_timeout if seconds is None else seconds


def _check_visibility(seconds: int) -> None:
    if not 0 <= seconds <= MAX_VISIBILITY_SECONDS:
        raise InvalidParameterValue(
            f"Value {seconds} for parameter VisibilityTimeout is invalid. "
            "Reason: Must be >= 0 and <= 43200, if provided."
        )


def _same_queue(existing: Queue, attributes: Mapping[str, str]) -> Queue:
    differing = differing_attribute(existing.settings, attributes)
    if differing is not None:
        raise QueueNameExists(
            "A queue already exists with the same name and a different value for attribute "
            f"{differing}"
        )
    return existing


def _redrive(queue: Queue) -> Redrive | None:
    policy = queue.settings.redrive_policy
    parts = None if policy is None else split_queue_arn(policy.dead_letter_arn)
    if policy is None or parts is None:
        return None
    return Redrive(policy.max_receive_count, parts[0], parts[1], queue.arn)


def _send_result(queue: Queue, message: QueueMessage, sent: Sent) -> SendResult:
    """A duplicate reports the original message's id and sequence number."""
    return SendResult(
        message_id=sent.message_id,
        body_md5=body_md5(message.body),
        attributes_md5=attributes_md5(message.attributes),
        system_attributes_md5=attributes_md5(message.system_attributes),
        sequence_number=sequence_number(sent.seq) if queue.settings.fifo else None,
    )


def sequence_number(seq: int) -> str:
    """FIFO SequenceNumber: a 20-digit decimal that grows with every send, as AWS's do."""
    return f"{seq:020d}"


def _redrives_to(source: Queue, dead_letter_arn: str) -> bool:
    policy = source.settings.redrive_policy
    return policy is not None and policy.dead_letter_arn == dead_letter_arn
