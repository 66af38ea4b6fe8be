from __future__ import annotations

from decimal import Decimal

import pytest

from busway.errors import ResourceNotFound
from busway.model import HttpParameters, InputTransformerSpec, RetryPolicy
from busway.store import Store
from tests.contract.support import bus, rule, run, target

RULE = rule("r")

FULL_TARGET = target(
    "full",
    role_arn="arn:aws:iam::123456789012:role/invoke",
    input_path="$.detail",
    input_transformer=InputTransformerSpec(
        paths_map={"n": "$.detail.n", "who": "$.detail.customer"},
        template='{"number": <n>, "who": "<who>"}',
    ),
    retry_policy=RetryPolicy(maximum_retry_attempts=3, maximum_event_age_seconds=60),
    dead_letter_arn="arn:aws:sqs:us-east-1:123456789012:dlq",
    sqs_message_group_id="group-1",
    http_parameters=HttpParameters(
        path_parameter_values=("a", "b"),
        header_parameters={"X-Key": "v"},
        query_string_parameters={"q": "1"},
    ),
    other_parameters={
        "EcsParameters": {
            "TaskCount": 123456789012345678901234567890,
            "Weight": Decimal("37.807807921694092"),
            "Tiny": Decimal("1E-400"),
            "Flags": [True, False, None],
            "Nested": {"Deeper": [{"K": "v\u00e9"}, [], {}]},
        },
        "Empty": {},
    },
)


async def _with_rule(store: Store) -> None:
    await store.create_bus(bus("default"))
    await store.put_rule(RULE)


def test_every_target_field_round_trips_exactly(store: Store) -> None:
    plain = target("plain", input='{"fixed": 1}')
    defaults = target("defaults", retry_policy=RetryPolicy(), http_parameters=HttpParameters())

    async def body() -> None:
        await _with_rule(store)
        await store.put_targets(RULE.arn, [FULL_TARGET, plain, defaults])
        found = await store.list_targets(RULE.arn)
        assert found == [defaults, FULL_TARGET, plain]
        ecs = found[1].other_parameters["EcsParameters"]
        assert type(ecs["TaskCount"]) is int
        assert str(ecs["Weight"]) == "37.807807921694092"
        assert found[1].http_parameters == FULL_TARGET.http_parameters
        assert found[1].http_parameters is not None
        assert isinstance(found[1].http_parameters.path_parameter_values, tuple)

    run(store, body)


def test_targets_are_upserted_by_id_and_listed_in_id_order(store: Store) -> None:
    async def body() -> None:
        await _with_rule(store)
        await store.put_targets(RULE.arn, [target("b"), target("a", input="1")])
        await store.put_targets(RULE.arn, [target("a", input="2"), target("c")])
        assert await store.list_targets(RULE.arn) == [
            target("a", input="2"),
            target("b"),
            target("c"),
        ]

    run(store, body)


def test_targets_are_removed_by_id(store: Store) -> None:
    async def body() -> None:
        await _with_rule(store)
        await store.put_targets(RULE.arn, [target("a"), target("b"), target("c")])
        await store.remove_targets(RULE.arn, ["a", "c", "missing"])
        assert await store.list_targets(RULE.arn) == [target("b")]
        await store.remove_targets(RULE.arn, [])
        await store.remove_targets(RULE.arn, ["b"])
        assert await store.list_targets(RULE.arn) == []
        assert await store.all_targets() == {}

    run(store, body)


def test_targets_need_their_rule(store: Store) -> None:
    async def body() -> None:
        with pytest.raises(ResourceNotFound):
            await store.put_targets(RULE.arn, [target("a")])
        assert await store.list_targets(RULE.arn) == []

    run(store, body)


def test_all_targets_groups_by_rule_in_id_order(store: Store) -> None:
    other = rule("other")

    async def body() -> None:
        await _with_rule(store)
        await store.put_rule(other)
        await store.put_rule(rule("without-targets"))
        await store.put_targets(RULE.arn, [target("y"), FULL_TARGET])
        await store.put_targets(other.arn, [target("x")])
        assert await store.all_targets() == {
            RULE.arn: [FULL_TARGET, target("y")],
            other.arn: [target("x")],
        }

    run(store, body)
