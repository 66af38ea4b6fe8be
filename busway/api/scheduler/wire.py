"""Member constraints (botocore's ``scheduler`` model) and encodings the operations share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, TypeVar

from busway.api.request import Request
from busway.service.paging import Page

__all__ = [
    "CLIENT_TOKEN",
    "GROUP_NAME",
    "NAME",
    "epoch",
    "optional",
    "read_max_results",
    "read_next_token",
    "required",
    "tags_out",
    "with_next_token",
]

T = TypeVar("T")

NAME: Final = r"[0-9a-zA-Z-_.]+"  # schedule names and prefixes
GROUP_NAME: Final = r"[0-9a-zA-Z-_.]+"
CLIENT_TOKEN: Final = r"[a-zA-Z0-9-_]+"  # noqa: S105 - a pattern, not a secret


def required(value: T | None) -> T:
    """A required member once ``Request.check()`` has passed, so it cannot be missing."""
    if value is None:
        raise AssertionError("a required member is missing after Request.check()")
    return value


def read_next_token(query: Request) -> str | None:
    return query.string("NextToken", min_len=1, max_len=2048)


def read_max_results(query: Request) -> int | None:
    """``MaxResults`` (1-100), a query parameter: a number written as text."""
    text = query.string("MaxResults")
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        query.violations.add(text, "maxResults", "Member must be an integer")
        return None
    if value < 1:
        query.violations.add(
            value, "maxResults", "Member must have value greater than or equal to 1"
        )
    if value > 100:
        query.violations.add(
            value, "maxResults", "Member must have value less than or equal to 100"
        )
    return value


def epoch(moment: datetime) -> int | float:
    """A rest-json timestamp: epoch seconds, fractional only when it has to be."""
    if moment.microsecond == 0:
        return int(moment.timestamp())
    return round(moment.timestamp(), 3)


def optional(**members: Any) -> dict[str, Any]:
    """The members that are set: AWS leaves unset members out rather than sending null."""
    return {name: value for name, value in members.items() if value is not None}


def with_next_token(body: dict[str, Any], page: Page[Any]) -> dict[str, Any]:
    if page.next_token is not None:
        body["NextToken"] = page.next_token
    return body


def tags_out(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]
