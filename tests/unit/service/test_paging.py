from __future__ import annotations

import base64

import pytest

from busway.errors import ValidationError
from busway.service.paging import Page, decode_token, encode_token, page_of


def test_token_round_trips() -> None:
    assert decode_token(encode_token("rule-07")) == "rule-07"
    assert decode_token(None) is None


@pytest.mark.parametrize(
    "token",
    [
        "!!!",
        "é",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b'["after"]').decode(),
        base64.urlsafe_b64encode(b'{"after": 3}').decode(),
    ],
)
def test_forged_tokens_are_refused(token: str) -> None:
    with pytest.raises(ValidationError, match=r"^The NextToken provided is not valid\.$"):
        decode_token(token)


def test_page_of_uses_the_extra_item_to_see_more() -> None:
    assert page_of(["a", "b"], 2, str) == Page(["a", "b"])
    page = page_of(["a", "b", "c"], 2, str)
    assert page.items == ["a", "b"]
    assert page.next_token is not None
    assert decode_token(page.next_token) == "b"
