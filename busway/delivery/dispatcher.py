"""The dispatcher: takes committed deliveries from the outbox and hands them to their targets.

Deliveries reach the dispatcher two ways. The hand-off: an ingest ``reserve``s room for the
deliveries it is about to commit, the store writes them already claimed until the lease end
``reserve`` returned (``Store.append_claimed_events``), and the ingest passes the claims to
``accept`` right after the commit, so no claim transaction (and no fsync) stands between commit
and delivery. Hand-offs beyond ``dispatch_concurrency`` wait in an in-memory backlog of at most
``dispatch_backlog`` for a free slot: a burst is delivered from memory instead of being read
back by claims. The backstop: one claim loop leases batches of due deliveries
(``Store.claim_deliveries``) — those whose ingest found no room, retries, expired leases; it
claims only while the backlog is empty. At most ``dispatch_concurrency`` attempts run at once,
each in a task that goes on with the backlog's next delivery when its own is done. Nothing
claimed waits long for a turn while its lease runs: the backlog is bounded, it takes no more
once its oldest delivery has waited a while, a backlogged delivery whose lease has too little
left for an attempt is given back to the outbox rather than attempted, and stop gives the
backlog back. Each task finds the target's current configuration in the routing table, renders
the payload, invokes the target and decides what comes next (``retry.next_step``). Results are
settled by one flush loop, many deliveries per store write: delivered, dead-lettered and
dropped deliveries leave the outbox, failed ones are rescheduled.

At least once: a delivery leaves the outbox only after its target acknowledged it, or after it
was dead-lettered or dropped. If busway stops without settling (a crash, even between a
hand-off's commit and its ``accept``), the leases run out, or the next start releases the
claims, and the deliveries are claimed again, keeping their event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from busway import jsontext
from busway.clock import Clock
from busway.config import Settings
from busway.delivery.dead_letter import dead_letter_message
from busway.delivery.deadlines import Deadlines
from busway.delivery.retry import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRY_POLICY,
    Backoff,
    Complete,
    DeadLetter,
    Exhausted,
    RandomSource,
    RetryAt,
    expired,
    next_step,
    retry_delay,
)
from busway.delivery.schedules import TargetResolver
from busway.delivery.target import (
    DeliveryTarget,
    Invocation,
    Outcome,
    QueueSender,
    TargetKind,
    target_kind,
)
from busway.delivery.targets.unsupported import UnsupportedTarget
from busway.errors import ResourceNotFound
from busway.model import Target
from busway.observability.telemetry import NO_TELEMETRY, DeliveryTelemetry
from busway.store.protocol import (
    ClaimedDelivery,
    DeliveryOutcome,
    DeliveryRetry,
    DeliveryState,
    Store,
)
from busway.transform import (
    InputTransformer,
    RenderContext,
    TargetInput,
    TransformError,
    WholeEvent,
    compile_target_input,
    render_input,
)

__all__ = ["DispatchCounters", "Dispatcher"]

log = logging.getLogger(__name__)

# Compiled inputs kept; past this the cache starts over (targets change rarely).
_MAX_CACHED_INPUTS = 4096
# Results are written this long after the first of them at most, or as soon as this many wait.
_SETTLE_LINGER_SECONDS = 0.02
_SETTLE_BATCH = 256
# The backlog takes no more while its oldest delivery has waited this long: the targets are
# slower than the ingests, and deliveries then wait in the store, due in order, for claims
# (which a backlog that stays full would keep from ever getting room).
_BACKLOG_MAX_WAIT = timedelta(seconds=2)


@dataclass(slots=True)
class DispatchCounters:
    """Running totals since start, unlabelled, for tests and benchmarks to read. ``/metrics``
    gets the same outcomes from the telemetry, by bus, rule and target kind.

    Every claimed delivery ends in exactly one of delivered, retried (it comes back for another
    attempt), dead_lettered, dead_letter_failed, dropped or undeliverable, or is released (stop).
    """

    attempts: int = 0  # target invocations, retries included
    delivered: int = 0  # acknowledged by the target
    retried: int = 0  # failed attempts scheduled again
    dead_lettered: int = 0  # put on the target's dead-letter queue
    dead_letter_failed: int = 0  # the dead-letter queue refused it (missing): event dropped
    dropped: int = 0  # failed for good without a DLQ, or its rule or target is gone
    undeliverable: int = 0  # its input rendered to nothing: AWS delivers nothing, silently


# A settled delivery: how it left the outbox (recorded in its bus's activity), or how it is
# due again.
_Settlement = DeliveryRetry | DeliveryOutcome


class Dispatcher:
    """Delivers the outbox. ``targets`` is read per invocation: kinds may be added after
    construction (the event-bus target needs an ingest service that wakes this dispatcher).
    Kinds it lacks are treated as unsupported. Use it from one event loop."""

    def __init__(
        self,
        store: Store,
        routing: TargetResolver,  # the routing table, or it and the schedules
        targets: Mapping[TargetKind, DeliveryTarget],
        dead_letters: QueueSender | None,
        clock: Clock,
        settings: Settings,
        rng: RandomSource | None = None,
        *,
        backoff: Backoff = DEFAULT_BACKOFF,
        drain_seconds: float = 10.0,
        telemetry: DeliveryTelemetry = NO_TELEMETRY,
    ) -> None:
        if settings.dispatch_batch < 1 or settings.dispatch_concurrency < 1:
            raise ValueError("dispatch_batch and dispatch_concurrency must be at least 1")
        if settings.dispatch_backlog < 0:
            raise ValueError("dispatch_backlog must not be negative")
        self.counters = DispatchCounters()
        self._telemetry = telemetry  # the same outcomes as counters, labelled by rule and target
        self._store = store
        self._routing = routing
        self._targets = targets
        self._dead_letters = dead_letters
        self._clock = clock
        self._rng: RandomSource = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._backoff = backoff
        self._batch = settings.dispatch_batch
        self._concurrency = settings.dispatch_concurrency
        self._backlog_limit = settings.dispatch_backlog
        self._lease = timedelta(seconds=settings.delivery_lease_seconds)
        self._poll = settings.dispatch_poll_seconds
        # Half the lease: an attempt always ends (times out) while its claim still holds.
        self._invoke_timeout = settings.delivery_lease_seconds / 2
        self._deadlines = Deadlines(self._invoke_timeout)
        # A backlogged delivery starts only with this much of its lease left: room for the
        # attempt's timeout and for settling (a dead letter's send, the write) after it.
        self._lease_needed = timedelta(seconds=self._invoke_timeout) + self._lease / 4
        self._drain_seconds = drain_seconds
        self._unsupported = UnsupportedTarget()
        self._inputs: dict[int, tuple[Target, TargetInput]] = {}
        self._in_flight = 0  # reserved or claimed, and not yet settled in the store
        # Reserved, backlogged or claimed, and not yet through its attempt. A delivery whose
        # attempt is over waits for nothing but its settlement's write, so it leaves room for
        # the next at once rather than after that write commits.
        self._attempting = 0
        self._running = 0  # attempts under way: what dispatch_concurrency bounds
        # Handed off, committed and claimed, waiting for a slot (FIFO).
        self._backlog: deque[ClaimedDelivery] = deque()
        self._reserved = 0  # reserved by an ingest whose commit has not ended yet
        self._no_reservations = asyncio.Event()  # stop() waits for reservations to end
        self._no_reservations.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._done: list[DeliveryOutcome] = []
        self._again: list[DeliveryRetry] = []
        self._wakeup = asyncio.Event()  # something may be due, or a slot came free
        self._wants_room = False  # the claim loop waits for a slot to come free
        self._unsettled = asyncio.Event()  # results wait for the flush loop
        self._stopping = False  # no more claims
        self._closing = False  # no more deliveries either: the flush loop ends when done
        self._claim_task: asyncio.Task[None] | None = None
        self._flush_task: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        """Deliveries reserved or claimed, and not yet settled in the store."""
        return self._in_flight

    # --- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._claim_task is not None:
            raise RuntimeError("the dispatcher was already started")
        self._claim_task = asyncio.create_task(self._claim_loop(), name="busway-dispatch-claims")
        self._flush_task = asyncio.create_task(self._flush_loop(), name="busway-dispatch-settle")
        self._deadlines.start()

    def wake(self) -> None:
        """New deliveries were committed: claim now rather than at the next poll."""
        self._wakeup.set()

    # --- the hand-off from ingest ----------------------------------------------------------------
    def reserve(self, count: int) -> datetime | None:
        """Room for ``count`` deliveries an ingest is about to commit claimed: the lease end to
        claim them until, or None (not running, stopping, or not enough room; the ingest then
        commits them unclaimed and wakes the claim loop). Follow with ``accept`` or
        ``unreserve``."""
        if count < 1 or self._claim_task is None or self._stopping:
            return None
        now = self._clock.now()
        if self._attempting + count > self._concurrency + self._backlog_limit or (
            self._attempting + count > self._concurrency and self._backlog_stalled(now)
        ):
            self._telemetry.deferred(count)
            return None
        self._attempting += count
        self._in_flight += count
        self._change_reserved(count)
        return now + self._lease

    def _backlog_stalled(self, now: datetime) -> bool:
        """Whether the oldest backlogged delivery has waited too long (its lease tells since
        when it waits)."""
        backlog = self._backlog
        return bool(backlog) and backlog[0].lease_until - now < self._lease - _BACKLOG_MAX_WAIT

    def accept(self, claimed: Sequence[ClaimedDelivery]) -> None:
        """The claims a reservation's commit made: deliver them (give them back if stopping)."""
        self._change_reserved(-len(claimed))
        if self._closing:
            # stop() waited drain_seconds for this commit in vain and settles nothing more: the
            # claims stay in the store until the next start releases them or their lease ends.
            log.warning("%d deliveries handed off after stop: left claimed", len(claimed))
            return
        for delivery in claimed:
            if self._stopping:  # a stopping dispatcher starts no attempt
                self._settle(delivery.id, self._release(delivery))
            elif self._backlog or self._running >= self._concurrency:
                self._backlog.append(delivery)
            else:
                self._start(delivery)

    def unreserve(self, count: int) -> None:
        """A reservation's commit failed: its room is free again."""
        self._change_reserved(-count)
        self._attempting -= count
        self._in_flight -= count
        self._wakeup.set()  # the claim loop may use the room

    def _change_reserved(self, delta: int) -> None:
        self._reserved += delta
        if self._reserved:
            self._no_reservations.clear()
        else:
            self._no_reservations.set()

    async def stop(self) -> None:
        """Stop claiming; let attempts in progress finish for up to ``drain_seconds``, give the
        rest back to the outbox (due now, their attempt not counted); settle everything.
        Idempotent; the store must still be open."""
        claim_task, flush_task = self._claim_task, self._flush_task
        if claim_task is None or flush_task is None or self._stopping:
            return
        self._stopping = True
        self._wakeup.set()
        self._start_backlogged()  # gives the backlog back: no attempt starts any more
        await _finish(claim_task, self._drain_seconds)
        # Commits that reserved room end soon; their claims are then given back by accept().
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._drain_seconds):
                await self._no_reservations.wait()
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=self._drain_seconds)
            for task in late:
                task.cancel()  # the task gives its delivery back as it ends
            await asyncio.gather(*late, return_exceptions=True)
        await self._deadlines.stop()
        self._closing = True
        self._unsettled.set()
        await _finish(flush_task, self._drain_seconds)

    # --- claiming --------------------------------------------------------------------------------
    async def _claim_loop(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            wanted = min(self._batch, self._concurrency - self._attempting)
            if wanted <= 0:
                self._wants_room = True
                await self._sleep(self._poll)  # until a settlement frees a slot
                continue
            try:
                claimed = await self._claim(wanted)
            except Exception:
                log.exception("claiming deliveries failed; trying again in %ss", self._poll)
                await self._sleep(self._poll)
                continue
            if len(claimed) < wanted and not self._stopping:
                await self._sleep(await self._until_next_due())

    async def _claim(self, wanted: int) -> list[ClaimedDelivery]:
        now = self._clock.now()
        claimed = await self._store.claim_deliveries(now, now + self._lease, wanted)
        self._attempting += len(claimed)
        self._in_flight += len(claimed)
        for delivery in claimed:
            self._start(delivery)
        return claimed

    async def _until_next_due(self) -> float:
        """Seconds until the earliest delivery is due (a retry, an expiring lease), at most
        the polling interval: the backstop for commits that did not wake us."""
        try:
            due = await self._store.next_due_at()
        except Exception:
            log.exception("reading the next due delivery failed")
            return self._poll
        if due is None:
            return self._poll
        return min(self._poll, max((due - self._clock.now()).total_seconds(), 0.0))

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wakeup.wait()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _start(self, claimed: ClaimedDelivery) -> None:
        self._running += 1
        self._spawn(self._deliver(claimed))

    def _start_backlogged(self) -> None:
        """Start backlogged deliveries while there are free slots (see ``_next_backlogged``)."""
        while self._running < self._concurrency or self._stopping:
            delivery = self._next_backlogged()
            if delivery is None:
                return
            self._start(delivery)

    def _next_backlogged(self) -> ClaimedDelivery | None:
        """The next backlogged delivery to attempt, if any. Those whose lease is too short for
        an attempt are given back (the claim loop takes them again); all are once stopping."""
        backlog = self._backlog
        if not backlog:
            return None
        now = self._clock.now()
        while backlog:
            delivery = backlog.popleft()
            if not self._stopping and delivery.lease_until - now >= self._lease_needed:
                return delivery
            self._settle(delivery.id, self._release(delivery))
        return None

    # --- one delivery ----------------------------------------------------------------------------
    async def _deliver(self, first: ClaimedDelivery) -> None:
        """Attempt ``first``, then, in the same task (a new one for each would cost more than
        many an attempt), the backlogged deliveries next in line while there are any."""
        claimed: ClaimedDelivery | None = first
        while claimed is not None:
            try:
                settlement = await self._attempt(claimed)
            except asyncio.CancelledError:
                self._running -= 1
                self._settle(claimed.id, self._release(claimed))
                raise
            except Exception:  # a bug here must not lose the delivery: try again later
                log.exception("delivery %s of event %s failed", claimed.id, claimed.event.id)
                settlement = self._release(claimed, delay=self._poll)
            self._settle(claimed.id, settlement)
            claimed = self._next_backlogged()  # the slot passes to it
            if claimed is None:
                self._running -= 1

    async def _attempt(self, claimed: ClaimedDelivery) -> _Settlement:
        event = claimed.event
        target = self._routing.target(
            event.scope, event.bus_name, claimed.rule_arn, claimed.target_id
        )
        if target is None:  # the rule or target was removed since the event matched
            self.counters.dropped += 1
            return _outcome(claimed, DeliveryState.DROPPED, claimed.attempts)
        policy = target.retry_policy or DEFAULT_RETRY_POLICY
        started = self._clock.now()
        if expired(claimed.attempts, started - event.ingested_at, policy):
            code = claimed.error_code or "ERROR_FROM_TARGET"
            verdict = DeadLetter(code, claimed.error_message or code, Exhausted.MAXIMUM_EVENT_AGE)
            return await self._dead_letter(claimed, target, verdict, claimed.attempts)
        try:
            payload = self._payload(claimed, target)
        except (TransformError, jsontext.JSONDecodeError) as error:
            _log_failure(claimed, target, None, str(error), claimed.attempts, "undeliverable")
            self.counters.undeliverable += 1
            return _outcome(claimed, DeliveryState.DROPPED, claimed.attempts)
        attempt = claimed.attempts + 1
        outcome = await self._invoke(Invocation(event, claimed.rule_arn, target, payload, attempt))
        now = self._clock.now()
        step = next_step(
            outcome, attempt, now - event.ingested_at, policy, now, self._rng, self._backoff
        )
        self._telemetry.attempted(
            claimed.rule_arn,
            target.arn,
            attempt,
            None if outcome.delivered else outcome.error_code or "ERROR_FROM_TARGET",
            (started - event.ingested_at).total_seconds(),
            (now - started).total_seconds(),
        )
        if isinstance(step, Complete):
            self.counters.delivered += 1
            return _outcome(claimed, DeliveryState.DELIVERED, attempt)
        if isinstance(step, RetryAt):
            self.counters.retried += 1
            _log_failure(
                claimed, target, outcome.error_code, outcome.error_message, attempt, "retry"
            )
            return DeliveryRetry(
                claimed.id,
                claimed.lease_until,
                step.at,
                attempt,
                outcome.error_code,
                outcome.error_message,
            )
        return await self._dead_letter(claimed, target, step, attempt)

    def _payload(self, claimed: ClaimedDelivery, target: Target) -> str:
        compiled = self._compiled_input(target)
        if isinstance(compiled, WholeEvent):
            # The stored body is the envelope in AWS's key order, exactly what rendering makes.
            return claimed.event.body.decode()
        context = RenderContext(
            claimed.rule_arn, _rule_name(claimed.rule_arn), claimed.event.ingested_at
        )
        return render_input(compiled, jsontext.loads(claimed.event.body), context)

    def _compiled_input(self, target: Target) -> TargetInput:
        # By identity: a Target holds dicts, so it cannot be hashed; keeping the Target in the
        # entry keeps its id from being reused while the entry exists.
        cached = self._inputs.get(id(target))
        if cached is not None and cached[0] is target:
            return cached[1]
        spec = target.input_transformer
        compiled = compile_target_input(
            target.id,
            input=target.input,
            input_path=target.input_path,
            input_transformer=None
            if spec is None
            else InputTransformer(template=spec.template, paths_map=spec.paths_map),
        )
        if len(self._inputs) >= _MAX_CACHED_INPUTS:
            self._inputs.clear()
        self._inputs[id(target)] = (target, compiled)
        return compiled

    async def _invoke(self, invocation: Invocation) -> Outcome:
        self.counters.attempts += 1
        target = self._targets.get(target_kind(invocation.target.arn), self._unsupported)
        # Bounded so that the attempt ends while its claim holds (see Deadlines for why not
        # asyncio.timeout).
        task = self._deadlines.enter()
        try:
            return await target.invoke(invocation)
        except asyncio.CancelledError:
            if not self._deadlines.expired(task):
                raise
            message = f"the target did not answer within {self._invoke_timeout:g} s"
            return Outcome.failure("TIMEOUT", message, retryable=True)
        except Exception as error:  # targets must not raise; one that does is retried
            log.exception("target %s raised", invocation.target.arn)
            return Outcome.failure("INTERNAL_FAILURE", repr(error), retryable=True)
        finally:
            self._deadlines.leave(task)

    async def _dead_letter(
        self, claimed: ClaimedDelivery, target: Target, verdict: DeadLetter, attempts: int
    ) -> _Settlement:
        queue_arn = target.dead_letter_arn
        if queue_arn is None:
            self.counters.dropped += 1
            self._gave_up(claimed, target, verdict, attempts, "dropped")
            return _outcome(claimed, DeliveryState.FAILED, attempts, verdict.error_code)
        message = dead_letter_message(claimed.event, claimed.rule_arn, target, verdict, attempts)
        if self._dead_letters is None:
            log.warning("no queues on this node: dead letter for %s dropped", queue_arn)
            self.counters.dead_letter_failed += 1
            self._gave_up(claimed, target, verdict, attempts, "dlq_failed")
            return _outcome(claimed, DeliveryState.FAILED, attempts, verdict.error_code)
        try:
            await self._dead_letters.send_to_queue(
                queue_arn, message.body, attributes=message.attributes
            )
        except ResourceNotFound:
            log.warning(
                "dead-letter queue %s does not exist: event %s dropped", queue_arn, claimed.event.id
            )
            self.counters.dead_letter_failed += 1
            self._gave_up(claimed, target, verdict, attempts, "dlq_failed")
            return _outcome(claimed, DeliveryState.FAILED, attempts, verdict.error_code)
        except Exception:
            # Not a missing queue: keep the event; the delivery is tried again after a backoff.
            log.exception("dead-lettering event %s to %s failed", claimed.event.id, queue_arn)
            due = self._clock.now() + timedelta(
                seconds=retry_delay(attempts, self._backoff, self._rng)
            )
            return DeliveryRetry(
                claimed.id,
                claimed.lease_until,
                due,
                attempts,
                verdict.error_code,
                verdict.error_message,
            )
        self.counters.dead_lettered += 1
        self._gave_up(claimed, target, verdict, attempts, "dlq")
        return _outcome(claimed, DeliveryState.DEAD_LETTERED, attempts, verdict.error_code)

    def _gave_up(
        self, claimed: ClaimedDelivery, target: Target, verdict: DeadLetter, attempts: int, how: str
    ) -> None:
        """A delivery failed for good: ``how`` is dlq, dlq_failed (the queue refused) or dropped."""
        self._telemetry.gave_up(claimed.rule_arn, target.arn, how)
        outcome = "dlq" if how == "dlq" else "dropped"
        _log_failure(claimed, target, verdict.error_code, verdict.error_message, attempts, outcome)

    def _release(self, claimed: ClaimedDelivery, *, delay: float = 0.0) -> DeliveryRetry:
        """Give the delivery back without counting an attempt, due after ``delay`` seconds."""
        return DeliveryRetry(
            claimed.id,
            claimed.lease_until,
            self._clock.now() + timedelta(seconds=delay),
            claimed.attempts,
            claimed.error_code,
            claimed.error_message,
        )

    # --- settling --------------------------------------------------------------------------------
    def _settle(self, delivery_id: int, settlement: _Settlement) -> None:
        self._attempting -= 1
        if self._wants_room:  # the claim loop may use the room now
            self._wants_room = False
            self._wakeup.set()
        if isinstance(settlement, DeliveryOutcome):
            self._done.append(settlement)
        else:
            self._again.append(settlement)
        self._unsettled.set()

    async def _flush_loop(self) -> None:
        while True:
            await self._unsettled.wait()
            if not self._closing and len(self._done) + len(self._again) < _SETTLE_BATCH:
                # Let results gather for a moment: one store write for many attempts rather
                # than one for every one or two. Nothing waits for it but the outbox.
                await asyncio.sleep(_SETTLE_LINGER_SECONDS)
            self._unsettled.clear()
            await self._flush()
            if self._closing and not self._done and not self._again:
                return

    async def _flush(self) -> None:
        """Write the results gathered so far; while a write runs, the next ones gather."""
        done, self._done = self._done, []
        again, self._again = self._again, []
        if not done and not again:
            return
        writes: list[Coroutine[Any, Any, object]] = []
        if done:
            writes.append(self._store.complete_deliveries(done))
        if again:
            writes.append(self._store.retry_deliveries(again))
        for result in await _all_settled(writes):
            if isinstance(result, BaseException):
                # The leases run out and the deliveries are attempted again: late, not lost.
                log.error("settling %d deliveries failed", len(done) + len(again), exc_info=result)
        self._in_flight -= len(done) + len(again)
        # Waking the claim loop costs a claim transaction and a read: only when a retry may be
        # due before the loop would look again (room made by settling wakes it in _settle).
        if again:
            self._wakeup.set()


async def _all_settled(writes: list[Coroutine[Any, Any, object]]) -> list[object]:
    """Each write's result or exception. One write (the usual case) is awaited as it is:
    ``gather`` would make it a task of its own."""
    if len(writes) == 1:
        try:
            return [await writes[0]]
        except Exception as error:
            return [error]
    return await asyncio.gather(*writes, return_exceptions=True)


async def _finish(task: asyncio.Task[None], seconds: float) -> None:
    """Wait for a background task to end by itself, cancelling it after ``seconds``."""
    _, pending = await asyncio.wait({task}, timeout=seconds)
    if pending:
        log.warning("%s did not end within %ss: cancelled", task.get_name(), seconds)
        task.cancel()
    # gather, not await: the task's own cancellation is a result here, while a cancellation
    # of the caller still propagates.
    [result] = await asyncio.gather(task, return_exceptions=True)
    if isinstance(result, Exception):
        log.error("%s failed", task.get_name(), exc_info=result)


def _outcome(
    claimed: ClaimedDelivery, state: DeliveryState, attempts: int, error_code: str | None = None
) -> DeliveryOutcome:
    event = claimed.event
    return DeliveryOutcome(claimed.id, event.scope, event.bus_name, state, attempts, error_code)


def _log_failure(
    claimed: ClaimedDelivery,
    target: Target,
    error_code: str | None,
    error_message: str | None,
    attempts: int,
    outcome: str,
) -> None:
    """The log line of a failed delivery: ``outcome`` is retry, dlq, dropped or undeliverable
    (its input rendered to nothing, which AWS drops silently: at INFO, as a retry is)."""
    level = logging.INFO if outcome in ("retry", "undeliverable") else logging.WARNING
    if not log.isEnabledFor(level):
        return
    fields = {
        "event_id": claimed.event.id,
        "rule_arn": claimed.rule_arn,
        "target_id": target.id,
        "target_arn": target.arn,
        "error_code": error_code,
        "error_message": error_message,
        "attempt": attempts,
        "outcome": outcome,
    }
    log.log(
        level,
        "delivery of event %s to %s (target %s) failed: %s",
        claimed.event.id,
        target.arn,
        target.id,
        outcome,
        extra=fields,
    )


def _rule_name(rule_arn: str) -> str:
    # .../rule/<name> on the default bus, .../rule/<bus>/<name> on others.
    return rule_arn.rpartition("/")[2]
