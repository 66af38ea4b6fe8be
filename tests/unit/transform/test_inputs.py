"""No input, Input, InputPath, and the template quirks beyond the §6.3 table."""

from __future__ import annotations

from typing import Any

import pytest

from busway import jsontext
from busway.transform import (
    ConstantInput,
    InputTransformer,
    PathInput,
    RenderContext,
    TemplateInput,
    UndeliverableInput,
    WholeEvent,
    compile_target_input,
    render_input,
)
from tests.unit.transform.samples import EVENT_TEXT, RECORDED_DETAIL


def transform(template: str, event: Any, context: RenderContext, paths: dict[str, str]) -> str:
    target_input = compile_target_input(
        "t1", input_transformer=InputTransformer(template=template, paths_map=paths)
    )
    return render_input(target_input, event, context)


def test_no_input_member_delivers_the_whole_event_compact(
    event: dict[str, Any], context: RenderContext
) -> None:
    target_input = compile_target_input("t1")

    assert target_input == WholeEvent()
    assert render_input(target_input, event, context) == EVENT_TEXT


def test_whole_event_is_written_in_envelope_order(context: RenderContext) -> None:
    shuffled = jsontext.loads(
        '{"detail":{"b":1,"a":2},"extra":true,"resources":[],"region":"r","time":"t",'
        '"replay-name":"rp","account":"1","source":"s","detail-type":"d","id":"i","version":"0"}'
    )

    delivered = render_input(WholeEvent(), shuffled, context)

    assert delivered == (
        '{"version":"0","id":"i","detail-type":"d","source":"s","account":"1","time":"t",'
        '"region":"r","replay-name":"rp","resources":[],"detail":{"b":1,"a":2},"extra":true}'
    )


@pytest.mark.parametrize(
    "text", ['{"a" : 1.50}', "[1, 2]", '"just a string"', "12345678901234567890123", "null"]
)
def test_constant_input_is_delivered_verbatim(
    text: str, event: dict[str, Any], context: RenderContext
) -> None:
    target_input = compile_target_input("t1", input=text)

    assert target_input == ConstantInput(text)
    assert render_input(target_input, event, context) == text


@pytest.mark.parametrize(
    ("path", "delivered"),
    [
        ("$.detail", RECORDED_DETAIL),
        ("$.detail.payload", '{"acc_id":"0a787ecb-4015","sf_id":"baz"}'),
        ("$.detail.payload.sf_id", '"baz"'),  # recorded: a string leaf keeps its quotes
        ("$.detail.valid", "true"),
        ("$.detail.listmulti[1]", '"INACTIVE"'),
        ("$['detail']['payload']['acc_id']", '"0a787ecb-4015"'),
        ("$", EVENT_TEXT),
    ],
)
def test_input_path_delivers_the_selected_json(
    path: str, delivered: str, event: dict[str, Any], context: RenderContext
) -> None:
    target_input = compile_target_input("t1", input_path=path)

    assert isinstance(target_input, PathInput)
    assert render_input(target_input, event, context) == delivered


@pytest.mark.parametrize("path", ["$.detail.nothere", "$.resources[0]", "detail", "$..x"])
def test_input_path_selecting_nothing_delivers_nothing(
    path: str, event: dict[str, Any], context: RenderContext
) -> None:
    target_input = compile_target_input("t1", input_path=path)

    with pytest.raises(UndeliverableInput, match="selects nothing"):
        render_input(target_input, event, context)


def test_numbers_keep_every_digit(context: RenderContext) -> None:
    event = jsontext.loads(
        '{"detail":{"big":123456789012345678901234567890,"long":0.1000000000000000000000000001,'
        '"exp":1E+400,"neg":-9223372036854775809}}'
    )
    paths = {"big": "$.detail.big", "long": "$.detail.long", "exp": "$.detail.exp"}

    as_json = transform('{"b": <big>, "l": <long>, "e": <exp>}', event, context, paths)
    as_text = transform('"<big> <long>"', event, context, paths)
    selected = render_input(compile_target_input("t", input_path="$.detail"), event, context)

    assert as_json == (
        '{"b": 123456789012345678901234567890, "l": 0.1000000000000000000000000001, "e": 1E+400}'
    )
    assert as_text == '"123456789012345678901234567890 0.1000000000000000000000000001"'
    assert selected == (
        '{"big":123456789012345678901234567890,"long":0.1000000000000000000000000001,'
        '"exp":1E+400,"neg":-9223372036854775809}'
    )


def test_unicode_and_odd_keys_pass_through(context: RenderContext) -> None:
    event = jsontext.loads('{"detail":{"a/b":"été ☃","x-y":{"ключ":"值"}}}')
    paths = {"slash": "$.detail.a/b", "dash": "$.detail.x-y"}

    delivered = transform('{"s": <slash>, "d": <dash>, "t": "<slash>"}', event, context, paths)

    assert delivered == '{"s": "été ☃", "d": {"ключ":"值"}, "t": "été ☃"}'


def test_bare_strings_are_escaped_but_quoted_ones_are_not(context: RenderContext) -> None:
    event = {"detail": {"q": 'say "hi"\\'}}
    paths = {"q": "$.detail.q"}

    assert transform('{"bare": <q>}', event, context, paths) == r'{"bare": "say \"hi\"\\"}'
    assert transform('"text <q>"', event, context, paths) == '"text say "hi"\\"'
    with pytest.raises(UndeliverableInput):
        transform('{"quoted": "<q>"}', event, context, paths)


def test_scalars_inside_json_strings_are_their_json_text(context: RenderContext) -> None:
    event = {"detail": {"n": 5, "f": False, "z": None}}
    paths = {"n": "$.detail.n", "f": "$.detail.f", "z": "$.detail.z"}

    delivered = transform('{"s": "<n>/<f>/<z>", "v": [<n>, <f>, <z>]}', event, context, paths)

    assert delivered == '{"s": "5/false/null", "v": [5, false, null]}'


def test_a_json_null_is_not_a_missing_value(context: RenderContext) -> None:
    event = {"detail": {"z": None}}

    assert transform('{"z": <z>}', event, context, {"z": "$.detail.z"}) == '{"z": null}'
    assert transform('"z=<z>"', event, context, {"z": "$.detail.z"}) == '"z=null"'


def test_flattening_is_recursive(context: RenderContext) -> None:
    event = {"detail": {"o": {"a": [1, {"b": "c"}], "d": None}}}

    assert transform('"<o>"', event, context, {"o": "$.detail.o"}) == '"{a:[1,{b:c}],d:null}"'


def test_escaped_quotes_do_not_end_a_string(event: dict[str, Any], context: RenderContext) -> None:
    paths = {"userId": "$.detail.payload.acc_id"}

    delivered = transform(r'{"m": "a \"<userId>\" b", "v": <userId>}', event, context, paths)

    assert delivered == r'{"m": "a \"0a787ecb-4015\" b", "v": "0a787ecb-4015"}'


def test_angle_text_that_cannot_be_a_name_is_literal(
    event: dict[str, Any], context: RenderContext
) -> None:
    delivered = transform('"1 < 2 and <no way> > <v>"', event, context, {"v": "$.detail.valid"})

    assert delivered == '"1 < 2 and <no way> > true"'


def test_string_template_need_not_be_quoted(event: dict[str, Any], context: RenderContext) -> None:
    assert transform("<aws.events.rule-name> triggered", event, context, {}) == (
        "my-rule triggered"
    )


def test_array_templates_are_json_templates(event: dict[str, Any], context: RenderContext) -> None:
    delivered = transform('  [<v>, "<v>"]', event, context, {"v": "$.detail.command"})

    assert delivered == '  ["update-account", "update-account"]'


def test_paths_outside_the_subset_never_match(
    event: dict[str, Any], context: RenderContext
) -> None:
    paths = {"bad": "detail.command", "worse": "$..command"}

    assert transform('{"a": <bad>, "b": "<worse>"}', event, context, paths) == (
        '{"a": "", "b": ""}'
    )


def test_wildcard_paths_insert_the_list_of_matches(context: RenderContext) -> None:
    event = {"detail": {"items": [{"id": "a"}, {"id": "b"}, {}]}}
    paths = {"ids": "$.detail.items[*].id"}

    assert transform('{"ids": <ids>}', event, context, paths) == '{"ids": ["a","b"]}'
    assert transform('"ids <ids>"', event, context, paths) == '"ids [a,b]"'


def test_broken_json_template_delivers_nothing(
    event: dict[str, Any], context: RenderContext
) -> None:
    with pytest.raises(UndeliverableInput, match="invalid JSON"):
        transform('{"a": <v>', event, context, {"v": "$.detail.valid"})


def test_placeholder_used_as_a_key_works_only_for_string_values(context: RenderContext) -> None:
    paths = {"k": "$.detail.k"}

    assert transform("{<k>: 1}", {"detail": {"k": "name"}}, context, paths) == '{"name": 1}'
    with pytest.raises(UndeliverableInput):
        transform("{<k>: 1}", {"detail": {"k": 7}}, context, paths)


def test_compiled_template_is_reused_across_events(context: RenderContext) -> None:
    target_input = compile_target_input(
        "t1", input_transformer=InputTransformer(template='"<v>"', paths_map={"v": "$.v"})
    )

    assert isinstance(target_input, TemplateInput)
    assert [render_input(target_input, {"v": n}, context) for n in (1, 2)] == ['"1"', '"2"']
