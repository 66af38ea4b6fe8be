"""Opaque NextTokens for the list operations, over the store's keyset paging.

A token is the last name (or id) of the page just returned, as URL-safe base64 of a small JSON
object; the next page starts strictly after it. It never expires: a name is a stable position
even when resources come and go between calls, which is all botocore's paginators need.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from busway import jsontext
from busway.errors import ValidationError

__all__ = ["DEFAULT_PAGE_SIZE", "Page", "decode_token", "encode_token", "page_of"]

T = TypeVar("T")

# What a list operation returns when the caller sets no Limit (AWS's maximum Limit).
DEFAULT_PAGE_SIZE: Final = 100
_INVALID = "The NextToken provided is not valid."


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None = None


def encode_token(after: str) -> str:
    return base64.urlsafe_b64encode(jsontext.dumpb({"after": after})).decode("ascii")


def decode_token(token: str | None) -> str | None:
    """The position a token stands for; None for no token. Raises ValidationError if forged."""
    if token is None:
        return None
    try:
        value = jsontext.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValidationError(_INVALID) from None
    after = value.get("after") if isinstance(value, dict) else None
    if not isinstance(after, str):
        raise ValidationError(_INVALID)
    return after


def page_of(fetched: Sequence[T], limit: int, key: Callable[[T], str]) -> Page[T]:
    """A page from up to ``limit + 1`` items in order: the extra one says more remain."""
    if len(fetched) <= limit:
        return Page(list(fetched))
    items = list(fetched[:limit])
    return Page(items, encode_token(key(items[-1])))
