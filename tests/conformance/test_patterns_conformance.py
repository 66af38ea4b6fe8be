"""Every case of the shared event-pattern corpus, through ``matches()`` and a ``RuleIndex``.

The corpus lives outside the repository (``../shared/conformance`` from the repository root,
or ``BUSWAY_CONFORMANCE_DIR``). A missing corpus fails the run: silently testing nothing
would look like a pass.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from busway import jsontext
from busway.patterns import InvalidEventPattern, RuleIndex, matches

CORPUS_FILES = (
    "patterns.jsonl",
    "event-ruler.jsonl",
    "moto.jsonl",
    "extended/event-ruler-all.jsonl",
)
EXPECTED_CASES = 4542  # 186 + 218 + 122 + 4016

# Cases where busway deliberately gives another verdict than the corpus: name -> reason.
# None today; a deviation must cite the spec (AWS wins over event-ruler) and stays in the run.
DEVIATIONS: dict[str, tuple[str, str]] = {}

_REASON_PREFIX = "Event pattern is not valid. Reason: "


def corpus_dir() -> Path:
    override = os.environ.get("BUSWAY_CONFORMANCE_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "shared" / "conformance"


def _load() -> list[Any]:
    directory = corpus_dir()
    cases: list[Any] = []
    for file_name in CORPUS_FILES:
        path = directory / file_name
        if not path.is_file():
            return [pytest.param(None, None, id=f"corpus-missing:{path}")]
        with path.open(encoding="utf-8") as lines:
            for index, line in enumerate(lines):
                record = json.loads(line)
                slug = re.sub(r"[^A-Za-z0-9_.:#~-]+", "_", record["name"])[:80]
                case_id = f"{Path(file_name).stem}-{index}-{slug}"
                cases.append(pytest.param(file_name, record, id=case_id))
    return cases


CASES = _load()


def pattern_text(record: dict[str, Any]) -> str:
    """The pattern as AWS received it: raw text when the record keeps it, else ``json.dumps``."""
    raw = record.get("pattern_raw")
    if raw is not None:
        return str(raw)
    pattern = record["pattern"]
    return pattern if isinstance(pattern, str) else json.dumps(pattern)


def event_value(record: dict[str, Any]) -> Any:
    """The event decoded the way busway decodes events (ints stay ints, decimals Decimal)."""
    raw = record.get("event_raw")
    if raw is None:
        event = record["event"]
        raw = event if isinstance(event, str) else json.dumps(event)
    return jsontext.loads(raw)


def verdict_of_matches(record: dict[str, Any]) -> str:
    try:
        return "match" if matches(pattern_text(record), event_value(record)) else "no-match"
    except InvalidEventPattern:
        return "invalid-pattern"


def verdict_of_index(record: dict[str, Any]) -> str:
    index = RuleIndex()
    try:
        index.add("rule", pattern_text(record))
    except InvalidEventPattern:
        return "invalid-pattern"
    return "match" if index.matches(event_value(record)) == {"rule"} else "no-match"


def expected_verdict(record: dict[str, Any]) -> str:
    deviation = DEVIATIONS.get(record["name"])
    return deviation[0] if deviation else str(record["expect"])


def test_corpus_is_complete() -> None:
    assert len(CASES) == EXPECTED_CASES, f"conformance corpus not found in {corpus_dir()}"


@pytest.mark.parametrize(("file_name", "record"), CASES)
def test_case(file_name: str | None, record: dict[str, Any] | None) -> None:
    del file_name  # part of the id only
    assert record is not None, f"no corpus in {corpus_dir()}"
    expected = expected_verdict(record)
    assert verdict_of_matches(record) == expected
    assert verdict_of_index(record) == expected


def _aws_invalid_cases() -> list[Any]:
    return [
        case
        for case in CASES
        if case.values[0] == "patterns.jsonl" and case.values[1]["expect"] == "invalid-pattern"
    ]


def _as_aws_recorded(message: str) -> str:
    # LocalStack's snapshot replaces the partition and region inside the quoted source.
    return message.replace("arn:aws:events:us-east-1:", "arn:<partition>:events:<region>:")


@pytest.mark.parametrize(("file_name", "record"), _aws_invalid_cases())
def test_aws_error_text(file_name: str, record: dict[str, Any]) -> None:
    with pytest.raises(InvalidEventPattern) as caught:
        matches(pattern_text(record), event_value(record))
    error = caught.value
    recorded = record["aws_error"]
    assert _REASON_PREFIX + error.reason == recorded["message"]
    assert _as_aws_recorded(error.message) == recorded["message_raw"]


def test_aws_invalid_cases_are_all_checked() -> None:
    assert len(_aws_invalid_cases()) == 42


@pytest.mark.parametrize("file_name", CORPUS_FILES)
def test_one_shared_index_per_file(file_name: str) -> None:
    """All valid patterns of a file in one index: no rule may disturb another's verdict."""
    records = [case.values[1] for case in CASES if case.values[0] == file_name]
    assert records, f"no corpus in {corpus_dir()}"
    index = RuleIndex(max_pattern_chars=100_000)
    valid = {}
    for number, record in enumerate(records):
        if expected_verdict(record) != "invalid-pattern":
            index.add(str(number), pattern_text(record))
            valid[str(number)] = record
    for rule_id, record in valid.items():
        found = rule_id in index.matches(event_value(record))
        assert found == (expected_verdict(record) == "match"), record["name"]


def test_deviations_name_real_cases() -> None:
    names = {case.values[1]["name"] for case in CASES if case.values[1] is not None}
    assert set(DEVIATIONS) <= names
