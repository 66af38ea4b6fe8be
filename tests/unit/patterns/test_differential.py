"""The engine (busway.patterns) checked against the reference evaluator on generated input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from busway import jsontext
from busway.patterns import RuleIndex, matches

from .reference import reference_matches
from .strategies import events, patterns
from .test_reference import HARD_CASES

settings.register_profile(
    "patterns-differential",
    max_examples=300,
    deadline=None,  # timing varies with machine load; correctness is what is under test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DIFFERENTIAL = settings.get_profile("patterns-differential")
FEWER = settings(DIFFERENTIAL, max_examples=60)  # each of these examples holds many rules

Rules = dict[str, dict[str, Any]]

rule_sets = st.lists(patterns(), min_size=3, max_size=15).map(
    lambda found: {f"rule-{n}": pattern for n, pattern in enumerate(found)}
)
event_batches = st.lists(events(), min_size=1, max_size=4)


def expected_ids(rules: Rules, event_: dict[str, Any]) -> set[str]:
    return {rule_id for rule_id, pattern in rules.items() if reference_matches(pattern, event_)}


def add_all(index: RuleIndex, rules: Rules) -> None:
    for position, (rule_id, pattern) in enumerate(rules.items()):
        # Half of the rules arrive as JSON text, the way PutRule receives them.
        index.add(rule_id, jsontext.dumps(pattern) if position % 2 else pattern)


def assert_index_exact(index: RuleIndex, rules: Rules, batch: list[dict[str, Any]]) -> None:
    for event_ in batch:
        expected = expected_ids(rules, event_)
        wrong = index.matches(event_) ^ expected
        # Name the culprits: shrinking a whole rule set is slow, one rule and one event say it all.
        culprits = [
            f"{rule_id} should {'' if rule_id in expected else 'not '}match: "
            f"{jsontext.dumps(rules.get(rule_id))}"
            for rule_id in sorted(wrong)
        ]
        assert not wrong, f"event {jsontext.dumps(event_)}: {culprits}"


@pytest.mark.parametrize(
    ("pattern", "event_", "expected"),
    [
        pytest.param(pattern, event_, expected, id=name)
        for name, pattern, event_, expected in HARD_CASES
    ],
)
def test_engine_agrees_on_hard_cases(pattern: str, event_: str, expected: bool) -> None:
    parsed_event = jsontext.loads(event_)
    assert matches(jsontext.loads(pattern), parsed_event) is expected
    index = RuleIndex()
    index.add("rule", pattern)
    assert index.matches(parsed_event) == ({"rule"} if expected else set())


def test_matches_agrees_with_reference() -> None:
    verdicts: list[bool] = []

    @DIFFERENTIAL
    @given(patterns(), events())
    def agree(pattern: dict[str, Any], event_: dict[str, Any]) -> None:
        expected = reference_matches(pattern, event_)
        verdicts.append(expected)
        event("match" if expected else "no match")
        assert matches(pattern, event_) is expected

    agree()
    # Agreement on pairs that (almost) never match, or always do, would prove little.
    assert 0.1 <= sum(verdicts) / len(verdicts) <= 0.9


@FEWER
@given(rule_sets, event_batches)
def test_index_returns_exactly_the_matching_rules(
    rules: Rules, batch: list[dict[str, Any]]
) -> None:
    index = RuleIndex()
    add_all(index, rules)
    event("some rule matches" if any(expected_ids(rules, e) for e in batch) else "none matches")
    assert_index_exact(index, rules, batch)


@FEWER
@given(rule_sets, rule_sets, event_batches, st.data())
def test_index_stays_exact_after_removals_and_re_adds(
    rules: Rules, replacements: Rules, batch: list[dict[str, Any]], data: st.DataObject
) -> None:
    index = RuleIndex()
    add_all(index, rules)
    removed = sorted(
        data.draw(st.sets(st.sampled_from(sorted(rules)), min_size=1), label="removed")
    )
    for rule_id in removed:
        index.remove(rule_id)
    current = {rule_id: p for rule_id, p in rules.items() if rule_id not in removed}
    # Some removed ids come back with new patterns; fresh ids take the remaining ones.
    new_patterns = list(replacements.values())
    back = removed[: data.draw(st.integers(0, min(len(removed), len(new_patterns))), label="back")]
    additions = dict(zip(back, new_patterns, strict=False))
    additions |= {f"fresh-{n}": p for n, p in enumerate(new_patterns[len(back) :])}
    add_all(index, additions)
    current |= additions
    assert_index_exact(index, current, batch)
