"""Validation: AWS's reason texts, Jackson's location suffix, and busway's own limits."""

from __future__ import annotations

import pytest

from busway.patterns import InvalidEventPattern, RuleIndex, validate_pattern
from busway.patterns.wildcard import TOO_COMPLEX

MIXED = (
    "Inside anything but list, either all values are number or string, mixed type is not supported"
)


def reason_of(pattern: str, **options: int) -> str:
    with pytest.raises(InvalidEventPattern) as caught:
        validate_pattern(pattern, **options)
    return caught.value.reason


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ('{"r": []}', "Empty arrays are not allowed"),
        ('{"r": {}}', "Empty objects are not allowed"),
        ("[1]", "Filter is not an object"),
        ('{"int": 42}', '"int" must be an object or an array'),
        ('{"k": [{"EXISTS": true}]}', "Unrecognized match type EXISTS"),
        ('{"k": [{"prefix": "a", "suffix": "b"}]}', "Only one key allowed in match expression"),
        ('{"k": [[1]]}', "Match value must be String, number, true, false, or null"),
        ('{"k": [{"prefix": 1}]}', "prefix match pattern must be a string"),
        ('{"k": [{"suffix": [1]}]}', "suffix match pattern must be a string"),
        (
            '{"k": [{"equals-ignore-case": ["x"]}]}',
            "equals-ignore-case match pattern must be a string",
        ),
        ('{"k": [{"wildcard": 1}]}', "wildcard match pattern must be a string"),
        ('{"k": [{"prefix": {"nope": "x"}}]}', "Unsupported prefix pattern: nope"),
        ('{"k": [{"exists": "false"}]}', "exists match pattern must be either true or false."),
        (
            '{"k": [{"anything-but": null}]}',
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            '{"k": [{"anything-but": ["a", null]}]}',
            "Inside anything but list, start|null|boolean is not supported.",
        ),
        (
            '{"k": [{"anything-but": ["a", 1]}]}',
            MIXED,
        ),
        (
            '{"k": [{"anything-but": []}]}',
            MIXED,
        ),
        ('{"k": [{"anything-but": {"prefix": ""}}]}', "Null prefix/suffix not allowed"),
        (
            '{"k": [{"anything-but": {"suffix": 1}}]}',
            "prefix/suffix match pattern must be a string",
        ),
        (
            '{"k": [{"anything-but": {"equals-ignore-case": 1}}]}',
            "Inside anything-but/equals-ignore-case list, "
            "number|start|null|boolean is not supported.",
        ),
        ('{"k": [{"anything-but": {"exists": true}}]}', "Unsupported anything-but pattern: exists"),
        ('{"k": [{"numeric": 10}]}', "Value of numeric must be an array."),
        ('{"k": [{"numeric": [">", 0, ">", 0]}]}', "Bad numeric range operator: >"),
        ('{"k": [{"numeric": [">", 0, "<"]}]}', "Value of < must be numeric"),
        ('{"k": [{"numeric": ["=", "x"]}]}', "Value of equals must be numeric"),
        ('{"k": [{"numeric": [">", 5, "<", 1]}]}', "Bottom must be less than top"),
        ('{"k": [{"numeric": [">", 0, "<", 5, 6]}]}', "Too many terms in numeric range expression"),
        ('{"k": [{"numeric": ["<>", 1]}]}', "Unrecognized numeric range operator: <>"),
        ('{"k": [{"numeric": [1, 2]}]}', "Invalid member in numeric match: 1"),
        ('{"k": [{"numeric": ["=", 1E309]}]}', "Cannot compare number : 1E309"),
        ('{"k": [{"cidr": "bad"}]}', "Malformed CIDR, one '/' required"),
        ('{"k": [{"cidr": "10.0.0.0/x"}]}', "Malformed CIDR, mask bits must be an integer"),
        ('{"k": [{"cidr": "xx.1/8"}]}', "Nonstandard IP address: xx.1"),
        ('{"k": [{"cidr": "10.0.0.0/33"}]}', "IPv4 mask bits must be < 32"),
        ('{"k": [{"cidr": 1}]}', "prefix match pattern must be a string"),
        ('{"k": [{"wildcard": "a**"}]}', "Consecutive wildcard characters at pos 2"),
        ('{"k": [{"wildcard": "he\\\\llo"}]}', "Invalid escape character at pos 3"),
        (
            '{"k": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}',
            TOO_COMPLEX,
        ),
        ('{"$or": [{"a": ["1"]}]}', "There must have at least 2 Objects in $or relationship."),
        ('{"$or": {"a": ["1"]}}', "It must be an Array followed with $or."),
        ('{"$or": [{"a": ["1"]}, 1]}', "Only JSON object is allowed in array of $or relationship."),
        (
            '{"$or": [{"prefix": ["1"]}, {"b": ["2"]}]}',
            "prefix is Ruler reserved fieldName which cannot be used inside $or.",
        ),
    ],
)
def test_reason(pattern: str, reason: str) -> None:
    assert reason_of(pattern) == reason


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            '{"resources": []}',
            "Empty arrays are not allowed"
            '\n at [Source: (String)"{"resources": []}"; line: 1, column: 17]',
        ),
        (
            '{"string": "my-value"}',
            '"string" must be an object or an array'
            '\n at [Source: (String)"{"string": "my-value"}"; line: 1, column: 13]',
        ),
        (
            "this is not json",
            "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token "
            "'null', 'true' or 'false')"
            '\n at [Source: (String)"this is not json"; line: 1, column: 5]',
        ),
        (
            "{'bad': 1}",
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name"
            "\n at [Source: (String)\"{'bad': 1}\"; line: 1, column: 2]",
        ),
        (
            '{"k": [{"anything-but": ["a", null]}]}',
            "Inside anything but list, start|null|boolean is not supported."
            '\n at [Source: (String)"{"k": [{"anything-but": ["a", null]}]}"; line: 1, column: 35]'
            '\n at [Source: (String)"{"k": [{"anything-but": ["a", null]}]}"; line: 1, column: 35]',
        ),
        ('{"k": [{"cidr": "bad"}]}', "Malformed CIDR, one '/' required"),
        (
            '{\n  "k": 1\n}',
            '"k" must be an object or an array'
            '\n at [Source: (String)"{\n  "k": 1\n}"; line: 2, column: 9]',
        ),
    ],
)
def test_full_message(pattern: str, message: str) -> None:
    with pytest.raises(InvalidEventPattern) as caught:
        validate_pattern(pattern)
    assert caught.value.message == "Event pattern is not valid. Reason: " + message
    assert str(caught.value) == caught.value.message


def test_long_source_is_truncated_like_jackson() -> None:
    pattern = '{"k": ["' + "x" * 600 + '"], "e": []}'
    with pytest.raises(InvalidEventPattern) as caught:
        validate_pattern(pattern)
    assert f"[truncated {len(pattern) - 500} chars]; line: 1" in caught.value.message


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ('{"a": ["x"', "Unexpected end-of-input: expected close marker for Array"),
        ('{"a": ["x" "y"]}', "was expecting comma to separate Array entries"),
        ('{"a": ["x",]}', "expected a value"),
        ('{"a": ["x"}', "Unexpected close marker '}': expected ']'"),
        ('{"a": [01]}', "Leading zeroes not allowed"),
        ('{"a": [NaN]}', "Non-standard token 'NaN'"),
        ('{"a": ["\\q"]}', "Unrecognized character escape 'q' (code 113)"),
        ('{"a" ["x"]}', "was expecting a colon to separate field name and value"),
    ],
)
def test_json_syntax_errors(pattern: str, fragment: str) -> None:
    assert fragment in reason_of(pattern)


def test_size_limit_is_configurable() -> None:
    pattern = '{"k": ["' + "x" * 3000 + '"]}'
    assert "too long" in reason_of(pattern)
    validate_pattern(pattern, max_pattern_chars=4096)
    with pytest.raises(InvalidEventPattern):
        RuleIndex().add("r", pattern)
    RuleIndex(max_pattern_chars=4096).add("r", pattern)


def test_or_combination_limit() -> None:
    ten = "[" + ", ".join(f'{{"f{n}": ["{n}"]}}' for n in range(10)) + "]"
    two = '[{"a": ["1"]}, {"b": ["2"]}]'

    def nested(*arrays: str) -> str:
        return "{" + ", ".join(f'"k{n}": {{"$or": {a}}}' for n, a in enumerate(arrays)) + "}"

    validate_pattern(nested(ten, ten, ten), max_pattern_chars=10_000)  # exactly 1000
    assert "$or" in reason_of(nested(ten, ten, ten, two), max_pattern_chars=10_000)


def test_trailing_content_after_the_pattern_is_ignored_like_event_ruler() -> None:
    validate_pattern('{"a": ["x"]} trailing')
