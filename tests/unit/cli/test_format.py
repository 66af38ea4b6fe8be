"""What the client commands print: event lines, tables, progress."""

from __future__ import annotations

import io

from busway.cli.events import format_event_line
from busway.cli.queues import queue_rows
from busway.cli.rules import pattern_text, rule_rows
from busway.cli.table import Progress, format_table, progress_line, shorten

RULE = "arn:aws:events:us-east-1:000000000000:rule"


def _item(*deliveries: dict[str, object]) -> dict[str, object]:
    return {
        "Id": "e1",
        "Time": "2026-01-01T00:00:00Z",
        "Source": "shop",
        "DetailType": "OrderPlaced",
        "Event": "{}",
        "Deliveries": list(deliveries),
    }


def test_an_event_line_shows_each_delivery_state() -> None:
    line = format_event_line(
        _item(
            {"RuleArn": f"{RULE}/ship", "TargetId": "q", "State": "DELIVERED", "Attempts": 1},
            {
                "RuleArn": f"{RULE}/orders/audit",
                "TargetId": "api",
                "State": "RETRYING",
                "Attempts": 2,
                "NextAttemptAt": "2026-01-01T00:00:10Z",
                "ErrorCode": "TIMEOUT",
            },
        )
    )
    assert line == (
        "2026-01-01T00:00:00Z  shop  OrderPlaced  e1  ship>q: DELIVERED"
        "  orders/audit>api: RETRYING (attempts 2, TIMEOUT, next 2026-01-01T00:00:10Z)"
    )


def test_an_event_no_rule_matched_says_so() -> None:
    assert format_event_line(_item()).endswith("  e1  (no rule with targets matched)")


def test_a_dead_lettered_delivery_shows_its_error() -> None:
    delivery = {
        "RuleArn": f"{RULE}/r",
        "TargetId": "t",
        "State": "DEAD_LETTERED",
        "Attempts": 1,
        "ErrorCode": "NO_RESOURCE",
        "NextAttemptAt": None,
    }
    assert format_event_line(_item(delivery)).endswith(
        "r>t: DEAD_LETTERED (attempts 1, NO_RESOURCE)"
    )


def test_tables_align_columns_and_do_not_pad_the_last() -> None:
    lines = format_table(("NAME", "N"), [["a", "10"], ["longer", "2"]])
    assert lines == ["NAME    N", "a       10", "longer  2"]


def test_tables_without_rows_still_have_headers() -> None:
    assert format_table(("NAME", "STATE"), []) == ["NAME  STATE"]


def test_shorten_marks_a_cut() -> None:
    assert shorten("abcdef", 6) == "abcdef"
    assert shorten("abcdefg", 6) == "abcde…"


def test_rule_rows_show_compact_patterns_and_schedules() -> None:
    rules = [
        {"Name": "p", "State": "ENABLED", "EventPattern": '{\n "source": [ "shop" ]\n}'},
        {"Name": "s", "State": "DISABLED", "ScheduleExpression": "rate(5 minutes)"},
        {"Name": "long", "State": "ENABLED", "EventPattern": '{"source": ["' + "x" * 80 + '"]}'},
    ]
    rows = rule_rows(rules, [2, 0, 1], width=20)
    assert rows[0] == ["p", "ENABLED", '{"source":["shop"]}', "2"]
    assert rows[1] == ["s", "DISABLED", "rate(5 minutes)", "0"]
    assert len(rows[2][2]) == 20
    assert rows[2][2].endswith("…")
    assert rule_rows(rules, [2, 0, 1], width=None)[2][2] == '{"source":["' + "x" * 80 + '"]}'


def test_pattern_text_for_a_rule_with_neither() -> None:
    assert pattern_text({"Name": "x"}) == "-"


def test_queue_rows_name_the_dead_letter_queue() -> None:
    urls = ["http://127.0.0.1:4747/000000000000/orders", "http://h/000000000000/dlq"]
    policy = '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":3}'
    attributes = [
        {
            "ApproximateNumberOfMessages": "4",
            "ApproximateNumberOfMessagesNotVisible": "1",
            "ApproximateNumberOfMessagesDelayed": "0",
            "RedrivePolicy": policy,
        },
        {},
    ]
    assert queue_rows(urls, attributes) == [
        ["orders", "4", "1", "0", "dlq"],
        ["dlq", "?", "?", "?", "-"],
    ]


def test_progress_line() -> None:
    assert progress_line(50, 100, 7, 1) == "[" + "#" * 15 + "." * 15 + "]  50%  7 sent  1 failed"
    assert progress_line(0, 0, 0, 0).startswith("[" + "#" * 30 + "] 100%")


def test_progress_redraws_in_place_and_erases_itself() -> None:
    out = io.StringIO()
    progress = Progress(out, 100)
    progress.update(10, 1, 0, force=True)
    progress.clear()
    progress.update(100, 2, 0)
    assert out.getvalue() == (
        "\r" + progress_line(10, 100, 1, 0) + "\r\033[K" + "\r" + progress_line(100, 100, 2, 0)
    )
