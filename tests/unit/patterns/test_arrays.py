"""Array consistency: conditions may not be met by different elements of one array."""

from __future__ import annotations

from typing import Any

import pytest

from busway.patterns import RuleIndex, matches
from busway.patterns.flatten import flatten_event, wanted_paths


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ({"d": {"a": ["x"], "b": ["y"]}}, {"d": [{"a": "x"}, {"b": "y"}]}, False),
        ({"d": {"a": ["x"], "b": ["y"]}}, {"d": [{"a": "q"}, {"a": "x", "b": "y"}]}, True),
        # a scalar outside the array combines with any element
        ({"s": ["1"], "d": {"a": ["x"]}}, {"s": "1", "d": [{"a": "q"}, {"a": "x"}]}, True),
        # nested arrays: the outer element must be the same too
        (
            {"e": {"f": ["Anna"], "l": ["Jones"]}},
            {
                "e": [
                    [{"f": "John", "l": "Doe"}, {"f": "Anna", "l": "Smith"}],
                    [{"f": "P", "l": "Jones"}],
                ]
            },
            False,
        ),
        (
            {"e": {"f": ["Anna"], "l": ["Smith"]}},
            {
                "e": [
                    [{"f": "John", "l": "Doe"}, {"f": "Anna", "l": "Smith"}],
                    [{"f": "P", "l": "Jones"}],
                ]
            },
            True,
        ),
        # exists:false is judged inside the element the other fields chose
        ({"d": {"a": ["x"], "b": [{"exists": False}]}}, {"d": [{"a": "x"}, {"b": "y"}]}, True),
        ({"d": {"a": ["x"], "b": [{"exists": False}]}}, {"d": [{"a": "x", "b": "y"}]}, False),
        # arrays of arrays of scalars flatten
        ({"m": [3]}, {"m": [[1, 2], [3]]}, True),
        ({"m": [4]}, {"m": [[1, 2], [3]]}, False),
    ],
)
def test_array_consistency(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, event) is expected
    index = RuleIndex()
    index.add("r", pattern)
    assert (index.matches(event) == {"r"}) is expected


def test_flatten_records_paths_and_trails() -> None:
    leaves, has_arrays = flatten_event({"a": {"b": 1, "c.d": [2, {"e": None}]}, "f": []})
    assert leaves == {"a.b": [(1, ())], "a.c.d": [(2, ())], "a.c.d.e": [(None, ((1, 1),))]}
    assert has_arrays


def test_flatten_can_skip_paths_no_rule_mentions() -> None:
    wanted = wanted_paths(["a.b"])
    leaves, has_arrays = flatten_event({"a": {"b": 1, "c": [{"x": 1}]}, "z": 2}, wanted)
    assert leaves == {"a.b": [(1, ())]}
    assert not has_arrays
