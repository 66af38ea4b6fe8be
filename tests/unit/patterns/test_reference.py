"""Proves the reference evaluator right on every valid-pattern case of the conformance corpus."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from busway import jsontext

from .reference import reference_matches

CORPUS_FILES = (
    "patterns.jsonl",
    "event-ruler.jsonl",
    "moto.jsonl",
    "extended/event-ruler-all.jsonl",
)

# Cases where the reference knowingly disagrees with the corpus: name -> reason (citing the spec).
# The test asserts the deviating result, so a fix in either place shows up here.
_RULE_OVERRIDE = (
    "event-ruler's ruleOverriding knob lets the `name` inside the $or branch replace the outer "
    "`name` (a Ruler option, see conformance/INVENTORY.md caveats); the spec combines them with "
    "AND (§3.1 'AND across different fields', §3.8 'AND inside an alternative'), and 'c' is not "
    "one of ['a', 'b']"
)
DEVIATIONS: dict[str, str] = {
    f"{file_name}::JsonRuleCompilerTest.testWithRuleOverride:660#1": _RULE_OVERRIDE
    for file_name in ("event-ruler.jsonl", "extended/event-ruler-all.jsonl")
}


def corpus_dir() -> Path:
    override = os.environ.get("BUSWAY_CONFORMANCE_DIR")
    if override:
        return Path(override)
    repo_root = Path(__file__).resolve().parents[3]
    # The corpus sits next to the repository (../shared/conformance), not inside it.
    return repo_root.parent / "shared" / "conformance"


def _document(record: dict[str, Any], field: str) -> Any:
    """The record's pattern or event, read from its original text whenever there is one."""
    raw = record.get(f"{field}_raw")
    if raw is not None:
        return jsontext.loads(raw)
    if record.get(f"{field}_is_raw_json"):
        return jsontext.loads(record[field])
    return record[field]


def load_valid_cases(directory: Path) -> list[tuple[str, dict[str, Any], dict[str, Any], bool]]:
    """(case id, pattern, event, expected match) for every case whose pattern is valid."""
    if not directory.is_dir():
        # A missing corpus must fail loudly, never shrink the suite to nothing.
        raise FileNotFoundError(f"conformance corpus not found at {directory}")
    cases = []
    for file_name in CORPUS_FILES:
        text = (directory / file_name).read_text(encoding="utf-8")
        for line in text.splitlines():
            # jsontext keeps numbers exact (int / Decimal), the way busway reads events.
            record = jsontext.loads(line)
            if record["expect"] == "invalid-pattern":
                continue
            case_id = f"{file_name}::{record['name']}"
            pattern, event = _document(record, "pattern"), _document(record, "event")
            cases.append((case_id, pattern, event, record["expect"] == "match"))
    return cases


CASES = load_valid_cases(corpus_dir())


def test_every_corpus_file_contributes_cases() -> None:
    for file_name in CORPUS_FILES:
        assert any(case_id.startswith(f"{file_name}::") for case_id, *_ in CASES), file_name


def test_deviations_name_real_cases() -> None:
    known = {case_id for case_id, *_ in CASES}
    assert set(DEVIATIONS) <= known


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        pytest.param(pattern, event, expected, id=case_id)
        for case_id, pattern, event, expected in CASES
    ],
)
def test_reference_agrees_with_corpus(
    request: pytest.FixtureRequest, pattern: dict[str, Any], event: dict[str, Any], expected: bool
) -> None:
    case_id = request.node.callspec.id
    if case_id in DEVIATIONS:
        expected = not expected
    assert reference_matches(pattern, event) is expected


# Spec §14 hard cases with a valid pattern (events reduced to the relevant part), plus the
# readings the reference commits to where the corpus is silent. Pattern and event are JSON text.
HARD_CASES = [
    ("A4", '{"resources":[null]}', '{"resources":[]}', False),
    ("A5", '{"resources":[{"exists":true}]}', '{"resources":[]}', False),
    (
        "A6",
        '{"detail":{"automations":{"id":[{"exists":true}]}}}',
        '{"detail":{"automations":[{"key1":"v1"},{"id":"match-does-exist"},{"key2":"v2"}]}}',
        True,
    ),
    ("A7", '{"d":{"a":["x"],"b":["y"]}}', '{"d":[{"a":"x"},{"b":"y"}]}', False),
    ("A8", '{"d":{"a":["x"],"b":["y"]}}', '{"d":[{"a":"q"},{"a":"x","b":"y"}]}', True),
    ("A9", '{"tags":[{"anything-but":"banned"}]}', '{"tags":["banned","ok"]}', True),
    ("B1", '{"r":[null]}', '{"r":null}', True),
    ("B2", '{"r":[null]}', '{"r":"null"}', False),
    ("B4", '{"v":[""]}', '{"v":null}', False),
    ("B5", '{"foo":[{"exists":true}]}', '{"foo":null}', True),
    ("C1", '{"MY_KEY":["my-value"]}', '{"my_key":"my-value"}', False),
    ("C2", '{"number":[300]}', '{"number":300.0}', True),
    ("C3", '{"boolean":[false]}', '{"boolean":true}', False),
    ("C4", '{"someFlag":["true"]}', '{"someFlag":true}', False),
    (
        "C5",
        '{"detail":{"my-key":["my-value"]}}',
        '{"detail":"{\\"my-key\\": \\"my-value\\"}"}',
        False,
    ),
    (
        "C6",
        '{"detail":{"state":{"status":["running"]}}}',
        '{"detail":{"state.status":"running"}}',
        True,
    ),
    (
        "C7",
        '{"detail":{"state.status":{"status":["running"]}}}',
        '{"detail":{"state":{"status":"running"}}}',
        False,
    ),
    (
        "C8",
        '{"l":[{"prefix":"us-"}],"l":[{"anything-but":"us-east"}]}',
        '{"l":"eu-central-1"}',
        True,
    ),
    ("D1", '{"c":[{"numeric":[">",0,"<=",5]}]}', '{"c":0}', False),
    ("D2", '{"n":[{"numeric":[">",100]}]}', '{"n":"300"}', False),
    ("D4", '{"n":[{"numeric":[">",100]}]}', '{"n":101.0}', True),
    ("D5", '{"x":[{"numeric":["=",3.018e2]}]}', '{"x":301.8}', True),
    ("E1", '{"s":[{"anything-but":"initializing"}]}', '{"s":null}', True),
    ("E2", '{"s":[{"anything-but":"initializing"}]}', "{}", False),
    ("E3", '{"x":[{"anything-but":[100,200,300]}]}', '{"x":300.0}', False),
    ("E4", '{"s":[{"anything-but":{"prefix":"init"}}]}', '{"s":12}', True),
    ("E5", '{"f":[{"anything-but":{"suffix":".txt"}}]}', '{"f":"file.txt.bak"}', True),
    (
        "E6",
        '{"s":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}',
        '{"s":"Stopped"}',
        False,
    ),
    ("E7", '{"p":[{"anything-but":{"wildcard":""}}]}', '{"p":"dir/init/file"}', True),
    ("F2", '{"f":[{"suffix":".PNG"}]}', '{"f":"image.png"}', False),
    ("F3", '{"f":[{"suffix":{"equals-ignore-case":".png"}}]}', '{"f":"image.PNG"}', True),
    ("F4", '{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}', '{"s":"EvEnTb"}', True),
    ("F6", '{"v":[{"equals-ignore-case":""}]}', '{"v":"test-value"}', False),
    ("F8", '{"n":[{"equals-ignore-case":"ÉTÉ"}]}', '{"n":"été"}', True),
    ("F9", '{"n":[{"equals-ignore-case":"straße"}]}', '{"n":"STRASSE"}', True),
    ("F10", '{"n":[{"equals-ignore-case":"STRASSE"}]}', '{"n":"straße"}', False),
    ("F-sigma", '{"n":[{"equals-ignore-case":"Σ"}]}', '{"n":"ς"}', False),
    ("G1", '{"f":[{"wildcard":"/Users/*/doc.txt"}]}', '{"f":"/Users/u/dir/dir/doc.txt"}', True),
    (
        "G2",
        '{"f":[{"wildcard":"/Users/*/doc.txt"}]}',
        '{"f":"/Users/u/dir/notmatchingdoc.txt"}',
        False,
    ),
    ("G6", '{"a":[{"wildcard":""}]}', '{"a":"arn:aws:events"}', False),
    ("G7-star", '{"k":[{"wildcard":"hel\\\\*o"}]}', '{"k":"hel*o"}', True),
    ("G7-no", '{"k":[{"wildcard":"hel\\\\*o"}]}', '{"k":"hello"}', False),
    ("G-backslash", '{"k":[{"wildcard":"a\\\\\\\\*"}]}', '{"k":"a\\\\bc"}', True),
    ("H1", '{"d":{"k":[{"exists":true}]}}', '{"d":{"k":{"S":"t"}}}', False),
    ("H2", '{"h":{"S":[{"anything-but":["roses"]},{"exists":false}]}}', '{"p":{"N":"789"}}', True),
    ("H4", '{"ip":[{"cidr":"10.0.0.0/24"}]}', '{"ip":"10.0.0.256"}', False),
    (
        "H5",
        '{"ip":[{"cidr":"2001:db8:1234:1a00::/64"}]}',
        '{"ip":"2001:0db8:1234:1a00:0000:0000:0000:0000"}',
        True,
    ),
    ("IP-variant", '{"ip":["2001:db8::1"]}', '{"ip":"2001:0DB8:0:0:0:0:0:1"}', True),
    ("IP-variant-no", '{"ip":["2001:db8::1"]}', '{"ip":"2001:db8::2"}', False),
    # anything-but compares text: only exact matches get the IP reading (§3.2).
    ("IP-anything-but", '{"ip":[{"anything-but":"2001:db8::1"}]}', '{"ip":"2001:0db8::1"}', True),
    ("H7", '{"k":[{"exists":true},{"prefix":"IGNORED"}]}', '{"k":"my-value"}', True),
    ("H10", '{"$or":[{"source":["aws.ec2"]},{"source":["aws.s3"]}]}', '{"source":"my.app"}', False),
    # exists:false on an object path: no leaf sits at exactly that path (§3.9).
    ("exists-false-object", '{"c":[{"exists":false}]}', '{"c":{"c1":100}}', True),
    # exists:false is judged within the element the other conditions chose (§3.3) ...
    (
        "exists-false-chosen",
        '{"d":{"a":["x"],"b":[{"exists":false}]}}',
        '{"d":[{"a":"x"},{"b":1}]}',
        True,
    ),
    # ... whatever the order of the keys (event-ruler checks it against earlier keys only) ...
    (
        "exists-false-any-order",
        '{"d":{"a":[{"exists":false}],"b":["y"]}}',
        '{"d":[{"a":1},{"b":"y"}]}',
        True,
    ),
    # ... and with nothing chosen, any leaf at the path means the field exists (§3.9).
    ("exists-false-unchosen", '{"d":{"id":[{"exists":false}]}}', '{"d":[{"id":1},{"x":2}]}', False),
    # Nested arrays: each level is an array of its own, so leaves of different inner elements clash.
    ("nested-arrays", '{"a":{"x":[1],"y":[2]}}', '{"a":[[{"x":1},{"y":2}]]}', False),
    ("nested-arrays-same", '{"a":{"x":[1],"y":[2]}}', '{"a":[[{"x":1,"y":2}]]}', True),
    # A number a double cannot hold equals only the same spelling (§3.2).
    ("big-int", '{"n":[12345678901234567890]}', '{"n":12345678901234567890.0}', False),
    ("big-int-same", '{"n":[12345678901234567890]}', '{"n":12345678901234567890}', True),
    # ... and takes no part in ranges (§3.5: "numbers that lose precision ... cannot be used").
    ("big-int-range", '{"n":[{"numeric":[">",0]}]}', '{"n":12345678901234567890}', False),
    ("long-decimal-range", '{"n":[{"numeric":[">",0]}]}', '{"n":37.807807921694092}', False),
]


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        pytest.param(pattern, event, expected, id=name)
        for name, pattern, event, expected in HARD_CASES
    ],
)
def test_reference_on_hard_cases(pattern: str, event: str, expected: bool) -> None:
    assert reference_matches(jsontext.loads(pattern), jsontext.loads(event)) is expected
