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
