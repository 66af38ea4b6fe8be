from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from busway import jsontext
from busway.transform import MISSING, JsonPathError, compile_path

DOCUMENT: dict[str, Any] = jsontext.loads(
    """{
      "detail-type": "Object Created",
      "resources": ["arn:aws:s3:::a", "arn:aws:s3:::b"],
      "detail": {
        "a/b": "slash", "x-y": "dash", "x:y": "colon", "état": "unicode", "a b": "space",
        "a.b": "dotted", "0": "zero-key", "n": 123456789012345678901234567890,
        "d": 3.14159265358979323846264338327950288, "null": null, "f": false,
        "items": [{"id": 1}, {"id": 2}, {"other": 3}], "nested": [[10, 11], [20]]
      }
    }"""
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.detail-type", "Object Created"),
        ("$.resources[0]", "arn:aws:s3:::a"),
        ("$.resources[1]", "arn:aws:s3:::b"),
        ("$.detail.a/b", "slash"),
        ("$.detail.x-y", "dash"),
        ("$.detail.x:y", "colon"),
        ("$.detail.état", "unicode"),
        ("$.detail.a b", "space"),
        ("$.detail.0", "zero-key"),
        ("$['detail']['a.b']", "dotted"),
        ('$.detail["a.b"]', "dotted"),
        ("$.detail.items[1].id", 2),
        ("$.detail.nested[0][1]", 11),
        ("$.detail.n", 123456789012345678901234567890),
        ("$.detail.d", Decimal("3.14159265358979323846264338327950288")),
        ("$.detail.null", None),
        ("$.detail.f", False),
    ],
)
def test_definite_paths_select_one_value(path: str, expected: Any) -> None:
    found = compile_path(path).find(DOCUMENT)

    assert found == expected
    assert type(found) is type(expected)


def test_dollar_selects_the_document() -> None:
    assert compile_path("$").find(DOCUMENT) is DOCUMENT


@pytest.mark.parametrize(
    "path",
    [
        "$.nothere",
        "$.detail.nothere",
        "$.detail-type.deeper",
        "$.resources[2]",
        "$.resources.0",
        "$.detail[0]",
        "$.detail.items[5].id",
        "$.detail.items[2].id",
    ],
)
def test_paths_that_select_nothing_give_missing(path: str) -> None:
    assert compile_path(path).find(DOCUMENT) is MISSING


def test_a_json_null_is_found_not_missing() -> None:
    assert compile_path("$.detail.null").find(DOCUMENT) is None


def test_wildcards_collect_every_match_in_document_order() -> None:
    assert compile_path("$.detail.items[*].id").find(DOCUMENT) == [1, 2]
    assert compile_path("$.resources.*").find(DOCUMENT) == ["arn:aws:s3:::a", "arn:aws:s3:::b"]
    assert compile_path("$.detail.nested[*][0]").find(DOCUMENT) == [10, 20]


def test_a_wildcard_matching_nothing_gives_an_empty_list() -> None:
    assert compile_path("$.detail.nothere[*]").find(DOCUMENT) == []


def test_bracket_quoted_names_honour_backslash_escapes() -> None:
    path = compile_path(r"$['it\'s']")

    assert path.find({"it's": 1}) == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "must start with '$'"),
        ("detail.x", "must start with '$'"),
        ("$detail", "unexpected 'd' at position 1"),
        ("$.", "empty name at position 2"),
        ("$..detail", "empty name at position 2"),
        ("$.a.", "empty name at position 4"),
        ("$.a]", "unexpected ']' at position 3"),
        ("$[", "unclosed '[' at position 1"),
        ("$[-1]", "bracket must hold an index, '*' or a quoted name, not '-1'"),
        ("$[a]", "bracket must hold an index, '*' or a quoted name, not 'a'"),
        ("$[٣]", "bracket must hold an index, '*' or a quoted name, not '٣'"),
        ("$['a]", "unclosed quoted name at position 2"),
        ("$['a'", "unclosed quoted name at position 2"),
    ],
)
def test_invalid_paths_are_refused_with_the_reason(path: str, reason: str) -> None:
    with pytest.raises(JsonPathError) as caught:
        compile_path(path)

    assert caught.value.reason == reason
    assert str(caught.value) == f"Invalid JSONPath {path!r}: {reason}"


def test_booleans_never_index_lists() -> None:
    assert compile_path("$.a.b").find({"a": [True]}) is MISSING


def test_definiteness_is_reported() -> None:
    assert compile_path("$.a[0].b").is_definite
    assert not compile_path("$.a[*].b").is_definite
