"""The dispatcher's side of the outbox: claims, leases, completion, retries (every store)."""

from __future__ import annotations

import asyncio
from datetime import timedelta, timezone

import pytest

from busway.store import ClaimedDelivery, DeliveryRetry, Store
from tests.contract.support import T0, record, run

R1 = "arn:aws:events:us-east-1:123456789012:rule/r1"
R2 = "arn:aws:events:us-east-1:123456789012:rule/r2"
LEASE = timedelta(seconds=60)


def _keys(claimed: list[ClaimedDelivery]) -> list[tuple[str, str, str]]:
    return [(c.event.id, c.rule_arn, c.target_id) for c in claimed]


def _retry(claimed: ClaimedDelivery, due_in_s: float) -> DeliveryRetry:
    """Reschedule after a failed attempt, due ``due_in_s`` seconds after T0."""
    return DeliveryRetry(
        claimed.id,
        claimed.lease_until,
        T0 + timedelta(seconds=due_in_s),
        claimed.attempts + 1,
        "ERROR_FROM_TARGET",
        "HTTP 500",
    )


def test_due_deliveries_are_claimed_with_their_events_earliest_first(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("late", (R1, "t1"), offset_s=5)])
        await store.append_events([record("early", (R2, "t1"), (R1, "t2"), offset_s=1)])
        await store.append_events([record("future", (R1, "t1"), offset_s=3600)])
        now = T0 + timedelta(seconds=10)
        claimed = await store.claim_deliveries(now, now + LEASE, 10)
        assert _keys(claimed) == [("early", R2, "t1"), ("early", R1, "t2"), ("late", R1, "t1")]
        first = claimed[0]
        assert first.event == await store.get_event("early")
        assert first.attempts == 0
        assert first.lease_until == now + LEASE
        assert first.lease_until.utcoffset() == timedelta(0)
        assert (first.error_code, first.error_message) == (None, None)
        assert len({c.id for c in claimed}) == 3

    run(store, body)


def test_a_claim_takes_at_most_limit_and_the_rest_stays_due(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record(f"e{n}", (R1, "t1"), offset_s=n) for n in range(5)])
        now = T0 + timedelta(seconds=10)
        assert await store.claim_deliveries(now, now + LEASE, 0) == []
        first = await store.claim_deliveries(now, now + LEASE, 2)
        second = await store.claim_deliveries(now, now + LEASE, 10)
        assert [c.event.id for c in first] == ["e0", "e1"]
        assert [c.event.id for c in second] == ["e2", "e3", "e4"]

    run(store, body)


def test_a_leased_delivery_is_claimed_again_only_once_the_lease_ran_out(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("e1", (R1, "t1"))])
        [held] = await store.claim_deliveries(T0, T0 + LEASE, 10)
        assert await store.claim_deliveries(T0 + LEASE / 2, T0 + 2 * LEASE, 10) == []
        almost = T0 + LEASE - timedelta(microseconds=1)
        assert await store.claim_deliveries(almost, almost + LEASE, 10) == []
        # The holder "crashed": after its lease anybody may take the delivery over.
        [taken] = await store.claim_deliveries(T0 + LEASE, T0 + 2 * LEASE, 10)
        assert taken.id == held.id
        assert taken.event == held.event
        assert taken.lease_until == T0 + 2 * LEASE

    run(store, body)


def test_concurrent_claims_never_share_a_delivery(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record(f"e{n}", (R1, "t1"), (R2, "t1")) for n in range(40)])
        claims = await asyncio.gather(
            *(store.claim_deliveries(T0, T0 + LEASE, 7) for _ in range(15))
        )
        ids = [c.id for claim in claims for c in claim]
        assert len(ids) == 80
        assert len(set(ids)) == 80

    run(store, body)


def test_a_completed_delivery_leaves_the_outbox_for_good(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("e1", (R1, "t1"), (R1, "t2"))])
        claimed = await store.claim_deliveries(T0, T0 + LEASE, 10)
        await store.complete_deliveries([claimed[0].id, 987654])  # unknown ids are ignored
        await store.complete_deliveries([])
        [left] = await store.list_deliveries("e1")
        assert left.target_id == claimed[1].target_id
        later = T0 + 10 * LEASE
        [again] = await store.claim_deliveries(later, later + LEASE, 10)
        assert again.id == claimed[1].id
        await store.complete_deliveries([again.id])
        assert await store.list_deliveries("e1") == []
        assert await store.claim_deliveries(later + 10 * LEASE, later + 20 * LEASE, 10) == []
        assert await store.get_event("e1") is not None  # the event itself stays

    run(store, body)


def test_a_retried_delivery_is_due_again_with_its_attempts_and_last_error(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("e1", (R1, "t1"))])
        [claimed] = await store.claim_deliveries(T0, T0 + LEASE, 10)
        assert await store.retry_deliveries([_retry(claimed, 30)]) == 1
        [pending] = await store.list_deliveries("e1")
        assert (pending.due_at, pending.attempts) == (T0 + timedelta(seconds=30), 1)
        early = T0 + timedelta(seconds=29)
        assert await store.claim_deliveries(early, early + LEASE, 10) == []
        due = T0 + timedelta(seconds=30)
        [again] = await store.claim_deliveries(due, due + LEASE, 10)
        assert (again.id, again.attempts) == (claimed.id, 1)
        assert (again.error_code, again.error_message) == ("ERROR_FROM_TARGET", "HTTP 500")
        assert await store.retry_deliveries([]) == 0

    run(store, body)


def test_a_retry_applies_only_while_its_claim_holds(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("e1", (R1, "t1"))])
        [stale] = await store.claim_deliveries(T0, T0 + LEASE, 10)
        [current] = await store.claim_deliveries(T0 + LEASE, T0 + 3 * LEASE, 10)
        # The first holder's lease was taken over: its retry must not move the delivery.
        assert await store.retry_deliveries([_retry(stale, 1)]) == 0
        [pending] = await store.list_deliveries("e1")
        assert (pending.due_at, pending.attempts) == (T0 + 3 * LEASE, 0)
        assert await store.retry_deliveries([_retry(current, 1)]) == 1
        # Once retried, the claim is over: a second retry with the same lease does nothing.
        assert await store.retry_deliveries([_retry(current, 99)]) == 0
        await store.complete_deliveries([current.id])
        assert await store.retry_deliveries([_retry(current, 1)]) == 0

    run(store, body)


def test_the_next_due_time_covers_pending_retries_and_leases(store: Store) -> None:
    async def body() -> None:
        assert await store.next_due_at() is None
        await store.append_events([record("e1", (R1, "t1"), offset_s=20)])
        await store.append_events([record("e2", (R1, "t1"), offset_s=5)])
        assert await store.next_due_at() == T0 + timedelta(seconds=5)
        now = T0 + timedelta(seconds=5)
        [claimed] = await store.claim_deliveries(now, now + LEASE, 10)
        assert await store.next_due_at() == T0 + timedelta(seconds=20)
        await store.retry_deliveries([_retry(claimed, 7)])
        assert await store.next_due_at() == T0 + timedelta(seconds=7)
        await store.complete_deliveries([claimed.id])
        assert await store.next_due_at() == T0 + timedelta(seconds=20)
        [other] = await store.claim_deliveries(T0 + LEASE, T0 + 2 * LEASE, 10)
        assert await store.next_due_at() == T0 + 2 * LEASE  # a lease runs out then
        await store.complete_deliveries([other.id])
        assert await store.next_due_at() is None

    run(store, body)


def test_times_in_other_zones_name_the_same_instants(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))

    async def body() -> None:
        await store.append_events([record("e1", (R1, "t1"))])
        local = T0.astimezone(plus_two)
        [claimed] = await store.claim_deliveries(local, local + LEASE, 10)
        assert claimed.lease_until == T0 + LEASE
        assert claimed.lease_until.utcoffset() == timedelta(0)
        retry = DeliveryRetry(claimed.id, (T0 + LEASE).astimezone(plus_two), local, 1)
        assert await store.retry_deliveries([retry]) == 1
        assert await store.next_due_at() == T0

    run(store, body)


def test_a_lease_must_end_after_it_starts(store: Store) -> None:
    async def body() -> None:
        with pytest.raises(ValueError, match="lease"):
            await store.claim_deliveries(T0, T0, 10)

    run(store, body)


def test_many_deliveries_settle_in_one_call(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record(f"e{n}", (R1, "t1")) for n in range(300)])
        claimed = await store.claim_deliveries(T0, T0 + LEASE, 300)
        assert len(claimed) == 300
        await store.complete_deliveries([c.id for c in claimed[:200]])
        assert await store.retry_deliveries([_retry(c, 1) for c in claimed[200:]]) == 100
        later = T0 + timedelta(seconds=1)
        again = await store.claim_deliveries(later, later + LEASE, 1000)
        assert sorted(c.id for c in again) == sorted(c.id for c in claimed[200:])

    run(store, body)


def test_released_claims_are_due_at_once_and_retries_keep_their_time(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record(f"e{n}", (R1, "t1")) for n in range(3)])
        held, retried = await store.claim_deliveries(T0, T0 + LEASE, 2)
        await store.retry_deliveries([_retry(retried, due_in_s=600)])
        # A new process of the only node: the claim its predecessor held comes back now.
        restart = T0 + timedelta(seconds=5)
        assert await store.release_claims(restart) == 1
        again = await store.claim_deliveries(restart, restart + LEASE, 10)
        assert sorted(c.event.id for c in again) == sorted([held.event.id, "e2"])
        assert await store.release_claims(restart) == 2  # those two are claimed now
        assert await store.next_due_at() == restart

    run(store, body)


# --- the hand-off: deliveries stored already claimed --------------------------------------------
def test_a_claimed_append_of_no_deliveries_claims_nothing(store: Store) -> None:
    async def body() -> None:
        assert await store.append_claimed_events([], T0 + LEASE) == []
        assert await store.append_claimed_events([record("e1")], T0 + LEASE) == []
        assert await store.get_event("e1") is not None

    run(store, body)


def test_on_commit_gets_the_claims_before_the_append_returns(store: Store) -> None:
    async def body() -> None:
        seen: list[list[ClaimedDelivery]] = []
        records = [record("e1", (R1, "t1")), record("e2", (R1, "t2"), (R2, "t1"))]
        claimed = await store.append_claimed_events(records, T0 + LEASE, on_commit=seen.append)
        assert seen == [claimed]
        assert _keys(claimed) == [("e1", R1, "t1"), ("e2", R1, "t2"), ("e2", R2, "t1")]
        await store.append_claimed_events([], T0 + LEASE, on_commit=seen.append)
        assert seen[1:] == [[]]

    run(store, body)


def test_a_claimed_append_returns_its_deliveries_claimed_in_record_order(store: Store) -> None:
    async def body() -> None:
        records = [record("e1", (R1, "t1"), (R2, "t1")), record("e0"), record("e2", (R1, "t2"))]
        claimed = await store.append_claimed_events(records, T0 + LEASE)
        assert _keys(claimed) == [("e1", R1, "t1"), ("e1", R2, "t1"), ("e2", R1, "t2")]
        assert claimed[0].event == await store.get_event("e1")
        assert claimed[2].event == await store.get_event("e2")
        assert {(c.attempts, c.lease_until) for c in claimed} == {(0, T0 + LEASE)}
        assert {(c.error_code, c.error_message) for c in claimed} == {(None, None)}
        assert len({c.id for c in claimed}) == 3
        # Stored as a claim leaves a delivery: due when the lease ends.
        [pending] = await store.list_deliveries("e2")
        assert pending.due_at == T0 + LEASE
        assert await store.next_due_at() == T0 + LEASE

    run(store, body)


def test_handed_off_deliveries_are_claimable_only_once_the_lease_ran_out(store: Store) -> None:
    async def body() -> None:
        [held] = await store.append_claimed_events([record("e1", (R1, "t1"))], T0 + LEASE)
        await store.append_events([record("e2", (R1, "t1"))])  # not claimed: due at T0
        almost = T0 + LEASE - timedelta(microseconds=1)
        [other] = await store.claim_deliveries(almost, almost + LEASE, 10)
        assert other.event.id == "e2"
        [taken] = await store.claim_deliveries(T0 + LEASE, T0 + 3 * LEASE, 10)
        assert (taken.id, taken.event) == (held.id, held.event)

    run(store, body)


def test_handed_off_deliveries_complete_and_retry_like_claimed_ones(store: Store) -> None:
    async def body() -> None:
        records = [record("e1", (R1, "t1")), record("e2", (R1, "t1"))]
        done, failed = await store.append_claimed_events(records, T0 + LEASE)
        await store.complete_deliveries([done.id])
        assert await store.list_deliveries("e1") == []
        assert await store.retry_deliveries([_retry(failed, 30)]) == 1
        due = T0 + timedelta(seconds=30)
        [again] = await store.claim_deliveries(due, due + LEASE, 10)
        assert (again.id, again.attempts, again.error_code) == (failed.id, 1, "ERROR_FROM_TARGET")

    run(store, body)


def test_released_claims_include_handed_off_deliveries(store: Store) -> None:
    async def body() -> None:
        records = [record(f"e{n}", (R1, "t1")) for n in range(3)]
        handed = await store.append_claimed_events(records, T0 + LEASE)
        # The node crashed before delivering: its next process takes them up at once.
        restart = T0 + timedelta(seconds=5)
        assert await store.release_claims(restart) == 3
        again = await store.claim_deliveries(restart, restart + LEASE, 10)
        assert sorted(c.id for c in again) == sorted(c.id for c in handed)

    run(store, body)


def test_a_failed_claimed_append_stores_and_claims_nothing(store: Store) -> None:
    async def body() -> None:
        await store.append_events([record("e1", (R1, "t1"))])
        with pytest.raises(ValueError, match="already"):
            await store.append_claimed_events(
                [record("e2", (R1, "t1")), record("e1", (R2, "t1"))], T0 + LEASE
            )
        assert await store.get_event("e2") is None
        assert await store.release_claims(T0) == 0

    run(store, body)
