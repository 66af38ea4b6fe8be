from __future__ import annotations

from datetime import timedelta
from typing import Any

from busway.model import LogConfig
from busway.store import Store
from tests.contract.support import OTHER_SCOPE, SCOPE, T0, bus, rule, run, target


def test_a_created_bus_round_trips_with_every_field(store: Store) -> None:
    full = bus(
        "orders",
        modified_at=T0 + timedelta(microseconds=7),
        description="order events",
        kms_key_identifier="alias/orders",
        dead_letter_arn="arn:aws:sqs:us-east-1:123456789012:dlq",
        log_config=LogConfig(include_detail="FULL", level="TRACE"),
        policy='{"Version":"2012-10-17","Statement":[]}',
        event_source_name="aws.partner/example",
    )

    async def body() -> None:
        assert await store.create_bus(full)
        assert await store.get_bus(SCOPE, "orders") == full
        assert await store.get_bus(SCOPE, "missing") is None
        assert await store.get_bus(OTHER_SCOPE, "orders") is None

    run(store, body)


def test_log_config_with_no_fields_differs_from_none(store: Store) -> None:
    async def body() -> None:
        await store.create_bus(bus("empty-log", log_config=LogConfig()))
        await store.create_bus(bus("no-log"))
        assert (await store.get_bus(SCOPE, "empty-log")) == bus("empty-log", log_config=LogConfig())
        assert (await store.get_bus(SCOPE, "no-log")) == bus("no-log")

    run(store, body)


def test_creating_a_bus_twice_returns_false_and_changes_nothing(store: Store) -> None:
    async def body() -> None:
        assert await store.create_bus(bus("orders", description="first"))
        assert not await store.create_bus(bus("orders", description="second"))
        assert await store.create_bus(bus("orders", scope=OTHER_SCOPE))
        found = await store.get_bus(SCOPE, "orders")
        assert found is not None
        assert found.description == "first"

    run(store, body)


def test_buses_list_in_name_order_by_prefix_after_and_limit(store: Store) -> None:
    names = ["b", "a", "ab", "abc", "b1", "c", "\u00e9t\u00e9", "Z"]

    async def body() -> None:
        for name in names:
            await store.create_bus(bus(name))
        await store.create_bus(bus("a-elsewhere", scope=OTHER_SCOPE))

        async def listed(**kwargs: Any) -> list[str]:
            return [b.name for b in await store.list_buses(SCOPE, **kwargs)]

        assert await listed() == sorted(names)
        assert await listed(prefix="a") == ["a", "ab", "abc"]
        assert await listed(prefix="A") == []
        assert await listed(after="ab") == ["abc", "b", "b1", "c", "\u00e9t\u00e9"]
        assert await listed(prefix="b", after="b") == ["b1"]
        assert await listed(limit=2) == ["Z", "a"]
        assert await listed(after="a", limit=2) == ["ab", "abc"]
        assert await listed(limit=0) == []
        assert await listed(prefix="zz") == []

    run(store, body)


def test_update_replaces_an_existing_bus_only(store: Store) -> None:
    changed = bus("orders", description="new", modified_at=T0 + timedelta(hours=1))

    async def body() -> None:
        await store.create_bus(bus("orders"))
        await store.update_bus(changed)
        assert await store.get_bus(SCOPE, "orders") == changed
        await store.update_bus(bus("ghost"))
        assert await store.get_bus(SCOPE, "ghost") is None

    run(store, body)


def test_deleting_a_bus_takes_its_rules_targets_and_tags(store: Store) -> None:
    doomed, kept = bus("doomed"), bus("kept")
    doomed_rule, kept_rule = rule("r", "doomed"), rule("r", "kept")

    async def body() -> None:
        for b, r in [(doomed, doomed_rule), (kept, kept_rule)]:
            await store.create_bus(b)
            await store.put_rule(r)
            await store.put_targets(r.arn, [target("t1")])
            await store.tag(b.arn, {"team": "a"})
            await store.tag(r.arn, {"team": "b"})

        await store.delete_bus(SCOPE, "doomed")

        assert await store.get_bus(SCOPE, "doomed") is None
        assert await store.get_rule(SCOPE, "doomed", "r") is None
        assert await store.list_targets(doomed_rule.arn) == []
        assert await store.get_tags(doomed.arn) == {}
        assert await store.get_tags(doomed_rule.arn) == {}
        assert await store.all_rules() == [kept_rule]
        assert await store.all_targets() == {kept_rule.arn: [target("t1")]}
        assert await store.get_tags(kept.arn) == {"team": "a"}
        assert await store.get_tags(kept_rule.arn) == {"team": "b"}
        await store.delete_bus(SCOPE, "doomed")  # deleting what is gone is no error

    run(store, body)


def test_all_buses_spans_scopes_in_arn_order(store: Store) -> None:
    buses = [bus("orders"), bus("default"), bus("default", scope=OTHER_SCOPE)]

    async def body() -> None:
        assert await store.all_buses() == []
        for b in buses:
            await store.create_bus(b)
        assert await store.all_buses() == sorted(buses, key=lambda b: b.arn)

    run(store, body)
