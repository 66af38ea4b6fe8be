"""Routing at ingest: one delivery per (rule, target) the event matches, due now."""

from __future__ import annotations

from busway.model import Delivery, RuleState

from .harness import NOW, SCOPE, Harness, entry, event_id


def test_a_matching_rule_yields_one_delivery_per_target() -> None:
    harness = Harness()
    rule = harness.add_rule("orders", '{"source": ["my.app"]}', ["a", "b"])
    harness.put(entry())
    assert harness.deliveries(event_id(1)) == [
        Delivery(event_id(1), rule.arn, "a", NOW),
        Delivery(event_id(1), rule.arn, "b", NOW),
    ]


def test_rules_sharing_a_target_each_get_their_own_delivery_of_the_same_event() -> None:
    harness = Harness()
    first = harness.add_rule("first", '{"source": ["my.app"]}', ["queue"])
    second = harness.add_rule("second", '{"detail-type": ["Order Placed"]}', ["queue"])
    harness.put(entry())
    assert harness.deliveries(event_id(1)) == [
        Delivery(event_id(1), first.arn, "queue", NOW),
        Delivery(event_id(1), second.arn, "queue", NOW),
    ]


def test_events_matching_no_rule_are_stored_without_deliveries() -> None:
    harness = Harness()
    harness.add_rule("other", '{"source": ["someone.else"]}')
    harness.put(entry())
    assert harness.event(event_id(1)) is not None
    assert harness.deliveries(event_id(1)) == []


def test_patterns_see_the_envelope_and_the_parsed_detail() -> None:
    harness = Harness()
    rule = harness.add_rule(
        "big",
        '{"account": ["123456789012"], "region": ["us-east-1"], "resources": ["arn:r"],'
        ' "detail": {"amount": [{"numeric": [">", 100]}], "tags": ["vip"]}}',
    )
    harness.put(
        entry(detail='{"amount": 250.5, "tags": ["new", "vip"]}', resources=("arn:r",)),
        entry(detail='{"amount": 99, "tags": ["vip"]}', resources=("arn:r",)),
    )
    assert [d.rule_arn for d in harness.deliveries(event_id(1))] == [rule.arn]
    assert harness.deliveries(event_id(2)) == []


def test_patterns_can_match_the_event_id_and_time() -> None:
    harness = Harness()
    harness.add_rule("by-id", f'{{"id": ["{event_id(2)}"], "time": [{{"prefix": "2024-01-02T"}}]}}')
    harness.put(entry(), entry())
    assert harness.deliveries(event_id(1)) == []
    assert len(harness.deliveries(event_id(2))) == 1


def test_only_rules_of_the_event_bus_match() -> None:
    harness = Harness()
    harness.routing.add_bus(SCOPE, "orders")
    on_orders = harness.add_rule("o", '{"source": ["my.app"]}', bus="orders")
    harness.add_rule("d", '{"source": ["my.app"]}')
    harness.put(entry(event_bus="orders"))
    assert [d.rule_arn for d in harness.deliveries(event_id(1))] == [on_orders.arn]


def test_disabled_rules_do_not_deliver() -> None:
    harness = Harness()
    harness.add_rule("off", '{"source": ["my.app"]}', state=RuleState.DISABLED)
    harness.put(entry())
    assert harness.deliveries(event_id(1)) == []


def test_every_event_of_a_batch_is_routed_on_its_own() -> None:
    harness = Harness()
    harness.add_rule("placed", '{"detail-type": ["Order Placed"]}')
    harness.put(entry(), entry(detail_type="Order Cancelled"), entry())
    counts = [len(harness.deliveries(event_id(n))) for n in (1, 2, 3)]
    assert counts == [1, 0, 1]
