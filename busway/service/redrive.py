"""Redriving a dead-letter queue: each message busway's dispatcher dead-lettered goes back to its
rule's target as a new delivery of the same event (the ``Busway.RedriveDeadLetters`` operation).

A dead letter holds the event envelope as its body and says where it failed in its ``RULE_ARN``
and ``TARGET_ARN`` attributes (``busway.delivery.dead_letter``). The new delivery and the event
are committed first, then the message is deleted: a crash in between redrives it again later
(at least once, never lost). The delivery counts its attempts and the event's age afresh, so an
event that was dead-lettered for being too old is delivered again rather than at once expired.
Messages that are not busway's dead letters, or whose rule or target is gone, stay on the queue.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from busway import jsontext
from busway.arns import PARTITION_PATTERN
from busway.clock import Clock
from busway.errors import ValidationError
from busway.model import Event, Scope, Target
from busway.service.queue_errors import InvalidParameterValue
from busway.service.queue_messages import Received
from busway.service.queues import QueueService, ReceiveOptions
from busway.store.protocol import Store
from busway.store.queues import MessageAttribute

__all__ = ["MAX_REDRIVE", "RedriveResult", "RedriveService", "parse_rule_arn"]

MAX_REDRIVE: Final = 10_000
_BATCH: Final = 10
# Messages being redriven are hidden this long: no other consumer takes them meanwhile.
_HOLD_SECONDS: Final = 120
_RULE_ARN = re.compile(
    rf"arn:{PARTITION_PATTERN}:events:(?P<region>[^:]+):(?P<account>\d+):rule/(?:(?P<bus>[^/]+)/)?(?P<name>[^/]+)"
)


@dataclass(frozen=True, slots=True)
class RedriveResult:
    redriven: int
    skipped: int


@dataclass(frozen=True, slots=True)
class _RuleRef:
    scope: Scope
    bus_name: str
    name: str


def parse_rule_arn(arn: str) -> _RuleRef | None:
    match = _RULE_ARN.fullmatch(arn)
    if match is None:
        return None
    scope = Scope(match["account"], match["region"])
    return _RuleRef(scope, match["bus"] or "default", match["name"])


class RedriveService:
    """``wake`` is told when new deliveries are due (the node's dispatcher)."""

    def __init__(
        self,
        store: Store,
        queues: QueueService,
        clock: Clock,
        *,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._queues = queues
        self._clock = clock
        self._wake = wake

    async def redrive(self, scope: Scope, queue_name: str, max_messages: int) -> RedriveResult:
        """Redrive up to ``max_messages`` visible messages of the queue."""
        if not 1 <= max_messages <= MAX_REDRIVE:
            raise ValidationError(f"MaxMessages must be between 1 and {MAX_REDRIVE}.")
        await self._queues.get_queue(scope, queue_name)  # QueueDoesNotExist
        redriven = 0
        left: dict[str, str] = {}  # message id -> receipt handle, of the messages that stay
        try:
            while redriven + len(left) < max_messages:
                wanted = min(_BATCH, max_messages - redriven - len(left))
                options = ReceiveOptions(wanted, wait_seconds=0, visibility_timeout=_HOLD_SECONDS)
                batch = await self._queues.receive(scope, queue_name, options)
                # A message left earlier came back (the hold ran out): every one was seen.
                if not batch or any(received.message.id in left for received in batch):
                    left.update((r.message.id, r.receipt_handle) for r in batch)
                    break
                for received in batch:
                    if await self._redrive_one(received):
                        await self._queues.delete_message(
                            scope, queue_name, received.receipt_handle
                        )
                        redriven += 1
                    else:
                        left[received.message.id] = received.receipt_handle
        finally:
            if redriven and self._wake is not None:
                self._wake()
            await self._release(scope, queue_name, left.values())
        return RedriveResult(redriven, len(left))

    async def _release(self, scope: Scope, queue_name: str, handles: Iterable[str]) -> None:
        """Make the messages left visible again at once, as they were before."""
        for handle in handles:
            with contextlib.suppress(InvalidParameterValue):  # its hold ran out already
                await self._queues.change_visibility(scope, queue_name, handle, 0)

    async def _redrive_one(self, received: Received) -> bool:
        attributes = received.message.attributes
        rule_arn = _string(attributes.get("RULE_ARN"))
        target_arn = _string(attributes.get("TARGET_ARN"))
        rule_ref = None if rule_arn is None else parse_rule_arn(rule_arn)
        if rule_arn is None or target_arn is None or rule_ref is None:
            return False
        target = await self._target(rule_ref, rule_arn, target_arn)
        if target is None:
            return False
        now = self._clock.now()
        event = await self._event(received.message.body, rule_ref, now)
        if event is None:
            return False
        await self._store.redrive_delivery(event, rule_arn, target.id, now)
        return True

    async def _target(self, rule_ref: _RuleRef, rule_arn: str, target_arn: str) -> Target | None:
        rule = await self._store.get_rule(rule_ref.scope, rule_ref.bus_name, rule_ref.name)
        if rule is None or rule.arn != rule_arn:
            return None
        # The dead letter names the target by ARN; a rule may have two targets with one ARN.
        return next(
            (t for t in await self._store.list_targets(rule_arn) if t.arn == target_arn), None
        )

    async def _event(self, body: str, rule_ref: _RuleRef, now: datetime) -> Event | None:
        """The event the dead letter holds, as stored, or rebuilt from its envelope."""
        envelope = _envelope(body)
        if envelope is None:
            return None
        stored = await self._store.get_event(envelope["id"])
        if stored is not None:
            return replace(stored, ingested_at=now)
        try:
            time = datetime.fromisoformat(envelope["time"])
        except ValueError:
            return None
        resources = envelope.get("resources") or []
        return Event(
            id=envelope["id"],
            scope=Scope(envelope["account"], envelope["region"]),
            bus_name=rule_ref.bus_name,
            source=envelope["source"],
            detail_type=envelope["detail-type"],
            time=time,
            ingested_at=now,
            body=body.encode(),
            resources=tuple(str(resource) for resource in resources),
        )


def _string(attribute: MessageAttribute | None) -> str | None:
    return None if attribute is None else attribute.string_value


_ENVELOPE_STRINGS: Final = ("id", "source", "detail-type", "time", "account", "region")


def _envelope(body: str) -> dict[str, Any] | None:
    try:
        envelope = jsontext.loads(body)
    except (jsontext.JSONDecodeError, ValueError):
        return None
    if not isinstance(envelope, dict):
        return None
    if not all(isinstance(envelope.get(key), str) for key in _ENVELOPE_STRINGS):
        return None
    if not isinstance(envelope.get("resources", []), list):
        return None
    return envelope
