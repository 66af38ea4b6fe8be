from __future__ import annotations

from busway.store import Store
from tests.contract.support import run

ARN = "arn:aws:events:us-east-1:123456789012:event-bus/orders"


def test_tags_are_added_overwritten_and_removed_by_key(store: Store) -> None:
    async def body() -> None:
        assert await store.get_tags(ARN) == {}
        await store.tag(ARN, {"team": "a", "env": "prod"})
        await store.tag(ARN, {"team": "b", "cost": "42"})
        assert await store.get_tags(ARN) == {"cost": "42", "env": "prod", "team": "b"}
        await store.untag(ARN, ["env", "missing"])
        assert await store.get_tags(ARN) == {"cost": "42", "team": "b"}
        await store.tag(ARN, {})
        await store.untag(ARN, [])
        await store.untag(ARN, ["cost", "team"])
        assert await store.get_tags(ARN) == {}
        assert await store.get_tags(ARN + "-other") == {}

    run(store, body)
