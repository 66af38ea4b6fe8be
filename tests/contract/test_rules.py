from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from busway.errors import ResourceNotFound
from busway.model import RuleState
from busway.store import Store
from tests.contract.support import OTHER_SCOPE, SCOPE, T0, bus, rule, run, target


async def _with_buses(store: Store, *names: str) -> None:
    for name in names:
        await store.create_bus(bus(name))


def test_a_rule_round_trips_with_every_field(store: Store) -> None:
    full = rule(
        "nightly",
        state=RuleState.ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS,
        created_at=T0 + timedelta(microseconds=1),
        event_pattern='{"source":["shop"],"detail":{"n":[{"numeric":[">",1.50]}]}}',
        schedule_expression="cron(0 3 * * ? *)",
        description="every night",
        role_arn="arn:aws:iam::123456789012:role/events",
        managed_by="partner.example",
    )

    async def body() -> None:
        await _with_buses(store, "default")
        await store.put_rule(full)
        assert await store.get_rule(SCOPE, "default", "nightly") == full
        assert await store.get_rule(SCOPE, "default", "other") is None
        assert await store.get_rule(SCOPE, "elsewhere", "nightly") is None

    run(store, body)


def test_putting_a_rule_again_replaces_it_and_keeps_its_targets(store: Store) -> None:
    first = rule("r", event_pattern='{"source":["a"]}')
    second = rule("r", event_pattern='{"source":["b"]}', state=RuleState.DISABLED)

    async def body() -> None:
        await _with_buses(store, "default")
        await store.put_rule(first)
        await store.put_targets(first.arn, [target("t1"), target("t2")])
        await store.put_rule(second)
        assert await store.get_rule(SCOPE, "default", "r") == second
        assert await store.list_targets(first.arn) == [target("t1"), target("t2")]
        assert await store.count_rules(SCOPE, "default") == 1

    run(store, body)


def test_a_rule_needs_its_bus(store: Store) -> None:
    async def body() -> None:
        with pytest.raises(ResourceNotFound):
            await store.put_rule(rule("r", "no-such-bus"))
        assert await store.all_rules() == []

    run(store, body)


def test_rules_list_per_bus_in_name_order_by_prefix_after_and_limit(store: Store) -> None:
    names = ["r3", "r1", "r2", "a", "r10"]

    async def body() -> None:
        await _with_buses(store, "default", "orders")
        await store.create_bus(bus("default", scope=OTHER_SCOPE))
        for name in names:
            await store.put_rule(rule(name))
        await store.put_rule(rule("r0", "orders"))
        await store.put_rule(rule("r0", scope=OTHER_SCOPE))

        async def listed(**kwargs: Any) -> list[str]:
            return [r.name for r in await store.list_rules(SCOPE, "default", **kwargs)]

        assert await listed() == ["a", "r1", "r10", "r2", "r3"]
        assert await listed(prefix="r1") == ["r1", "r10"]
        assert await listed(after="r1") == ["r10", "r2", "r3"]
        assert await listed(prefix="r", after="r10", limit=1) == ["r2"]
        assert await listed(limit=0) == []
        assert await store.count_rules(SCOPE, "default") == 5
        assert await store.count_rules(SCOPE, "orders") == 1
        assert await store.count_rules(SCOPE, "none") == 0
        assert [r.name for r in await store.list_rules(SCOPE, "orders")] == ["r0"]

    run(store, body)


def test_all_rules_spans_scopes_and_buses_in_arn_order(store: Store) -> None:
    rules = [rule("z"), rule("a", "orders"), rule("m", scope=OTHER_SCOPE)]

    async def body() -> None:
        await _with_buses(store, "default", "orders")
        await store.create_bus(bus("default", scope=OTHER_SCOPE))
        for r in rules:
            await store.put_rule(r)
        assert await store.all_rules() == sorted(rules, key=lambda r: r.arn)

    run(store, body)


def test_deleting_a_rule_takes_its_targets_and_tags_only(store: Store) -> None:
    doomed, kept = rule("doomed"), rule("kept")

    async def body() -> None:
        await _with_buses(store, "default")
        for r in (doomed, kept):
            await store.put_rule(r)
            await store.put_targets(r.arn, [target("t")])
            await store.tag(r.arn, {"k": r.name})
        await store.delete_rule(doomed.arn)
        assert await store.get_rule(SCOPE, "default", "doomed") is None
        assert await store.list_targets(doomed.arn) == []
        assert await store.get_tags(doomed.arn) == {}
        assert await store.all_targets() == {kept.arn: [target("t")]}
        assert await store.get_tags(kept.arn) == {"k": "kept"}
        await store.delete_rule(doomed.arn)  # deleting what is gone is no error

    run(store, body)
