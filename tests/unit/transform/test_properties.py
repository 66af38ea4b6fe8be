"""Properties that hold for every event and value, not just the recorded ones."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from busway import jsontext
from busway.transform import (
    InputTransformer,
    RenderContext,
    WholeEvent,
    compile_target_input,
    render_input,
)
from tests.unit.transform.samples import RULE_ARN

CONTEXT = RenderContext(RULE_ARN, "my-rule", datetime(2024, 6, 11, tzinfo=UTC))

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.decimals(allow_nan=False, allow_infinity=False, places=12).filter(
        lambda d: d != d.to_integral_value()  # integral decimals come back as int
    )
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
plain_text = st.text(alphabet=string.ascii_letters + string.digits + " -_/.:", max_size=30)


def make_event(detail: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "e",
        "detail-type": "t",
        "source": "s",
        "account": "111111111111",
        "time": "2024-06-11T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"v": detail},
    }


def same_json(left: str, right: str) -> bool:
    # Decimal compares by value, so 1.10 and 1.1 agree; the text itself is compared elsewhere.
    return bool(jsontext.loads(left) == jsontext.loads(right))


@given(json_values, json_values)
def test_constant_input_round_trips_whatever_the_event(constant: Any, detail: Any) -> None:
    text = jsontext.dumps(constant)

    rendered = render_input(compile_target_input("t", input=text), make_event(detail), CONTEXT)

    assert rendered == text


@given(json_values)
def test_input_path_dollar_equals_the_whole_event(detail: Any) -> None:
    event = make_event(detail)

    by_path = render_input(compile_target_input("t", input_path="$"), event, CONTEXT)

    assert by_path == render_input(WholeEvent(), event, CONTEXT)


@given(json_values)
def test_input_path_selects_the_value_text_unchanged(detail: Any) -> None:
    rendered = render_input(
        compile_target_input("t", input_path="$.detail.v"), make_event(detail), CONTEXT
    )

    assert rendered == jsontext.dumps(detail)


@given(json_values)
def test_bare_placeholder_in_json_template_always_yields_json(detail: Any) -> None:
    transformer = InputTransformer(template='{"v" : <v>}', paths_map={"v": "$.detail.v"})

    rendered = render_input(
        compile_target_input("t", input_transformer=transformer), make_event(detail), CONTEXT
    )

    assert same_json(rendered, jsontext.dumps({"v": detail}))


@given(plain_text, plain_text)
def test_plain_strings_are_spliced_into_string_templates(prefix: str, value: str) -> None:
    transformer = InputTransformer(template=f'"{prefix}<v>!"', paths_map={"v": "$.detail.v"})

    rendered = render_input(
        compile_target_input("t", input_transformer=transformer), make_event(value), CONTEXT
    )

    assert rendered == f'"{prefix}{value}!"'


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_numbers_are_written_back_as_read(number: Decimal) -> None:
    text = f'{{"detail":{{"v":{number}}}}}'
    event = jsontext.loads(text)

    rendered = render_input(compile_target_input("t", input_path="$.detail.v"), event, CONTEXT)

    assert jsontext.loads(rendered) == number
