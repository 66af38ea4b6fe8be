"""PutTargets-time checks: AWS's messages (spec §6.1) and the model constraints (spec §6.2)."""

from __future__ import annotations

import pytest

from busway.transform import (
    ConstraintViolation,
    InputTransformer,
    TargetInputError,
    compile_target_input,
    constraint_violations,
    validate_target_input,
)

ONLY_ONE = "Only one of Input, InputPath, or InputTransformer must be provided for target {}."
TRANSFORMER = InputTransformer(template='"<v>"', paths_map={"v": "$.detail"})


@pytest.mark.parametrize(
    "members",
    [
        {"input": "{}", "input_path": "$.detail"},
        {"input": "{}", "input_transformer": TRANSFORMER},
        {"input_path": "$.detail", "input_transformer": TRANSFORMER},
        {"input": "{}", "input_path": "$", "input_transformer": TRANSFORMER},
        {"input": "", "input_path": ""},  # presence counts, not content
    ],
)
def test_more_than_one_input_member_is_refused(members: dict[str, object]) -> None:
    with pytest.raises(TargetInputError) as caught:
        validate_target_input("target-1", **members)  # type: ignore[arg-type]

    assert caught.value.message == ONLY_ONE.format("target-1")
    assert caught.value.code == "ValidationException"


def test_recorded_invalid_placeholder_message() -> None:
    transformer = InputTransformer(
        template='"Event of <detail-type> type, with not defined key <notdefinedkey>"',
        paths_map={"detail-type": "$.detail-type", "timestamp": "$.time"},
    )

    with pytest.raises(TargetInputError) as caught:
        validate_target_input("target-7", input_transformer=transformer)

    assert caught.value.message == (
        "InputTemplate for target target-7 contains invalid placeholder notdefinedkey."
    )


def test_the_first_invalid_placeholder_is_named() -> None:
    transformer = InputTransformer(template="{<a>: <b>, <c>: 1}", paths_map={"b": "$"})

    with pytest.raises(TargetInputError, match=r"invalid placeholder a\.$"):
        validate_target_input("t", input_transformer=transformer)


@pytest.mark.parametrize(
    "name",
    [
        "aws.events.rule-arn",
        "aws.events.rule-name",
        "aws.events.event.ingestion-time",
        "aws.events.event",
        "aws.events.event.json",
    ],
)
def test_predefined_placeholders_need_no_mapping(name: str) -> None:
    validate_target_input("t", input_transformer=InputTransformer(template=f'{{"x": <{name}>}}'))


def test_a_mistyped_predefined_name_is_invalid() -> None:
    transformer = InputTransformer(template='"<aws.events.rule-arns>"')

    with pytest.raises(TargetInputError, match=r"invalid placeholder aws\.events\.rule-arns\.$"):
        validate_target_input("t", input_transformer=transformer)


def test_unused_mappings_and_bad_paths_are_accepted() -> None:
    transformer = InputTransformer(
        template='"static"', paths_map={"unused": "$.x", "broken": "not a path"}
    )

    validate_target_input("t", input_transformer=transformer)


@pytest.mark.parametrize("text", ["", "not json", "{", '{"a":1}x', "{'a': 1}"])
def test_input_must_be_json_text(text: str) -> None:
    with pytest.raises(TargetInputError) as caught:
        compile_target_input("target-2", input=text)

    assert caught.value.message == "Input for target target-2 is not a valid JSON text."


def test_a_bad_input_path_is_accepted_at_put_targets() -> None:
    validate_target_input("t", input_path="detail")


# Model constraints: reported, formatted per violation, left to the API layer to prefix and count.


def test_no_violations_for_members_within_limits() -> None:
    transformer = InputTransformer(template="x" * 8192, paths_map={"k": "$." + "a" * 254})

    assert (
        constraint_violations(input="1" * 8192, input_path="$" * 256, input_transformer=transformer)
        == []
    )


def test_lengths_are_counted_in_utf16_units_like_java() -> None:
    emoji_path = "$." + "😀" * 128  # 2 + 256 units, yet only 130 code points

    violations = constraint_violations(input_path=emoji_path)

    assert violations == [
        ConstraintViolation(
            "inputPath", emoji_path, "Member must have length less than or equal to 256"
        )
    ]


def test_each_member_limit_is_reported() -> None:
    transformer = InputTransformer(template="", paths_map={})

    violations = constraint_violations(
        input="1" * 8193, input_path="$" * 257, input_transformer=transformer
    )

    assert [(v.member, v.constraint) for v in violations] == [
        ("input", "Member must have length less than or equal to 8192"),
        ("inputPath", "Member must have length less than or equal to 256"),
        ("inputTransformer.inputTemplate", "Member must have length greater than or equal to 1"),
    ]


def test_template_longer_than_8192_is_reported() -> None:
    violations = constraint_violations(input_transformer=InputTransformer(template="x" * 8193))

    assert [(v.member, v.constraint) for v in violations] == [
        ("inputTransformer.inputTemplate", "Member must have length less than or equal to 8192")
    ]


def test_paths_map_keys_values_and_size() -> None:
    paths = {f"k{n}": "$" for n in range(100)} | {"aws.events.x": "$." + "a" * 255}

    violations = constraint_violations(
        input_transformer=InputTransformer(template="x", paths_map=paths)
    )

    assert [v.constraint for v in violations] == [
        "Member must have length less than or equal to 100",
        "Map keys must satisfy constraint: "
        "[Member must satisfy regular expression pattern: [A-Za-z0-9\\_\\-]+]",
        "Map value must satisfy constraint: [Member must have length less than or equal to 256]",
    ]
    assert {v.member for v in violations} == {"inputTransformer.inputPathsMap"}


def test_empty_and_long_keys() -> None:
    paths = {"": "$", "k" * 257: "$"}

    violations = constraint_violations(
        input_transformer=InputTransformer(template="x", paths_map=paths)
    )

    assert [v.constraint for v in violations] == [
        "Map keys must satisfy constraint: [Member must have length greater than or equal to 1, "
        "Member must have length less than or equal to 256]"
    ]


def test_violation_describes_itself_as_aws_does() -> None:
    violation = constraint_violations(
        input_transformer=InputTransformer(template="x", paths_map={"a.b": "$", "c": "$"})
    )[0]

    assert violation.describe("targets.1.member") == (
        "Value '{a.b=$, c=$}' at 'targets.1.member.inputTransformer.inputPathsMap' failed to "
        "satisfy constraint: Map keys must satisfy constraint: "
        "[Member must satisfy regular expression pattern: [A-Za-z0-9\\_\\-]+]"
    )
