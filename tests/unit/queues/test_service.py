"""QueueService semantics on a MemoryQueueStore with a FakeClock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import TypeVar

import pytest

from busway.clock import FakeClock
from busway.delivery.target import Invocation
from busway.delivery.targets.queue import QueueTarget
from busway.errors import ResourceNotFound
from busway.model import Event, Scope, Target
from busway.service.queue_errors import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
    MissingParameter,
    PurgeQueueInProgress,
    QueueNameExists,
    ReceiptHandleIsInvalid,
)
from busway.service.queue_messages import SendRequest
from busway.service.queues import QueueService, ReceiveOptions
from busway.store.memory.queues import MemoryQueueStore
from busway.store.queues import MessageAttribute

SCOPE = Scope("123456789012", "us-east-1")
ARN = "arn:aws:sqs:us-east-1:123456789012:"
T = TypeVar("T")


def make() -> tuple[QueueService, FakeClock]:
    clock = FakeClock()
    return QueueService(MemoryQueueStore(), clock), clock


def run(body: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(body())  # type: ignore[arg-type]


async def send(queues: QueueService, name: str, body: str = "x", **fields: object) -> str:
    result = await queues.send(SCOPE, name, SendRequest(body, **fields), sender_id="me")  # type: ignore[arg-type]
    return result.message_id


async def bodies(queues: QueueService, name: str, **options: int) -> list[str]:
    received = await queues.receive(SCOPE, name, ReceiveOptions(max_messages=10, **options))
    return [r.message.body for r in received]


def test_create_is_idempotent_only_for_the_same_attributes() -> None:
    queues, _ = make()

    async def body() -> None:
        first = await queues.create_queue(SCOPE, "q", {"VisibilityTimeout": "45"})
        again = await queues.create_queue(SCOPE, "q", {"VisibilityTimeout": "45"})
        assert again == first
        assert await queues.create_queue(SCOPE, "q") == first
        with pytest.raises(QueueNameExists, match="attribute VisibilityTimeout"):
            await queues.create_queue(SCOPE, "q", {"VisibilityTimeout": "46"})

    run(body)


def test_a_standard_queue_has_no_fifo_queue_attribute() -> None:
    queues, _ = make()
    fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}

    async def body() -> None:
        with pytest.raises(InvalidAttributeName, match=r"^Unknown Attribute FifoQueue\.$"):
            await queues.create_queue(SCOPE, "q", {"FifoQueue": "false"})
        await queues.create_queue(SCOPE, "q")
        await queues.create_queue(SCOPE, "f.fifo", fifo)
        for value in ("true", "false"):
            with pytest.raises(InvalidAttributeName, match=r"^Unknown Attribute FifoQueue\.$"):
                await queues.set_attributes(SCOPE, "q", {"FifoQueue": value})
        with pytest.raises(InvalidAttributeValue, match="Modifying queue type is not supported"):
            await queues.set_attributes(SCOPE, "f.fifo", {"FifoQueue": "false"})
        await queues.set_attributes(SCOPE, "f.fifo", {"FifoQueue": "true"})

    run(body)


def test_kms_and_sqs_managed_encryption_are_not_set_together() -> None:
    # AWS's answer in LocalStack's AWS-validated test_sse_kms_and_sqs_are_mutually_exclusive.
    queues, _ = make()
    both = {"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "true"}
    text = (
        "You can use one type of server-side encryption (SSE) at one time. "
        "You can either enable KMS SSE or SQS SSE."
    )

    async def body() -> None:
        with pytest.raises(InvalidAttributeName) as refused:
            await queues.create_queue(SCOPE, "both", both)
        assert refused.value.message == text
        await queues.create_queue(SCOPE, "q")
        with pytest.raises(InvalidAttributeName):
            await queues.set_attributes(SCOPE, "q", both)
        kms = {"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "false"}
        await queues.set_attributes(SCOPE, "q", kms)
        attributes = await queues.attributes(SCOPE, "q", ["All"])
        assert (attributes["KmsMasterKeyId"], attributes["SqsManagedSseEnabled"]) == (
            "testKeyId",
            "false",
        )

    run(body)


@pytest.mark.parametrize(
    ("value", "taken"),
    [
        ("42", True),
        ("-0.5e-3", True),
        ("1" * 38, True),
        ("1" + "0" * 120, True),
        ("1e126", True),
        ("1e-128", True),
        ("abc", False),
        ("1" * 39, False),
        ("1e127", False),
        ("1e-129", False),
        ("1e999999999", False),
        ("-1e-999999999", False),
        ("NaN", False),
        (" 1", False),
        ("1_000", False),
    ],
)
def test_number_attributes_must_be_numbers_sqs_holds(value: str, taken: bool) -> None:
    queues, _ = make()
    attributes = {"n": MessageAttribute("Number.int", string_value=value)}

    async def body() -> None:
        await queues.create_queue(SCOPE, "q")
        if taken:
            await send(queues, "q", attributes=attributes)
            return
        with pytest.raises(InvalidParameterValue) as refused:
            await send(queues, "q", attributes=attributes)
        assert refused.value.message == (
            "Can't cast the value of message (user) attribute 'n' to a number."
        )

    run(body)


def test_numeric_queue_attributes_take_ascii_digits_only() -> None:
    queues, _ = make()

    async def body() -> None:
        await queues.create_queue(SCOPE, "q")
        for text in ("\u0661\u0662\u0663", "+60", " 60", "6_0"):
            with pytest.raises(InvalidAttributeValue, match="MessageRetentionPeriod"):
                await queues.set_attributes(SCOPE, "q", {"MessageRetentionPeriod": text})
        await queues.set_attributes(SCOPE, "q", {"MessageRetentionPeriod": "123"})

    run(body)


def test_visibility_timeout_expiry_counts_receives() -> None:
    queues, clock = make()

    async def body() -> None:
        await queues.create_queue(SCOPE, "q", {"VisibilityTimeout": "5"})
        await send(queues, "q", "m")
        (first,) = await queues.receive(SCOPE, "q", ReceiveOptions())
        assert first.message.receive_count == 1
        assert await bodies(queues, "q") == []
        clock.advance(timedelta(seconds=5))
        (second,) = await queues.receive(SCOPE, "q", ReceiveOptions())
        assert second.message.receive_count == 2
        assert second.receipt_handle != first.receipt_handle
        await queues.delete_message(SCOPE, "q", first.receipt_handle)  # stale, still succeeds
        clock.advance(timedelta(seconds=5))
        assert await bodies(queues, "q") == []

    run(body)


def test_change_visibility_and_invalid_handles() -> None:
    queues, _ = make()

    async def body() -> None:
        await queues.create_queue(SCOPE, "q")
        await queues.create_queue(SCOPE, "other")
        await send(queues, "q", "m")
        (received,) = await queues.receive(SCOPE, "q", ReceiveOptions())
        await queues.change_visibility(SCOPE, "q", received.receipt_handle, 0)
        assert await bodies(queues, "q") == ["m"]
        with pytest.raises(ReceiptHandleIsInvalid):
            await queues.delete_message(SCOPE, "other", received.receipt_handle)
        with pytest.raises(ReceiptHandleIsInvalid):
            await queues.delete_message(SCOPE, "q", "not-a-handle")
        # The first handle still changes the visibility of the message received again (AWS).
        await queues.change_visibility(SCOPE, "q", received.receipt_handle, 0)
        (again,) = await queues.receive(SCOPE, "q", ReceiveOptions(visibility_timeout=1))
        await queues.delete_message(SCOPE, "q", again.receipt_handle)
        with pytest.raises(InvalidParameterValue, match="not available for visibility"):
            await queues.change_visibility(SCOPE, "q", received.receipt_handle, 10)

    run(body)


def test_a_stale_handle_changes_visibility_on_standard_queues_only() -> None:
    queues, clock = make()

    async def body() -> None:
        await queues.create_queue(SCOPE, "q")
        await send(queues, "q", "m")
        (first,) = await queues.receive(SCOPE, "q", ReceiveOptions(visibility_timeout=0))
        (_second,) = await queues.receive(SCOPE, "q", ReceiveOptions(visibility_timeout=30))
        await queues.change_visibility(SCOPE, "q", first.receipt_handle, 0)
        assert await bodies(queues, "q", visibility_timeout=2) == ["m"]
        clock.advance(timedelta(seconds=3))  # back in the queue: a change leaves it be
        await queues.change_visibility(SCOPE, "q", first.receipt_handle, 60)
        assert await bodies(queues, "q") == ["m"]
        await queues.create_queue(SCOPE, "q.fifo", {"FifoQueue": "true"})
        await queues.send(
            SCOPE,
            "q.fifo",
            SendRequest("f", group_id="g", deduplication_id="d"),
            sender_id=SCOPE.account,
        )
        (old,) = await queues.receive(SCOPE, "q.fifo", ReceiveOptions(visibility_timeout=0))
        (_new,) = await queues.receive(SCOPE, "q.fifo", ReceiveOptions(visibility_timeout=30))
        with pytest.raises(InvalidParameterValue, match="not available for visibility"):
            await queues.change_visibility(SCOPE, "q.fifo", old.receipt_handle, 0)

    run(body)


def test_redrive_moves_after_max_receive_count() -> None:
    queues, clock = make()

    async def body() -> None:
        await queues.create_queue(SCOPE, "dlq")
        policy = f'{{"deadLetterTargetArn":"{ARN}dlq","maxReceiveCount":"2"}}'
        await queues.create_queue(SCOPE, "q", {"RedrivePolicy": policy, "VisibilityTimeout": "1"})
        await send(queues, "q", "poison")
        for _ in range(2):
            assert await bodies(queues, "q") == ["poison"]
            clock.advance(timedelta(seconds=1))
        assert await bodies(queues, "q") == []
        (moved,) = await queues.receive(SCOPE, "dlq", ReceiveOptions())
        assert moved.message.dead_letter_source_arn == f"{ARN}q"
        sources = await queues.dead_letter_sources(SCOPE, "dlq")
        assert [q.name for q in sources.items] == ["q"]

    run(body)


def test_delay_and_retention() -> None:
    queues, clock = make()

    async def body() -> None:
        await queues.create_queue(
            SCOPE, "q", {"DelaySeconds": "10", "MessageRetentionPeriod": "60"}
        )
        await send(queues, "q", "late")
        await send(queues, "q", "now", delay_seconds=0)
        attributes = await queues.attributes(SCOPE, "q", ["ApproximateNumberOfMessagesDelayed"])
        assert attributes == {"ApproximateNumberOfMessagesDelayed": "1"}
        assert await bodies(queues, "q", visibility_timeout=0) == ["now"]
        clock.advance(timedelta(seconds=10))
        assert await bodies(queues, "q", visibility_timeout=0) == ["late", "now"]
        clock.advance(timedelta(seconds=51))
        assert await bodies(queues, "q") == []

    run(body)


def test_a_delay_change_moves_queued_fifo_messages_but_not_standard_ones() -> None:
    queues, clock = make()

    async def body() -> None:
        fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "true", "DelaySeconds": "30"}
        await queues.create_queue(SCOPE, "q.fifo", fifo)
        await queues.create_queue(SCOPE, "q", {"DelaySeconds": "30"})
        await send(queues, "q.fifo", "f", group_id="g")
        await send(queues, "q", "s")
        clock.advance(timedelta(seconds=5))
        for name in ("q.fifo", "q"):
            await queues.set_attributes(SCOPE, name, {"DelaySeconds": "0"})
        assert await bodies(queues, "q.fifo") == ["f"]
        assert await bodies(queues, "q") == []
        clock.advance(timedelta(seconds=25))
        assert await bodies(queues, "q") == ["s"]

    run(body)


def test_fifo_order_dedup_and_group_blocking() -> None:
    queues, clock = make()

    async def body() -> None:
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        await queues.create_queue(SCOPE, "q.fifo", attributes)
        with pytest.raises(MissingParameter, match="MessageGroupId"):
            await send(queues, "q.fifo", "a1")
        first = await send(queues, "q.fifo", "a1", group_id="a")
        assert await send(queues, "q.fifo", "a1", group_id="a") == first  # deduplicated
        await send(queues, "q.fifo", "b1", group_id="b")
        await send(queues, "q.fifo", "a2", group_id="a")
        got = await queues.receive(SCOPE, "q.fifo", ReceiveOptions(max_messages=1))
        assert [r.message.body for r in got] == ["a1"]
        assert await bodies(queues, "q.fifo") == ["b1"]  # group a is blocked
        await queues.delete_message(SCOPE, "q.fifo", got[0].receipt_handle)
        assert await bodies(queues, "q.fifo") == ["a2"]
        clock.advance(timedelta(minutes=5, seconds=1))
        assert await send(queues, "q.fifo", "a1", group_id="a") != first

    run(body)


def test_a_retried_receive_attempt_gets_the_same_messages_and_handles() -> None:
    queues, clock = make()

    def attempt(attempt_id: str) -> ReceiveOptions:
        return ReceiveOptions(max_messages=2, visibility_timeout=30, attempt_id=attempt_id)

    async def body() -> None:
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        await queues.create_queue(SCOPE, "q.fifo", attributes)
        for n in range(4):
            await send(queues, "q.fifo", f"m{n}", group_id=f"g{n}")
        first = await queues.receive(SCOPE, "q.fifo", attempt("a1"))
        assert [r.message.body for r in first] == ["m0", "m1"]
        clock.advance(timedelta(seconds=25))
        again = await queues.receive(SCOPE, "q.fifo", attempt("a1"))
        assert [(r.message.body, r.receipt_handle) for r in again] == [
            (r.message.body, r.receipt_handle) for r in first
        ]
        assert [r.message.receive_count for r in again] == [1, 1]
        clock.advance(timedelta(seconds=25))  # 50 s after the first: hidden again by the retry
        assert await bodies(queues, "q.fifo") == ["m2", "m3"]
        # A changed message ends the replay: the retry is a receive of its own.
        await queues.delete_message(SCOPE, "q.fifo", first[0].receipt_handle)
        clock.advance(timedelta(seconds=31))
        fresh = await queues.receive(SCOPE, "q.fifo", attempt("a1"))
        assert [r.message.body for r in fresh] == ["m1", "m2"]
        assert fresh[0].receipt_handle != first[1].receipt_handle

    run(body)


def test_a_receive_attempt_lasts_five_minutes_on_fifo_queues_only() -> None:
    queues, clock = make()
    options = ReceiveOptions(visibility_timeout=30, attempt_id="a1")

    async def body() -> None:
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        await queues.create_queue(SCOPE, "q.fifo", attributes)
        await queues.create_queue(SCOPE, "q")
        for n in range(2):
            await send(queues, "q.fifo", f"m{n}", group_id=f"g{n}")
            await send(queues, "q", f"s{n}")
        first = await queues.receive(SCOPE, "q.fifo", options)
        clock.advance(timedelta(minutes=5))
        (late,) = await queues.receive(SCOPE, "q.fifo", options)  # a receive of its own
        assert (late.message.body, late.message.receive_count) == ("m0", 2)
        assert late.receipt_handle != first[0].receipt_handle
        standard = [await queues.receive(SCOPE, "q", options) for _ in range(2)]
        assert [r.message.body for received in standard for r in received] == ["s0", "s1"]
        with pytest.raises(InvalidParameterValue, match="ReceiveRequestAttemptId is invalid"):
            await queues.receive(SCOPE, "q.fifo", replace(options, attempt_id="x" * 129))

    run(body)


def test_purge_only_once_a_minute() -> None:
    queues, clock = make()

    async def body() -> None:
        await queues.create_queue(SCOPE, "q")
        await send(queues, "q")
        await queues.purge(SCOPE, "q")
        assert await bodies(queues, "q") == []
        with pytest.raises(PurgeQueueInProgress):
            await queues.purge(SCOPE, "q")
        clock.advance(timedelta(seconds=60))
        await queues.purge(SCOPE, "q")

    run(body)


def test_a_long_poll_wakes_on_send_without_waiting_it_out() -> None:
    queues, _ = make()

    async def body() -> float:
        await queues.create_queue(SCOPE, "q")
        started = time.monotonic()
        polling = asyncio.create_task(bodies(queues, "q", wait_seconds=20))
        await asyncio.sleep(0.05)
        assert not polling.done()
        await send(queues, "q", "wake")
        assert await asyncio.wait_for(polling, 5) == ["wake"]
        return time.monotonic() - started

    assert run(body) < 5


def test_a_long_poll_ends_at_close() -> None:
    queues, _ = make()

    async def body() -> None:
        await queues.create_queue(SCOPE, "q")
        polling = asyncio.create_task(bodies(queues, "q", wait_seconds=20))
        await asyncio.sleep(0.05)
        queues.close()
        assert await asyncio.wait_for(polling, 5) == []

    run(body)


def event_invocation(arn: str, group: str | None = None) -> Invocation:
    clock = FakeClock()
    event = Event("e1", SCOPE, "default", "s", "t", clock.now(), clock.now(), b"{}")
    target = Target("t1", arn, sqs_message_group_id=group)
    return Invocation(event, f"{ARN}rule", target, '{"id":"e1"}', 1)


def test_queue_target_delivers_and_maps_failures() -> None:
    queues, _ = make()
    target = QueueTarget(queues)

    async def body() -> None:
        await queues.create_queue(SCOPE, "q")
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        await queues.create_queue(SCOPE, "f.fifo", attributes)
        assert (await target.invoke(event_invocation(f"{ARN}q"))).delivered
        assert (await target.invoke(event_invocation(f"{ARN}f.fifo", "g"))).delivered
        assert await bodies(queues, "f.fifo") == ['{"id":"e1"}']
        missing = await target.invoke(event_invocation(f"{ARN}gone"))
        assert (missing.error_code, missing.retryable) == ("NO_RESOURCE", False)
        refused = await target.invoke(event_invocation(f"{ARN}f.fifo"))
        assert not refused.delivered
        assert not refused.retryable
        with pytest.raises(ResourceNotFound):
            await queues.send_to_queue(f"{ARN}gone", "x")
        await queues.send_to_queue(f"{ARN}q", "dlq", attributes={"ERROR_CODE": "NO_RESOURCE"})
        received = await queues.receive(SCOPE, "q", ReceiveOptions(max_messages=10))
        assert [r.message.body for r in received] == ['{"id":"e1"}', "dlq"]
        await target.close()

    run(body)


def test_changed_settings_apply_to_the_next_send_and_deleted_queues_refuse() -> None:
    queues, clock = make()

    async def body() -> None:
        await queues.create_queue(SCOPE, "q")
        await send(queues, "q", "now")  # the queue's settings are remembered from here on
        await queues.set_attributes(SCOPE, "q", {"DelaySeconds": "60"})
        await send(queues, "q", "later")
        assert await bodies(queues, "q", wait_seconds=0) == ["now"]
        clock.advance(timedelta(seconds=61))  # "now" is visible again too: it was not deleted
        assert sorted(await bodies(queues, "q", wait_seconds=0)) == ["later", "now"]
        await queues.delete_queue(SCOPE, "q")
        with pytest.raises(ResourceNotFound):
            await send(queues, "q")

    run(body)


def test_past_the_in_flight_cap_a_long_poll_and_fifo_find_nothing() -> None:
    queues = QueueService(MemoryQueueStore(), FakeClock(), max_in_flight=1)

    async def take(name: str, wait_seconds: int = 0) -> list[str]:
        options = ReceiveOptions(max_messages=1, wait_seconds=wait_seconds)
        return [r.message.body for r in await queues.receive(SCOPE, name, options)]

    async def body() -> None:
        await queues.create_queue(SCOPE, "q", {"VisibilityTimeout": "300"})
        await queues.create_queue(SCOPE, "q.fifo", {"FifoQueue": "true"})
        for n, text in enumerate("ab"):
            await send(queues, "q", text)
            await send(queues, "q.fifo", text, group_id=text, deduplication_id=str(n))
        assert await take("q") == ["a"]
        # A standard queue's long poll waits, then answers nothing rather than OverLimit.
        assert await take("q", wait_seconds=1) == []
        # FIFO never errors: group "b" is free, yet the queue is at its cap.
        assert await take("q.fifo") == ["a"]
        assert await take("q.fifo") == []

    run(body)
