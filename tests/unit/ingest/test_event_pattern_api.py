"""TestEventPattern through the in-process App."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from busway.api.app import App
from busway.patterns import InvalidEventPattern, matches
from tests.support.asgi import call

from .harness import Harness
from .wire import AwsError, boto_call, events_app

EVENT = {
    "id": "1",
    "account": "123456789012",
    "source": "my.app",
    "time": "2024-01-02T03:04:05Z",
    "region": "us-east-1",
    "detail-type": "Order Placed",
    "detail": {"amount": 250, "big": 123456789012345678901234567890},
}
# From conformance/test-event-pattern/invalid-events.jsonl (recorded against AWS, 2024-12):
# a plain string, a JSON array, and an object without the envelope's fields.
PATTERN = {"body": {"test2": [{"numeric": [">", 100]}]}}
INVALID_EVENTS = {
    "plain_string_event": "plain string",
    "array_event": json.dumps(["plain string"]),
    "event_missing_mandatory_fields": json.dumps({"testEvent": "value"}),
}


@pytest.fixture
def app() -> App:
    return events_app(Harness().service)


def try_on(app: App, pattern: Any, event: Any) -> dict[str, Any]:
    text = pattern if isinstance(pattern, str) else json.dumps(pattern)
    event_text = event if isinstance(event, str) else json.dumps(event)
    return boto_call(app, "TestEventPattern", {"EventPattern": text, "Event": event_text})


@pytest.mark.parametrize(
    ("pattern", "result"),
    [
        ({"source": ["my.app"]}, True),
        ({"source": ["other.app"]}, False),
        ({"detail": {"amount": [{"numeric": [">", 100]}]}}, True),
        ({"detail": {"big": [123456789012345678901234567890]}}, True),
        ({"detail-type": [{"prefix": "Order"}], "region": ["us-east-1"]}, True),
    ],
)
def test_result(app: App, pattern: dict[str, Any], result: bool) -> None:
    assert try_on(app, pattern, EVENT) == {"Result": result}


def test_any_top_level_key_of_the_event_can_be_matched(app: App) -> None:
    event = {**EVENT, "extra": {"k": "v"}}
    assert try_on(app, {"extra": {"k": ["v"]}}, event) == {"Result": True}


def test_resources_are_not_required(app: App) -> None:
    assert "resources" not in EVENT
    assert try_on(app, {"source": ["my.app"]}, EVENT) == {"Result": True}


@pytest.mark.parametrize("name", INVALID_EVENTS)
def test_invalid_events_recorded_against_aws(app: App, name: str) -> None:
    with pytest.raises(AwsError) as caught:
        try_on(app, PATTERN, INVALID_EVENTS[name])
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        400,
        "ValidationException",
        "Parameter Event is not valid.",
    )


@pytest.mark.parametrize("field", ["id", "account", "source", "time", "region", "detail-type"])
def test_each_envelope_field_is_required(app: App, field: str) -> None:
    event = {k: v for k, v in EVENT.items() if k != field}
    with pytest.raises(AwsError, match=r": Parameter Event is not valid\.$"):
        try_on(app, {"source": ["my.app"]}, event)


@pytest.mark.parametrize("event", ["{", "", "null", "42"])
def test_event_that_is_not_a_json_object(app: App, event: str) -> None:
    with pytest.raises(AwsError, match=r": Parameter Event is not valid\.$"):
        try_on(app, {"source": ["my.app"]}, event)


@pytest.mark.parametrize(
    "pattern", ['{"source": "my.app"}', "[1]", '{"source": [{"prefix": 1}]}', "{'a': 1}"]
)
def test_invalid_pattern_carries_the_engines_full_message(app: App, pattern: str) -> None:
    with pytest.raises(InvalidEventPattern) as engine:
        matches(pattern, EVENT)
    with pytest.raises(AwsError) as caught:
        try_on(app, pattern, EVENT)
    assert (caught.value.status, caught.value.code) == (400, "InvalidEventPatternException")
    assert caught.value.message == engine.value.message


def test_the_event_is_judged_before_the_pattern(app: App) -> None:
    with pytest.raises(AwsError) as caught:
        try_on(app, "[1]", "plain string")
    assert caught.value.code == "ValidationException"


def test_both_members_are_required(app: App) -> None:
    status, answer = asyncio.run(call(app, "TestEventPattern", {}))
    assert status == 400
    assert answer == {
        "__type": "ValidationException",
        "message": "2 validation errors detected: "
        "Value null at 'eventPattern' failed to satisfy constraint: Member must not be null; "
        "Value null at 'event' failed to satisfy constraint: Member must not be null",
    }


def test_pattern_text_is_capped_at_4096_characters(app: App) -> None:
    pattern = '{"source": ["' + "a" * 4081 + '"]}'
    assert len(pattern) == 4097
    status, answer = asyncio.run(
        call(app, "TestEventPattern", {"EventPattern": pattern, "Event": json.dumps(EVENT)})
    )
    assert status == 400
    assert answer["message"].endswith(
        "at 'eventPattern' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096"
    )
