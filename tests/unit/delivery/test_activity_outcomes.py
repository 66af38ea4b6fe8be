"""The dispatcher records how each delivery ended in its bus's activity, as it settles it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from busway.delivery.target import Outcome
from busway.model import Target
from busway.store import DeliveryActivity, DeliveryState
from tests.support.targets import RecordingQueues, RecordingTarget, eventually
from tests.unit.delivery.rig import DLQ_ARN, QUEUE_ARN, RULE, SCOPE, T0, Rig, run

FORBIDDEN = Outcome.failure("NO_PERMISSIONS", "HTTP 403 Forbidden", retryable=False)
SERVER_ERROR = Outcome.failure("ERROR_FROM_TARGET", "HTTP 500", retryable=True)


async def _deliveries(rig: Rig) -> tuple[DeliveryActivity, ...]:
    [recent] = (await rig.store.recent_events(SCOPE, "default")).events
    return recent.deliveries


_CASES: dict[str, tuple[Callable[[], Rig], DeliveryActivity]] = {
    "delivered": (Rig, DeliveryActivity(RULE.arn, "t1", DeliveryState.DELIVERED, 1)),
    "dead-lettered": (
        lambda: Rig(RecordingTarget(FORBIDDEN)),
        DeliveryActivity(RULE.arn, "t1", DeliveryState.DEAD_LETTERED, 1, None, "NO_PERMISSIONS"),
    ),
    # The dead-letter queue is missing: the event is lost, so the delivery failed.
    "dead-letter-queue-missing": (
        lambda: Rig(RecordingTarget(FORBIDDEN), queues=RecordingQueues()),
        DeliveryActivity(RULE.arn, "t1", DeliveryState.FAILED, 1, None, "NO_PERMISSIONS"),
    ),
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_final_outcomes_are_recorded(case: str) -> None:
    make, expected = _CASES[case]
    rig = make()

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: len(rig.target.invocations) == 1)
            await rig.settled()
            assert await _deliveries(rig) == (expected,)

    run(rig, body)


def test_a_failure_without_a_dead_letter_queue_is_recorded_as_failed() -> None:
    rig = Rig(RecordingTarget(FORBIDDEN))
    rig.set_targets(Target("t1", QUEUE_ARN))

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.dropped == 1)
            await rig.settled()
        assert await _deliveries(rig) == (
            DeliveryActivity(RULE.arn, "t1", DeliveryState.FAILED, 1, None, "NO_PERMISSIONS"),
        )

    run(rig, body)


def test_a_delivery_whose_target_is_gone_is_recorded_as_dropped() -> None:
    rig = Rig()

    async def body() -> None:
        await rig.put()
        rig.set_targets(Target("other", QUEUE_ARN, dead_letter_arn=DLQ_ARN))
        async with rig.running():
            await eventually(lambda: rig.dispatcher.counters.dropped == 1)
            await rig.settled()
        assert await _deliveries(rig) == (
            DeliveryActivity(RULE.arn, "t1", DeliveryState.DROPPED, 0),
        )

    run(rig, body)


def test_a_retry_shows_as_retrying_with_its_next_attempt() -> None:
    rig = Rig(RecordingTarget(SERVER_ERROR))

    async def body() -> None:
        async with rig.running():
            await rig.put()
            await eventually(lambda: rig.dispatcher.counters.retried == 1)
            await rig.settled()
            [delivery] = await _deliveries(rig)
        # Retry 1 waits between 0.5 s and 1 s; the rig's jitter sits in the middle.
        assert delivery == DeliveryActivity(
            RULE.arn,
            "t1",
            DeliveryState.RETRYING,
            1,
            T0 + timedelta(seconds=0.75),
            "ERROR_FROM_TARGET",
        )

    run(rig, body)
