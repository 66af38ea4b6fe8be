"""Members several events operations share: their constraints (botocore's service model) and
their translation between the wire and the domain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, TypeVar

from busway.api.request import Request
from busway.model import LogConfig
from busway.service.buses import DEFAULT_BUS, bus_name_of
from busway.service.paging import Page

__all__ = [
    "NAME_CHARS",
    "checked",
    "epoch",
    "log_config_out",
    "optional",
    "read_bus_name",
    "read_bus_name_or_arn",
    "read_dead_letter_arn",
    "read_limit",
    "read_log_config",
    "read_next_token",
    "read_rule_name",
    "read_tags",
    "tags_out",
    "with_next_token",
]

T = TypeVar("T")

# Characters of rule, target and non-partner bus names ([\.\-_A-Za-z0-9]+).
NAME_CHARS: Final = r"[\.\-_A-Za-z0-9]+"
# EventBusName: custom and partner bus names (partner names contain '/').
_BUS_NAME: Final = r"[/\.\-_A-Za-z0-9]+"
_BUS_NAME_OR_ARN: Final = (
    r"(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/\.\-_A-Za-z0-9]+"
)
_LOG_INCLUDE_DETAIL: Final = ("NONE", "FULL")
_LOG_LEVEL: Final = ("OFF", "ERROR", "INFO", "TRACE")


def read_bus_name_or_arn(request: Request, member: str = "EventBusName") -> str:
    """The bus an operation addresses by name or ARN; the default bus when left out."""
    value = request.string(member, min_len=1, max_len=1600, pattern=_BUS_NAME_OR_ARN)
    return DEFAULT_BUS if value is None else bus_name_of(value)


def read_bus_name(request: Request, member: str, *, required: bool = False) -> str | None:
    """An ``EventBusName`` member, which takes a name only."""
    return request.string(member, required=required, min_len=1, max_len=256, pattern=_BUS_NAME)


def checked(value: T | None) -> T:
    """A required member once ``Request.check()`` has passed, so it cannot be missing."""
    if value is None:
        raise AssertionError("a required member is missing after Request.check()")
    return value


def read_rule_name(request: Request, member: str) -> str | None:
    """A required rule name (``Name`` or, for target operations, ``Rule``)."""
    return request.string(member, required=True, min_len=1, max_len=64, pattern=NAME_CHARS)


def read_next_token(request: Request) -> str | None:
    return request.string("NextToken", min_len=1, max_len=2048)


def read_limit(request: Request) -> int | None:
    return request.integer("Limit", min_value=1, max_value=100)


def read_tags(request: Request, *, required: bool = False) -> dict[str, str] | None:
    """A TagList as a mapping; a key given twice keeps its last value."""
    if request.body.get("Tags") is None:
        request.array("Tags", required=required)
        return None
    tags: dict[str, str] = {}
    for item in request.structs("Tags"):
        key = item.string("Key", required=True, min_len=1, max_len=128)
        value = item.string("Value", required=True, min_len=0, max_len=256)
        if key is not None and value is not None:
            tags[key] = value
    return tags


def read_dead_letter_arn(request: Request) -> str | None:
    config = request.struct("DeadLetterConfig")
    return None if config is None else config.string("Arn", min_len=1, max_len=1600)


def read_log_config(request: Request) -> LogConfig | None:
    config = request.struct("LogConfig")
    if config is None:
        return None
    return LogConfig(
        include_detail=config.string("IncludeDetail", enum=_LOG_INCLUDE_DETAIL),
        level=config.string("Level", enum=_LOG_LEVEL),
    )


def log_config_out(config: LogConfig) -> dict[str, Any]:
    return optional(IncludeDetail=config.include_detail, Level=config.level)


def tags_out(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def epoch(moment: datetime) -> int | float:
    """A timestamp as AWS sends it: epoch seconds, fractional only when it has to be."""
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


# HTTP header members (targets' HttpParameters, connections' InvocationHttpParameters). The
# model's value pattern has overlapping alternatives (a space matches both), which makes a
# regular-expression engine backtrack exponentially on a long failing value: it is reported as
# AWS reports it, but checked by the equivalent ``header_value_fits``.
HEADER_KEY_PATTERN: Final = r"^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$"
HEADER_VALUE_PATTERN: Final = r"^[ \t]*[\x20-\x7E]+([ \t]+[\x20-\x7E]+)*[ \t]*$"


def header_value_fits(value: str) -> bool:
    """``HEADER_VALUE_PATTERN``: printable ASCII and tabs, and not only tabs."""
    return all(char == "\t" or " " <= char <= "~" for char in value) and value.strip("\t") != ""
