"""Per-entry validation: AWS's codes, messages and the order in which they are checked."""

from __future__ import annotations

import pytest

from busway.config import Settings
from busway.service.ingest import EntryResult

from .harness import Harness, entry, event_id

SOURCE_MISSING = EntryResult(
    error_code="InvalidArgument",
    error_message="Parameter Source is not valid. Reason: Source is a required argument.",
)
DETAIL_TYPE_MISSING = EntryResult(
    error_code="InvalidArgument",
    error_message="Parameter DetailType is not valid. Reason: DetailType is a required argument.",
)
DETAIL_MISSING = EntryResult(
    error_code="InvalidArgument",
    error_message="Parameter Detail is not valid. Reason: Detail is a required argument.",
)
# Deeper than AWS's 1,000 levels of nesting.
DEEP = '{"a":' + "[" * 2000 + "]" * 2000 + "}"
MALFORMED = EntryResult(error_code="MalformedDetail", error_message="Detail is malformed.")


@pytest.mark.parametrize("missing", [None, ""])
def test_source_is_required(missing: str | None) -> None:
    assert Harness().put(entry(source=missing)) == [SOURCE_MISSING]


@pytest.mark.parametrize("missing", [None, ""])
def test_detail_type_is_required(missing: str | None) -> None:
    assert Harness().put(entry(detail_type=missing)) == [DETAIL_TYPE_MISSING]


@pytest.mark.parametrize("missing", [None, ""])
def test_detail_is_required(missing: str | None) -> None:
    assert Harness().put(entry(detail=missing)) == [DETAIL_MISSING]


def test_source_is_checked_before_detail_type_and_detail() -> None:
    assert Harness().put(entry(source=None, detail_type=None, detail="[]")) == [SOURCE_MISSING]


def test_detail_type_is_checked_before_detail() -> None:
    assert Harness().put(entry(detail_type="", detail=None)) == [DETAIL_TYPE_MISSING]


@pytest.mark.parametrize(
    "detail",
    ["[]", '"x"', "{{}", "not json", "1", "null", "true", '{"a":1} x', DEEP],
    ids=["array", "string", "broken", "text", "number", "null", "bool", "trailing", "deep"],
)
def test_detail_must_be_a_json_object(detail: str) -> None:
    assert Harness().put(entry(detail=detail)) == [MALFORMED]


@pytest.mark.parametrize("detail", ["{}", ' { "a" : [1, {"b": null}] } '])
def test_any_json_object_is_a_valid_detail(detail: str) -> None:
    assert Harness().put(entry(detail=detail)) == [EntryResult(event_id=event_id(1))]


@pytest.mark.parametrize("source", ["aws.ec2", "aws.", "aws.events"])
def test_reserved_sources_are_refused(source: str) -> None:
    [result] = Harness().put(entry(source=source))
    assert result.error_code == "NotAuthorizedForSourceException"
    assert result.error_message is not None
    assert result.error_message.startswith("Not authorized for the source")


@pytest.mark.parametrize("source", ["aws-some-feature.x", "awsx.app", "AWS.ec2", "my.aws.app"])
def test_only_the_exact_aws_dot_prefix_is_reserved(source: str) -> None:
    assert Harness().put(entry(source=source)) == [EntryResult(event_id=event_id(1))]


def test_reserved_sources_are_allowed_by_setting() -> None:
    harness = Harness(settings=Settings(allow_reserved_sources=True))
    assert harness.put(entry(source="aws.ec2")) == [EntryResult(event_id=event_id(1))]
    assert harness.count() == 1


def test_reserved_source_is_checked_after_the_required_members() -> None:
    assert Harness().put(entry(source="aws.ec2", detail=None)) == [DETAIL_MISSING]


def test_reserved_source_is_checked_before_the_detail_is_parsed() -> None:
    [result] = Harness().put(entry(source="aws.ec2", detail="[]"))
    assert result.error_code == "NotAuthorizedForSourceException"


def test_detail_type_may_have_128_characters() -> None:
    assert Harness().put(entry(detail_type="x" * 128)) == [EntryResult(event_id=event_id(1))]


def test_detail_type_over_128_characters_fails_the_entry() -> None:
    [result] = Harness().put(entry(detail_type="é" * 129))
    assert result.error_code == "InvalidArgument"
    assert result.error_message is not None
    assert result.error_message.startswith("Parameter DetailType is not valid. Reason: ")


def test_detail_type_length_is_checked_before_the_detail() -> None:
    [result] = Harness().put(entry(detail_type="x" * 129, detail="[]"))
    assert result.error_code == "InvalidArgument"


def test_failed_entries_keep_their_place_and_store_nothing() -> None:
    harness = Harness()
    results = harness.put(entry(), entry(source=""), entry(detail="[]"), entry())
    assert results == [
        EntryResult(event_id=event_id(1)),
        SOURCE_MISSING,
        MALFORMED,
        EntryResult(event_id=event_id(2)),
    ]
    assert [r.failed for r in results] == [False, True, True, False]
    assert harness.count() == 2


def test_a_request_of_only_failed_entries_stores_nothing() -> None:
    harness = Harness()
    assert harness.put(entry(source=None), entry(detail="1")) == [SOURCE_MISSING, MALFORMED]
    assert harness.count() == 0
