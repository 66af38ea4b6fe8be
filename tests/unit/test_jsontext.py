from __future__ import annotations

from decimal import Decimal

import pytest

from busway import jsontext


def test_big_integers_survive_a_round_trip() -> None:
    text = '{"n":123456789012345678901234567890}'
    assert jsontext.dumps(jsontext.loads(text)) == text


def test_long_decimals_keep_every_digit() -> None:
    value = jsontext.loads('{"x":37.807807921694092}')
    assert value["x"] == Decimal("37.807807921694092")
    assert jsontext.dumps(value) == '{"x":37.807807921694092}'


def test_duplicate_keys_last_wins() -> None:
    assert jsontext.loads('{"a":1,"a":2}') == {"a": 2}


def test_malformed_text_raises() -> None:
    with pytest.raises(jsontext.JSONDecodeError):
        jsontext.loads("{{}")


def _nested(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def test_max_depth_takes_that_many_levels_and_no_more() -> None:
    assert jsontext.loads(_nested(1000), max_depth=1000) is not None
    assert jsontext.loads("[" * 1000 + "]" * 1000, max_depth=1000) is not None
    with pytest.raises(jsontext.JSONDecodeError, match="deeper than 1000 levels"):
        jsontext.loads(_nested(1001), max_depth=1000)
    with pytest.raises(jsontext.JSONDecodeError):
        jsontext.loads(b"[" * 1001 + b"]" * 1001, max_depth=1000)


def test_brackets_inside_strings_are_not_levels() -> None:
    text = '{"a":"' + "{[" * 800 + '\\"{"}'
    assert jsontext.loads(text, max_depth=1) == {"a": "{[" * 800 + '"{'}


def test_text_nested_beyond_the_decoder_is_malformed_not_a_crash() -> None:
    with pytest.raises(jsontext.JSONDecodeError):
        jsontext.loads(_nested(100_000))
