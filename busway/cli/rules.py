"""``busway rules list`` and ``busway rules test``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from busway.cli.connection import Connection, error_text
from busway.cli.table import format_table, shorten

__all__ = ["add_rules_command", "pattern_text", "rule_rows", "run_list", "run_test"]

_PATTERN_WIDTH = 60
_HEADERS = ("NAME", "STATE", "PATTERN / SCHEDULE", "TARGETS")

_LIST_EXAMPLES = """\
examples:
  busway rules list
  busway rules list --bus orders --wide
"""

_TEST_EXAMPLES = """\
examples:
  busway rules test --pattern '{"source": ["shop"]}' --event @event.json

The event needs the envelope fields id, account, source, time, region and detail-type, e.g.
  {"id": "1", "account": "000000000000", "source": "shop", "time": "2026-01-01T00:00:00Z",
   "region": "us-east-1", "detail-type": "OrderPlaced", "resources": [], "detail": {}}

exit status: 0 match, 1 no match, 2 the pattern or event is refused (AWS's reason on stderr)
or busway could not be asked (so that no failure reads as "no match").
"""


def add_rules_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``rules list`` and ``rules test`` to the ``busway`` command."""
    rules = commands.add_parser(
        "rules",
        help="list a bus's rules, try an event pattern",
        description="Look at rules and try event patterns.",
    )
    verbs = rules.add_subparsers(dest="rules_command", metavar="VERB", required=True)
    listing = verbs.add_parser(
        "list",
        parents=[common],
        help="a table of a bus's rules",
        description="List a bus's rules: name, state, pattern or schedule, number of targets.",
        epilog=_LIST_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument("--bus", default="default", help="event bus name (default: default)")
    listing.add_argument("--wide", action="store_true", help="do not shorten long patterns")
    listing.set_defaults(run=run_list)
    test = verbs.add_parser(
        "test",
        parents=[common],
        help="does an event match a pattern? (TestEventPattern)",
        description="Check an event against an event pattern with TestEventPattern.",
        epilog=_TEST_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    test.add_argument("--pattern", required=True, metavar="JSON", help="the pattern, or @FILE")
    test.add_argument("--event", required=True, metavar="JSON", help="the event, or @FILE")
    test.set_defaults(run=run_test)


def run_list(args: argparse.Namespace) -> int:
    client = Connection.from_args(args).client("events")
    try:
        rules = list(_pages(client.list_rules, "Rules", EventBusName=args.bus))
        counts = [_target_count(client, rule, args.bus) for rule in rules]
    finally:
        client.close()
    width = None if args.wide else _PATTERN_WIDTH
    for line in format_table(_HEADERS, rule_rows(rules, counts, width)):
        print(line)
    return 0


def _target_count(client: Any, rule: dict[str, Any], bus: str) -> int:
    targets = _pages(client.list_targets_by_rule, "Targets", Rule=rule["Name"], EventBusName=bus)
    return sum(1 for _ in targets)


def _pages(operation: Any, key: str, **params: Any) -> Any:
    while True:
        page = operation(**params)
        yield from page.get(key, [])
        if not page.get("NextToken"):
            return
        params["NextToken"] = page["NextToken"]


def rule_rows(
    rules: list[dict[str, Any]], target_counts: list[int], width: int | None
) -> list[list[str]]:
    """Table rows for ``ListRules`` items; patterns one line, cut to ``width`` when given."""
    rows = []
    for rule, count in zip(rules, target_counts, strict=True):
        shown = pattern_text(rule)
        rows.append(
            [
                rule["Name"],
                rule.get("State", ""),
                shown if width is None else shorten(shown, width),
                str(count),
            ]
        )
    return rows


def pattern_text(rule: dict[str, Any]) -> str:
    """The rule's pattern as compact one-line JSON, its schedule, or both."""
    parts = []
    if rule.get("EventPattern"):
        try:
            parts.append(
                json.dumps(
                    json.loads(rule["EventPattern"]), separators=(",", ":"), ensure_ascii=False
                )
            )
        except ValueError:
            parts.append(" ".join(rule["EventPattern"].split()))
    if rule.get("ScheduleExpression"):
        parts.append(rule["ScheduleExpression"])
    return " ".join(parts) or "-"


def run_test(args: argparse.Namespace) -> int:
    try:
        pattern, event = _text(args.pattern), _text(args.event)
    except OSError as exc:
        print(f"busway: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    from botocore.exceptions import BotoCoreError, ClientError

    client = Connection.from_args(args).client("events")
    try:
        answer = client.test_event_pattern(EventPattern=pattern, Event=event)
    except (ClientError, BotoCoreError) as exc:
        print(f"busway: {error_text(exc)}", file=sys.stderr)
        return 2
    finally:
        client.close()
    if answer["Result"]:
        print("match")
        return 0
    print("no match")
    return 1


def _text(argument: str) -> str:
    """The argument itself, or the file it names after ``@``."""
    if argument.startswith("@"):
        return Path(argument[1:]).read_text(encoding="utf-8")
    return argument
