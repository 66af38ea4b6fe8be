"""RuleIndex: adding, replacing and removing rules, and agreement with ``matches()``."""

from __future__ import annotations

import random
from typing import Any

import pytest

from busway.patterns import InvalidEventPattern, RuleIndex, matches

EVENT = {"source": "app", "detail-type": "T", "detail": {"amount": 10, "tags": ["a", "b"]}}


def test_add_match_remove() -> None:
    index = RuleIndex()
    index.add("one", '{"source": ["app"]}')
    index.add("two", {"detail": {"amount": [{"numeric": [">", 5]}]}})
    index.add("three", {"source": ["other"]})
    assert index.matches(EVENT) == {"one", "two"}
    index.remove("one")
    assert index.matches(EVENT) == {"two"}
    index.remove("missing")  # unknown ids are fine
    assert len(index) == 2
    assert "two" in index


def test_re_adding_an_id_replaces_the_rule() -> None:
    index = RuleIndex()
    index.add("r", {"source": ["app"]})
    index.add("r", {"source": ["other"]})
    assert index.matches(EVENT) == set()
    assert len(index) == 1


def test_invalid_pattern_leaves_the_old_rule_in_place() -> None:
    index = RuleIndex()
    index.add("r", {"source": ["app"]})
    with pytest.raises(InvalidEventPattern):
        index.add("r", {"source": []})
    assert index.matches(EVENT) == {"r"}


def test_rule_matched_by_several_alternatives_is_returned_once() -> None:
    index = RuleIndex()
    index.add("r", {"$or": [{"source": ["app"]}, {"detail-type": ["T"]}]})
    assert index.matches(EVENT) == {"r"}


def test_rule_satisfied_by_absence_alone_needs_no_anchor() -> None:
    index = RuleIndex()
    index.add("absent", {"detail": {"missing": [{"exists": False}]}})
    index.add("present", {"detail": {"amount": [{"exists": False}]}})
    assert index.matches(EVENT) == {"absent"}
    index.remove("absent")
    assert index.matches(EVENT) == set()


def test_popular_anchor_is_refiled() -> None:
    index = RuleIndex()
    for number in range(40):
        index.add(f"r{number}", {"detail-type": ["T"], "source": [f"app.{number}"]})
    assert index.matches({"detail-type": "T", "source": "app.7"}) == {"r7"}
    for number in range(40):
        index.remove(f"r{number}")
    assert index.matches({"detail-type": "T", "source": "app.7"}) == set()


def test_loose_and_crowded_anchors_are_gated_on_a_second_field() -> None:
    index = RuleIndex()
    for number in range(12):
        index.add(f"prefix{number}", {"source": [{"prefix": "app"}], "detail-type": [f"T{number}"]})
        index.add(
            f"exact{number}", {"source": ["app"], "detail": {"n": [{"numeric": [">", number]}]}}
        )
    event = {"source": "app", "detail-type": "T3", "detail": {"n": 2}}
    assert index.matches(event) == {"prefix3", "exact0", "exact1"}
    for number in range(12):
        index.remove(f"prefix{number}")
    assert index.matches(event) == {"exact0", "exact1"}
    for number in range(12):
        index.remove(f"exact{number}")
    assert index.matches(event) == set()


def test_replacing_a_rule_forgets_what_a_value_found_before() -> None:
    index = RuleIndex()
    index.add("r", {"source": [{"prefix": "ap"}]})
    assert index.matches({"source": "app"}) == {"r"}
    index.add("r", {"source": [{"prefix": "zz"}]})
    assert index.matches({"source": "app"}) == set()


def test_dotted_keys_in_events_reach_the_same_path() -> None:
    index = RuleIndex()
    index.add("r", {"detail": {"state": {"status": ["running"]}}})
    assert index.matches({"detail": {"state.status": "running"}}) == {"r"}
    assert index.matches({"detail.state": {"status": "running"}}) == {"r"}
    assert index.matches({"detail.state.status": "running"}) == {"r"}
    assert index.matches({"detail": {"state": {"status": "stopped"}}}) == set()


CONDITIONS: list[Any] = [
    "a",
    "b",
    5,
    5.0,
    None,
    True,
    {"prefix": "a"},
    {"prefix": "ab"},
    {"suffix": "b"},
    {"equals-ignore-case": "AB"},
    {"prefix": {"equals-ignore-case": "A"}},
    {"suffix": {"equals-ignore-case": "B"}},
    {"numeric": [">", 1, "<=", 5]},
    {"numeric": ["<", 3]},
    {"numeric": ["=", 5]},
    {"anything-but": "a"},
    {"anything-but": [1, 2]},
    {"anything-but": {"prefix": "a"}},
    {"exists": True},
    {"exists": False},
    {"wildcard": "a*b"},
    {"cidr": "10.0.0.0/8"},
    "10.1.2.3",
]
VALUES: list[Any] = ["a", "ab", "AB", "b", "", 1, 3, 5, 5.5, None, True, "10.1.2.3", "010.1.2.3"]


def _random_pattern(rng: random.Random) -> dict[str, Any]:
    fields = {}
    for path in rng.sample(["x", "y", "z.w"], rng.randint(1, 2)):
        fields[path] = rng.sample(CONDITIONS, rng.randint(1, 2))
    if rng.random() < 0.2:
        return {"$or": [fields, {"q": [rng.choice(VALUES[:4])]}]}
    return fields


def _random_event(rng: random.Random) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for key in ("x", "y", "q"):
        if rng.random() < 0.7:
            event[key] = rng.choice(VALUES) if rng.random() < 0.7 else rng.sample(VALUES, 2)
    if rng.random() < 0.5:
        event["z"] = [{"w": rng.choice(VALUES)}, {"w": rng.choice(VALUES)}]
    return event


def test_a_deeply_nested_pattern_is_read_in_time_linear_in_its_depth() -> None:
    # Every prefix of such a path may also be spelled as one dotted key: unfolded, the ways
    # to read it double with each level (this took minutes at 30 levels, memory at 200).
    pattern: dict[str, Any] = {"x": [1]}
    event: dict[str, Any] = {"x": 1}
    for _ in range(300):
        pattern, event = {"a": pattern}, {"a": event}
    index = RuleIndex()
    index.add("deep", pattern)
    assert index.matches({"source": "s"}) == set()
    assert index.matches(event) == {"deep"}
    dotted: dict[str, Any] = {"a.a": {"x": 1}}
    for _ in range(298):
        dotted = {"a": dotted}
    assert index.matches(dotted) == {"deep"}
    assert matches(pattern, dotted)


def test_gates_a_value_opened_before_see_rules_added_and_removed_since() -> None:
    index = RuleIndex()
    for number in range(16):  # a popular detail-type: the prefixes below anchor, gated on it
        index.add(f"other{number}", {"source": [f"other.{number}"], "detail-type": ["T2"]})
    event = {"source": "app.orders.1", "detail-type": "T2", "detail": {"n": 5}}
    index.add("p", {"source": [{"prefix": "app."}], "detail-type": ["T2"]})
    assert index.matches(event) == {"p"}
    # Another prefix of the same value, gated on the same path: its gate joins the merged one.
    index.add("q", {"source": [{"prefix": "app.orders"}], "detail-type": ["T2"]})
    index.add("n", {"source": [{"prefix": "app.orders"}], "detail": {"n": [{"numeric": [">", 4]}]}})
    assert index.matches(event) == {"p", "q", "n"}
    index.add("p", {"source": [{"prefix": "app."}], "detail-type": ["T9"]})
    assert index.matches(event) == {"q", "n"}
    index.remove("q")
    assert index.matches(event) == {"n"}
    index.remove("n")
    assert index.matches(event) == set()


def test_index_agrees_with_matches_while_rules_come_and_go() -> None:
    rng = random.Random(11)
    rules: dict[str, Any] = {}
    index = RuleIndex()
    for step in range(400):
        rule_id = f"r{rng.randrange(60)}"
        if rng.random() < 0.3 and rule_id in rules:
            index.remove(rule_id)
            del rules[rule_id]
        else:
            rules[rule_id] = _random_pattern(rng)
            index.add(rule_id, rules[rule_id])
        event = _random_event(rng)
        expected = {rule_id for rule_id, pattern in rules.items() if matches(pattern, event)}
        assert index.matches(event) == expected, (step, event)


def test_index_agrees_with_matches_on_random_rules() -> None:
    rng = random.Random(7)
    rules = {f"r{n}": _random_pattern(rng) for n in range(150)}
    index = RuleIndex()
    for rule_id, pattern in rules.items():
        index.add(rule_id, pattern)
    for rule_id in list(rules)[::3]:  # removal must leave the rest intact
        index.remove(rule_id)
        del rules[rule_id]
    for _ in range(200):
        event = _random_event(rng)
        expected = {rule_id for rule_id, pattern in rules.items() if matches(pattern, event)}
        assert index.matches(event) == expected, event


def test_paths_read_lazily_keep_array_consistency() -> None:
    # Anchored on ``source``: the fields inside the array are read only for the candidates,
    # each on its own, and must still agree on which element is which.
    rules = {
        "same": {"source": ["app"], "d": {"a": ["x"], "b": ["y"]}},
        "absent": {"source": ["app"], "d": {"a": ["x"], "c": [{"exists": False}]}},
    }
    index = RuleIndex()
    for rule_id, pattern in rules.items():
        index.add(rule_id, pattern)
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"source": "app", "d": [{"a": "x"}, {"b": "y", "c": 1}]}, {"absent"}),
        ({"source": "app", "d": [{"a": "x", "c": 1}, {"b": "y"}]}, set()),
        ({"source": "app", "d": [{"a": "q"}, {"a": "x", "b": "y"}]}, {"same", "absent"}),
        (
            {"source": "app", "d": [[{"a": "x", "c": 0}], [{"a": "x", "b": "y"}]]},
            {"same", "absent"},
        ),
        ({"source": "app", "d": [{"a": "x", "c": 0}], "d.b": "y"}, {"same"}),
        ({"source": "app", "d": [{"a": "x"}], "d.b": "y"}, {"same", "absent"}),
    ]
    for event, expected in cases:
        assert {
            rule_id for rule_id, pattern in rules.items() if matches(pattern, event)
        } == expected
        assert index.matches(event) == expected, event


def test_anchor_inside_an_array_and_gate_outside_agree() -> None:
    index = RuleIndex()
    for number in range(6):  # crowd ``source`` so that some alternatives anchor on the array
        index.add(f"s{number}", {"source": ["app"], "detail-type": [f"T{number}"]})
    index.add("items", {"source": ["app"], "items": {"sku": [{"prefix": "A"}], "qty": [2]}})
    assert index.matches({"source": "app", "items": [{"sku": "A1", "qty": 1}, {"qty": 2}]}) == set()
    event = {"source": "app", "detail-type": "T1", "items": [{"sku": "B"}, {"sku": "A1", "qty": 2}]}
    assert index.matches(event) == {"s1", "items"}


def test_a_gate_past_a_few_conditions_gets_a_table_and_back() -> None:
    index = RuleIndex()
    for number in range(10):
        pattern = {"source": [{"prefix": "app"}], "detail-type": [{"prefix": f"T{number}-"}]}
        index.add(f"r{number}", pattern)
    assert index.matches({"source": "app.1", "detail-type": "T7-x"}) == {"r7"}
    for number in range(9):
        index.remove(f"r{number}")
    assert index.matches({"source": "app.1", "detail-type": "T9-x"}) == {"r9"}
    assert index.matches({"source": "app.1", "detail-type": "T7-x"}) == set()


def test_a_gate_looks_exact_strings_up_beside_its_other_conditions() -> None:
    index = RuleIndex()
    gated: dict[str, Any] = {"source": [{"prefix": "app"}]}
    for number in range(8):
        index.add(f"r{number}", {**gated, "detail-type": [f"T{number}", "both"]})
    index.add("prefix", {**gated, "detail-type": [{"prefix": "T1"}]})
    index.add("number", {**gated, "detail-type": [{"numeric": [">", 5]}, "7"]})
    assert index.matches({"source": "app.1", "detail-type": "T1"}) == {"r1", "prefix"}
    assert index.matches({"source": "app.1", "detail-type": ["both", 7]}) == {
        *(f"r{number}" for number in range(8)),
        "number",
    }
    assert index.matches({"source": "app.1", "detail-type": 1}) == set()
    for number in range(8):
        index.remove(f"r{number}")
    assert index.matches({"source": "app.1", "detail-type": "7"}) == {"number"}
    assert index.matches({"source": "app.1", "detail-type": "T1"}) == {"prefix"}
    index.remove("prefix")
    index.remove("number")
    assert index.matches({"source": "app.1", "detail-type": "T1"}) == set()


def test_settled_alternatives_still_keep_array_consistency() -> None:
    # Crowded on ``d.a`` (each ``d.b`` value is commoner still, so not the anchor): each
    # alternative is gated on ``d.b`` and has no other field, so the gate settles it, unless
    # a leaf of either path sits in an array element.
    index = RuleIndex()
    rules: dict[str, Any] = {
        f"r{number}": {"d": {"a": ["x"], "b": [f"v{number}"]}} for number in range(6)
    }
    for number in range(6):
        for other in range(8):
            rules[f"f{number}-{other}"] = {"e": [f"e{other}"], "d": {"b": [f"v{number}"]}}
    for rule_id, pattern in rules.items():
        index.add(rule_id, pattern)
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"d": {"a": "x", "b": "v1"}}, {"r1"}),
        ({"d": [{"a": "x", "b": "v1"}, {"a": "y", "b": "v2"}]}, {"r1"}),
        ({"d": [{"a": "x", "b": "w"}, {"a": "y", "b": "v1"}]}, set()),
        ({"d": {"a": ["x", "y"], "b": ["v3", "v4"]}}, {"r3", "r4"}),
        ({"d": {"a": "x"}, "d.b": "v5"}, {"r5"}),
    ]
    for event, expected in cases:
        assert {
            rule_id for rule_id, pattern in rules.items() if matches(pattern, event)
        } == expected
        assert index.matches(event) == expected, event
    index.remove("r1")
    assert index.matches({"d": {"a": "x", "b": "v1"}}) == set()


def test_deep_paths_spelled_many_ways_are_read_alike() -> None:
    # Past a few levels a path is read by the general walk, not by code made for it.
    path = [f"k{level}" for level in range(8)]
    pattern: dict[str, Any] = {"source": ["app"]}
    below = pattern
    for key in path[:-1]:
        below = below.setdefault(key, {})
    below[path[-1]] = ["leaf"]
    index = RuleIndex()
    index.add("deep", pattern)
    nested: dict[str, Any] = {"source": "app"}
    below = nested
    for key in path[:-1]:
        below = below.setdefault(key, {})
    below[path[-1]] = "leaf"
    dotted = {"source": "app", ".".join(path[:3]): {".".join(path[3:]): ["leaf"]}}
    for event in (nested, dotted):
        assert matches(pattern, event)
        assert index.matches(event) == {"deep"}
    assert index.matches({"source": "app", ".".join(path): "other"}) == set()


def test_a_crowded_anchor_gates_its_only_other_field_whatever_its_kind() -> None:
    # Each alternative here has one field beside its crowded exact anchor ``d.a``, of a kind
    # no table serves (anything-but, exists, wildcard): the gate tries it in turn and settles
    # the alternative, still under array consistency.
    index = RuleIndex()
    rules: dict[str, Any] = {
        "but": {"d": {"a": ["x"], "s": [{"anything-but": ["cancelled", "failed"]}]}},
        "exists": {"d": {"a": ["x"], "id": [{"exists": True}]}},
        "wild": {"d": {"a": ["x"], "r": [{"wildcard": "arn:*:bucket-1/*"}]}},
        "absent": {"d": {"a": ["x"], "s": [{"exists": False}], "id": [{"exists": True}]}},
    }
    rules.update({f"fill{number}": {"d": {"a": ["x"], "n": [number]}} for number in range(6)})
    for rule_id, pattern in rules.items():
        index.add(rule_id, pattern)
    for rule_id in ("but", "exists", "wild"):
        assert index._rules[rule_id][0].settled, rule_id  # the gate, not a check, decides
    events: list[dict[str, Any]] = [
        {"d": {"a": "x", "s": "running"}},
        {"d": {"a": "x", "s": "cancelled", "id": None}},
        {"d": {"a": "x", "s": ["failed", "running"], "id": "c-1"}},
        {"d": {"a": "y", "s": "running", "id": "c-1", "r": "arn:aws:s3:::bucket-1/k"}},
        {"d": {"a": "x", "r": ["arn:aws:s3:::bucket-1/k", "arn:aws:s3:::bucket-2/k"]}},
        {"d": {"a": "x", "s": 5, "r": "arn:aws:s3:::bucket-2/k"}},
        {"d": [{"a": "x", "s": "cancelled"}, {"a": "y", "s": "running", "id": 1}]},
        {"d": [{"a": "y", "r": "arn:x:bucket-1/k"}, {"a": "x", "id": 2, "n": 3}]},
        {"d": {"a": "x", "s": None}},
    ]
    for event in events:
        expected = {rule_id for rule_id, pattern in rules.items() if matches(pattern, event)}
        assert index.matches(event) == expected, event
    assert index.matches(events[0]) == {"but"}
    assert index.matches(events[6]) == set()
    assert index.matches(events[7]) == {"exists", "absent", "fill3"}
    index.remove("but")
    assert index.matches(events[0]) == set()
