"""Rendering, case by case against what AWS recorded (spec §6.3, LocalStack AWS snapshots)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from busway import jsontext
from busway.transform import (
    InputTransformer,
    RenderContext,
    UndeliverableInput,
    compile_target_input,
    render_input,
)
from tests.unit.transform.samples import EVENT_TEXT, RULE_ARN

TABLE_PATHS = {
    "userId": "$.detail.payload.acc_id",
    "payload": "$.detail.payload",
    "listsingle": "$.detail.listsingle",
    "listmulti": "$.detail.listmulti",
    "valid": "$.detail.valid",
    "command": "$.detail.notinmessage",
    "detail-type": "$.detail-type",
}

RECORDED_PATHS = {
    "detail-type": "$.detail-type",
    "timestamp": "$.time",
    "command": "$.detail.command",
}


def transform(
    template: str, event: dict[str, Any], context: RenderContext, paths: dict[str, str]
) -> str:
    target_input = compile_target_input(
        "t1", input_transformer=InputTransformer(template=template, paths_map=paths)
    )
    return render_input(target_input, event, context)


# (template, exact delivered text, the table's rendering of it). The table shows what the
# recorded body parses to; AWS delivers the template's own text with the values substituted.
JSON_TEMPLATE_ROWS = [
    ('{"id" : <userId>}', '{"id" : "0a787ecb-4015"}', '{"id": "0a787ecb-4015"}'),
    ('{"id" : "<userId>"}', '{"id" : "0a787ecb-4015"}', '{"id": "0a787ecb-4015"}'),
    (
        '{"bod": <payload>}',
        '{"bod": {"acc_id":"0a787ecb-4015","sf_id":"baz"}}',
        '{"bod": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}',
    ),
    (
        '{"bod": [<userId>, "hardcoded"]}',
        '{"bod": ["0a787ecb-4015", "hardcoded"]}',
        '{"bod": ["0a787ecb-4015", "hardcoded"]}',
    ),
    (
        '{"singlelistitem": <listsingle>}',
        '{"singlelistitem": ["HIGH"]}',
        '{"singlelistitem": ["HIGH"]}',
    ),
    (
        '{"m": "users/<userId>/second/<userId>"}',
        '{"m": "users/0a787ecb-4015/second/0a787ecb-4015"}',
        '{"m": "users/0a787ecb-4015/second/0a787ecb-4015"}',
    ),
    ('{"command": <command>}', '{"command": ""}', '{"command": ""}'),
]


@pytest.mark.parametrize(("template", "exact", "table"), JSON_TEMPLATE_ROWS)
def test_json_template_rows_of_the_table(
    template: str, exact: str, table: str, event: dict[str, Any], context: RenderContext
) -> None:
    delivered = transform(template, event, context, TABLE_PATHS)

    assert delivered == exact
    assert json.loads(delivered) == json.loads(table)


@pytest.mark.parametrize(
    "template",
    [
        '{"payload": "<payload>"}',
        '{"x": "<listsingle>"}',
        '{"not_valid": "users-service/users/<payload>", "bod": <payload>}',
    ],
)
def test_object_or_array_inside_quotes_delivers_nothing(
    template: str, event: dict[str, Any], context: RenderContext
) -> None:
    with pytest.raises(UndeliverableInput):
        transform(template, event, context, TABLE_PATHS)


# String templates are delivered as written, outer quotes included (recorded bodies such as
# "\"Event of ... \"" and the table's note "delivered as that JSON string").
STRING_TEMPLATE_ROWS = [
    (
        '"Payload of <payload> ..."',
        '"Payload of {acc_id:0a787ecb-4015,sf_id:baz} ..."',
    ),
    ('"<listmulti> multiple list items"', '"[ACTIVE,INACTIVE] multiple list items"'),
    ('"<listsingle> single"', '"[HIGH] single"'),
    ('"Command is <valid>!"', '"Command is true!"'),
    ('"Missing: [<command>]"', '"Missing: []"'),
    (
        '"{[/Check with special starting characters for event of <detail-type> type"',
        '"{[/Check with special starting characters for event of core.update-account-command type"',
    ),
]


@pytest.mark.parametrize(("template", "exact"), STRING_TEMPLATE_ROWS)
def test_string_template_rows_of_the_table(
    template: str, exact: str, event: dict[str, Any], context: RenderContext
) -> None:
    assert transform(template, event, context, TABLE_PATHS) == exact


def test_recorded_string_template_with_all_paths_present(
    event: dict[str, Any], context: RenderContext
) -> None:
    template = (
        '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"'
    )

    delivered = transform(template, event, context, RECORDED_PATHS)

    assert delivered == (
        '"Event of core.update-account-command type, at time 2024-06-11T08:33:10Z, '
        'info extracted from detail update-account"'
    )


def test_recorded_string_template_with_a_path_missing(
    event: dict[str, Any], context: RenderContext
) -> None:
    template = (
        '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"'
    )
    paths = {**RECORDED_PATHS, "command": "$.detail.notinmessage"}

    delivered = transform(template, event, context, paths)

    assert delivered == (
        '"Event of core.update-account-command type, at time 2024-06-11T08:33:10Z, '
        'info extracted from detail "'
    )


def test_recorded_json_template_keeps_the_template_text(
    event: dict[str, Any], context: RenderContext
) -> None:
    template = '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}'

    present = transform(template, event, context, RECORDED_PATHS)
    missing = transform(
        template, event, context, {**RECORDED_PATHS, "command": "$.detail.notinmessage"}
    )

    assert present == (
        '{"detailType": "core.update-account-command",  "time": "2024-06-11T08:33:10Z", '
        '"command": "update-account"}'
    )
    assert missing == (
        '{"detailType": "core.update-account-command",  "time": "2024-06-11T08:33:10Z", '
        '"command": ""}'
    )


def test_predefined_string_placeholders(event: dict[str, Any], context: RenderContext) -> None:
    template = (
        '"Message containing all pre defined variables <aws.events.rule-arn> '
        '<aws.events.rule-name> <aws.events.event.ingestion-time>"'
    )

    delivered = transform(template, event, context, {})

    assert delivered == (
        f'"Message containing all pre defined variables {RULE_ARN} my-rule 2024-06-11T08:33:12Z"'
    )


def test_predefined_string_placeholders_are_quoted_in_json_values(
    event: dict[str, Any], context: RenderContext
) -> None:
    template = '{"arn": <aws.events.rule-arn>, "name": "<aws.events.rule-name>"}'

    delivered = transform(template, event, context, {})

    assert delivered == f'{{"arn": "{RULE_ARN}", "name": "my-rule"}}'


def test_predefined_event_placeholders(event: dict[str, Any], context: RenderContext) -> None:
    template = '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}'

    delivered = transform(template, event, context, {})

    # Recorded: no detail, detail-type renamed detailType, this key order, time = ingestion time.
    original_event = (
        '{"id":"1b9e6d2a-7a7e-4c3b-9a55-0f2b7e0c1d11","account":"111111111111",'
        '"detailType":"core.update-account-command","time":"2024-06-11T08:33:12.345Z",'
        '"source":"core.update-account-command","region":"us-east-1","resources":[],'
        '"version":"0"}'
    )
    assert delivered == (
        f'{{"originalEvent": {original_event}, "originalEventJson": {EVENT_TEXT}}}'
    )


def test_predefined_event_view_keeps_unknown_envelope_keys(context: RenderContext) -> None:
    event = jsontext.loads(
        '{"version":"0","id":"e","detail-type":"t","source":"s","account":"1","time":"x",'
        '"region":"r","replay-name":"rp","resources":["a"],"detail":{"k":1}}'
    )

    delivered = transform("[<aws.events.event>]", event, context, {})

    assert delivered == (
        '[{"id":"e","account":"1","detailType":"t","time":"2024-06-11T08:33:12.345Z",'
        '"source":"s","region":"r","resources":["a"],"replay-name":"rp","version":"0"}]'
    )


def test_ingestion_time_is_written_in_utc(event: dict[str, Any]) -> None:
    plus_two = timezone(timedelta(hours=2))
    context = RenderContext(RULE_ARN, "my-rule", datetime(2024, 1, 1, 2, 0, 5, tzinfo=plus_two))

    assert transform('"<aws.events.event.ingestion-time>"', event, context, {}) == (
        '"2024-01-01T00:00:05Z"'
    )


def test_naive_ingestion_time_is_taken_as_utc(event: dict[str, Any]) -> None:
    context = RenderContext(RULE_ARN, "my-rule", datetime(2024, 1, 1, 0, 0, 5))

    assert transform('"<aws.events.event.ingestion-time>"', event, context, {}) == (
        '"2024-01-01T00:00:05Z"'
    )


def test_a_template_past_what_any_target_takes_delivers_nothing(
    context: RenderContext,
) -> None:
    # 2,000 copies of a 300 KB detail: 600 MB if rendered; refused once past the limit.
    event = {"detail": {"blob": "x" * 300_000}}
    template = '{"copies": [' + ",".join(["<d>"] * 2000) + "]}"
    with pytest.raises(UndeliverableInput, match="renders more than 2097152 characters"):
        transform(template, event, context, {"d": "$.detail"})
    few = transform('{"copies": [<d>,<d>,<d>]}', event, context, {"d": "$.detail"})
    assert json.loads(few) == {"copies": [event["detail"]] * 3}
    # The same placeholder as a JSON value and inside a string is written once in each form.
    both = transform('{"v": <s>, "t": "id <s>", "w": <s>}', event, context, {"s": "$.detail.blob"})
    assert json.loads(both) == {"v": "x" * 300_000, "t": "id " + "x" * 300_000, "w": "x" * 300_000}
