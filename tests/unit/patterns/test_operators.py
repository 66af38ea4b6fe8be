"""Each operator of the pattern language, and the hard cases of the spec (section 14)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from busway import jsontext
from busway.patterns import matches


def check(pattern: Any, event: Any) -> bool:
    text = pattern if isinstance(pattern, str) else json.dumps(pattern)
    decoded = jsontext.loads(event) if isinstance(event, str) else event
    return matches(text, decoded)


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        # A: arrays
        ({"r": ["x", "y"]}, {"r": ["q", "y"]}, True),
        ({"r": ["x", "y"]}, {"r": ["q"]}, False),
        ({"r": [None]}, {"r": []}, False),
        ({"r": [{"exists": True}]}, {"r": []}, False),
        ({"a": {"id": [{"exists": True}]}}, {"a": [{"k": 1}, {"id": "x"}, {"k": 2}]}, True),
        ({"d": {"a": ["x"], "b": ["y"]}}, {"d": [{"a": "x"}, {"b": "y"}]}, False),
        ({"d": {"a": ["x"], "b": ["y"]}}, {"d": [{"a": "q"}, {"a": "x", "b": "y"}]}, True),
        ({"tags": [{"anything-but": "banned"}]}, {"tags": ["banned", "ok"]}, True),
        # B: null and empty strings
        ({"v": [None]}, {"v": None}, True),
        ({"v": [None]}, {"v": "null"}, False),
        ({"v": [""]}, {"v": ""}, True),
        ({"v": [""]}, {"v": None}, False),
        ({"v": [{"exists": True}]}, {"v": None}, True),
        # C: syntax considerations
        ({"MY_KEY": ["v"]}, {"my_key": "v"}, False),
        ('{"number": [300]}', '{"number": 300.0}', True),
        ({"b": [False]}, {"b": False}, True),
        ({"b": [False]}, {"b": True}, False),
        ({"f": ["true"]}, {"f": True}, False),
        ({"detail": {"k": ["v"]}}, {"detail": '{"k": "v"}'}, False),
        (
            {"detail": {"state": {"status": ["running"]}}},
            {"detail": {"state.status": "running"}},
            True,
        ),
        (
            {"detail": {"state.status": {"status": ["r"]}}},
            {"detail": {"state": {"status": "r"}}},
            False,
        ),
        (
            '{"l": [{"prefix": "us-"}], "l": [{"anything-but": "us-east"}]}',
            {"l": "eu-central-1"},
            True,
        ),
        # D: numeric
        ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 5}, True),
        ({"c": [{"numeric": [">", 0, "<=", 5]}]}, {"c": 0}, False),
        ({"n": [{"numeric": [">", 100]}]}, {"n": "300"}, False),
        ({"n": [{"numeric": [">", 100]}]}, {"n": None}, False),
        ('{"n": [{"numeric": [">", 100]}]}', '{"n": 101.0}', True),
        ('{"x": [{"numeric": ["=", 3.018e2]}]}', '{"x": 301.8}', True),
        ({"n": [{"numeric": [">=", 1.5]}]}, {"n": Decimal("1.5")}, True),
        ({"n": [{"numeric": ["<", 0]}]}, {"n": True}, False),
        # E: anything-but
        ({"s": [{"anything-but": "init"}]}, {"s": None}, True),
        ({"s": [{"anything-but": "init"}]}, {}, False),
        ({"x": [{"anything-but": [100, 200, 300]}]}, {"x": 300}, False),
        ({"x": [{"anything-but": [100, 200, 300]}]}, {"x": 999}, True),
        ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": 12}, True),
        ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "initial"}, False),
        ({"f": [{"anything-but": {"suffix": ".txt"}}]}, {"f": "file.txt.bak"}, True),
        ({"f": [{"anything-but": {"suffix": ".txt"}}]}, {"f": "file.txt"}, False),
        (
            {"s": [{"anything-but": {"equals-ignore-case": ["a", "stopped"]}}]},
            {"s": "Stopped"},
            False,
        ),
        ({"p": [{"anything-but": {"wildcard": ""}}]}, {"p": "dir/init/file"}, True),
        ({"p": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"p": "/usr/lib/x"}, False),
        # F: prefix, suffix, equals-ignore-case
        ({"s": [{"prefix": ""}]}, {"s": "test"}, True),
        ({"s": [{"prefix": "te"}]}, {"s": 5}, False),
        ({"f": [{"suffix": ".PNG"}]}, {"f": "image.png"}, False),
        ({"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "image.PNG"}, True),
        ({"s": [{"prefix": {"equals-ignore-case": "EventB"}}]}, {"s": "EvEnTbridge"}, True),
        ({"t": [{"equals-ignore-case": "ec2 state"}]}, {"t": "EC2 State"}, True),
        ({"v": [{"equals-ignore-case": ""}]}, {"v": ""}, True),
        ({"v": [{"equals-ignore-case": ""}]}, {"v": "x"}, False),
        ({"n": [{"equals-ignore-case": "ÉTÉ"}]}, {"n": "été"}, True),
        ({"n": [{"equals-ignore-case": "straße"}]}, {"n": "STRASSE"}, True),
        ({"n": [{"equals-ignore-case": "STRASSE"}]}, {"n": "straße"}, False),
        ({"n": [{"equals-ignore-case": "Σ"}]}, {"n": "ς"}, False),
        # G: wildcard
        ({"f": [{"wildcard": "/Users/*/doc.txt"}]}, {"f": "/Users/u/dir/dir/doc.txt"}, True),
        ({"f": [{"wildcard": "/Users/*/doc.txt"}]}, {"f": "/Users/u/dir/notdoc.txt"}, False),
        ({"f": [{"wildcard": "/Users/*/doc.txt"}]}, {"f": "/Users/u/dir/doc.txt.bak"}, False),
        (
            {"a": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
            {"a": "arn:aws:events:us-east-1:1:event-bus/b"},
            True,
        ),
        ({"a": [{"wildcard": ""}]}, {"a": "x"}, False),
        ({"a": [{"wildcard": ""}]}, {"a": ""}, True),
        ('{"k": [{"wildcard": "hel\\\\*o"}]}', {"k": "hel*o"}, True),
        ('{"k": [{"wildcard": "hel\\\\*o"}]}', {"k": "hello"}, False),
        # H: exists, cidr, several operators, $or
        ({"d": {"k": [{"exists": True}]}}, {"d": {"k": {"S": "x"}}}, False),
        ({"d": {"k": [{"exists": False}]}}, {"d": {"k": {"S": "x"}}}, True),
        (
            {"n": {"h": {"S": [{"anything-but": ["roses"]}, {"exists": False}]}}},
            {"n": {"p": {"N": "7"}}},
            True,
        ),
        (
            {"n": {"h": {"S": [{"anything-but": ["roses"]}, {"exists": False}]}}},
            {"n": {"h": {"N": "7"}}},
            True,
        ),
        (
            {"n": {"h": {"S": [{"anything-but": ["roses"]}, {"exists": False}]}}},
            {"n": {"h": {"S": "roses"}}},
            False,
        ),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"}, True),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.256"}, False),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": 123}, False),
        (
            {"ip": [{"cidr": "2001:db8:1234:1a00::/64"}]},
            {"ip": "2001:0db8:1234:1a00:0000:0000:0000:0000"},
            True,
        ),
        ({"ip": [{"cidr": "2001:db8:1234:1a00::/64"}]}, {"ip": "2001:0db8:123f:1a01::"}, False),
        ({"ip": ["::1"]}, {"ip": "0:0:0:0:0:0:0:1"}, True),
        ({"k": [{"exists": True}, {"prefix": "IGNORED"}]}, {"k": "v"}, True),
        (
            {"d": {"$or": [{"c": [{"numeric": [">", 0]}]}, {"e": [{"numeric": ["<", 10]}]}]}},
            {"d": {"c": 0, "e": 0}},
            True,
        ),
        (
            {"d": {"$or": [{"c": [{"numeric": [">", 0]}]}, {"e": [{"numeric": ["<", 10]}]}]}},
            {"d": {"c": 0, "e": 10}},
            False,
        ),
        ({"$or": [{"source": ["aws.ec2"]}, {"source": ["aws.s3"]}]}, {"source": "my.app"}, False),
        ({"$or": [{"a": ["1"]}, {"b": ["2"]}], "c": ["3"]}, {"b": "2", "c": "3"}, True),
        ({"$or": [{"a": ["1"]}, {"b": ["2"]}], "c": ["3"]}, {"b": "2"}, False),
        # numbers beyond a double equal only the same spelling (§3.2)
        ('{"acct": [123456789012345678901]}', '{"acct": 123456789012345678901}', True),
        ('{"acct": [123456789012345678901]}', '{"acct": 123456789012345678900}', False),
        ('{"n": [12345678901234567890]}', '{"n": 12345678901234567890.0}', False),
        ('{"n": [12345678901234567890.0]}', '{"n": 12345678901234567890.0}', True),
        ('{"n": [12345678901234567890.0]}', '{"n": 12345678901234567890}', False),
        ('{"n": [1E400]}', '{"n": 1E400}', True),
        ('{"n": [1E400]}', '{"n": 10E399}', False),
        ({"n": [12345678901234567890]}, {"n": Decimal("12345678901234567890.0")}, False),
        # ... while numbers a double holds compare by value, whatever the spelling
        ('{"n": [300]}', '{"n": 3.0e2}', True),
        ({"x": [37.8078]}, {"x": Decimal("37.807807921694092")}, False),
    ],
)
def test_operator(pattern: Any, event: Any, expected: bool) -> None:
    assert check(pattern, event) is expected


def test_parsed_dict_pattern_is_accepted() -> None:
    assert matches(
        {"source": ["app"], "n": [{"numeric": [">", Decimal("1.5")]}]}, {"source": "app", "n": 2}
    )


def test_big_number_in_a_parsed_pattern_keeps_its_spelling() -> None:
    big = Decimal("12345678901234567890.0")
    assert matches({"n": [big]}, {"n": big})
    assert not matches({"n": [big]}, {"n": 12345678901234567890})
    assert not matches({"n": [12345678901234567890]}, {"n": big})


def test_exists_false_on_missing_parent_and_empty_array() -> None:
    assert check({"a": {"b": [{"exists": False}]}}, {"x": 1})
    assert check({"a": [{"exists": False}]}, {"a": []})
    assert not check({"a": [{"exists": False}]}, {"a": None})
