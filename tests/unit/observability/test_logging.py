"""The JSON log formatter and configure_logging."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from datetime import datetime

import pytest

from busway.config import ConfigError
from busway.observability import JsonFormatter, configure_logging


def line(record: logging.LogRecord) -> dict[str, object]:
    text = JsonFormatter().format(record)
    assert "\n" not in text
    parsed: dict[str, object] = json.loads(text)
    return parsed


def make(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("busway.test", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_a_record_is_one_json_object_with_time_level_logger_and_message() -> None:
    record = make("delivered %d of %s", 3, "q")
    record.created = 1_700_000_000.25
    assert line(record) == {
        "time": "2023-11-14T22:13:20.250Z",
        "level": "WARNING",
        "logger": "busway.test",
        "message": "delivered 3 of q",
    }


@pytest.mark.parametrize(
    ("created", "time"),
    [
        (1_700_000_000.9999996, "2023-11-14T22:13:21.000Z"),  # rounds into the next second
        (1_700_000_000.9995, "2023-11-14T22:13:20.999Z"),
        (1_335_348_760.0079994, "2012-04-25T10:12:40.007Z"),
        (0.0, "1970-01-01T00:00:00.000Z"),
    ],
)
def test_the_time_is_the_records_instant_in_utc_milliseconds(created: float, time: str) -> None:
    record = make("m")
    record.created = created
    assert line(record)["time"] == time


def test_extra_fields_become_top_level_keys() -> None:
    parsed = line(make("failed", event_id="e-1", attempt=2, error_message=None))
    assert parsed["event_id"] == "e-1"
    assert parsed["attempt"] == 2
    assert parsed["error_message"] is None


def test_a_value_json_cannot_hold_is_written_as_text() -> None:
    parsed = line(make("odd", thing=object(), when=datetime(2024, 1, 2)))
    assert str(parsed["thing"]).startswith("<object object")
    assert parsed["message"] == "odd"


def test_newlines_and_quotes_in_a_message_stay_inside_the_line() -> None:
    assert line(make('a "quoted"\nsecond line'))["message"] == 'a "quoted"\nsecond line'


def test_an_exception_is_included_with_its_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "busway.test", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    exception = str(line(record)["exception"])
    assert exception.startswith("Traceback")
    assert "ValueError: boom" in exception


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_writes_json_at_the_configured_level() -> None:
    stream = io.StringIO()
    configure_logging("warning", "json", stream)
    logging.getLogger("busway.test").info("hidden")
    logging.getLogger("busway.test").warning("shown", extra={"rule_arn": "arn:r"})
    [written] = stream.getvalue().splitlines()
    assert json.loads(written)["rule_arn"] == "arn:r"


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_writes_text_when_asked() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "text", stream)
    logging.getLogger("busway.test").info("plain words")
    assert stream.getvalue().rstrip().endswith("INFO busway.test plain words")


def test_an_unknown_format_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="log_format must be one of json, text, got 'xml'"):
        configure_logging("INFO", "xml")
