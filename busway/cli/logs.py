"""``busway logs tail GROUP``: print a log group's events from a running busway, optionally
following it. Talks to the server's CloudWatch Logs API with boto3."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from busway.cli.connection import Connection

__all__ = ["add_logs_command", "parse_since", "run_logs", "tail"]

POLL_SECONDS = 1.0
_MAX_SEEN_IDS = 10_000  # event ids remembered to skip repeats at the last timestamp
_SINCE = re.compile(r"(\d+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


_EXAMPLES = """\
examples:
  busway logs tail /aws/events/orders
  busway logs tail /aws/events/orders --since 2h --follow
"""


def add_logs_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``logs tail`` to the ``busway`` command's sub-parsers."""
    logs = commands.add_parser(
        "logs",
        help="read the log groups of a running busway",
        description="Read the CloudWatch Logs log groups that rules deliver events to.",
    )
    verbs = logs.add_subparsers(dest="logs_command", metavar="VERB", required=True)
    tail_parser = verbs.add_parser(
        "tail",
        parents=[common],
        help="print a log group's recent events",
        description="Print a log group's recent events, and with --follow the new ones.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tail_parser.add_argument("group", help="log group name or ARN")
    tail_parser.add_argument("--follow", action="store_true", help="keep printing new events")
    tail_parser.add_argument("--since", default="10m", help="how far back to start (10m, 2h, 1d)")
    tail_parser.set_defaults(run=run_logs)


def parse_since(text: str) -> int:
    """Seconds in ``10m``, ``2h``, ``1d``, ``30s``, ``1w``."""
    match = _SINCE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"--since must be a number and a unit (s, m, h, d, w), not {text!r}")
    return int(match[1]) * _UNIT_SECONDS[match[2]]


def run_logs(args: argparse.Namespace) -> int:
    try:
        since_s = parse_since(args.since)
    except ValueError as exc:
        print(f"busway: {exc}", file=sys.stderr)
        return 2
    client = Connection.from_args(args).client("logs")
    start_ms = int((time.time() - since_s) * 1000)
    try:
        tail(client, args.group, start_ms, follow=args.follow, out=sys.stdout)
    except KeyboardInterrupt:
        return 0
    finally:
        client.close()
    return 0


def tail(
    client: Any,
    group: str,
    start_ms: int,
    *,
    follow: bool,
    out: TextIO,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Print events from ``start_ms`` on; with ``follow``, poll every second until interrupted.

    Each poll asks for events from the newest timestamp seen, and skips the ids already printed:
    an event stamped with an earlier time than one printed before is not shown.
    """
    member = "logGroupIdentifier" if group.startswith("arn:") else "logGroupName"
    seen: set[str] = set()
    while True:
        for event in _events_since(client, {member: group}, start_ms):
            if event["eventId"] in seen:
                continue
            if event["timestamp"] > start_ms:
                start_ms, seen = event["timestamp"], set()
            if len(seen) < _MAX_SEEN_IDS:
                seen.add(event["eventId"])
            out.write(_line(event))
        out.flush()
        if not follow:
            return
        sleep(POLL_SECONDS)


def _events_since(client: Any, group: dict[str, str], start_ms: int) -> Any:
    params: dict[str, Any] = {**group, "startTime": start_ms}
    while True:
        page = client.filter_log_events(**params)
        yield from page.get("events", [])
        if "nextToken" not in page:
            return
        params["nextToken"] = page["nextToken"]


def _line(event: dict[str, Any]) -> str:
    moment = datetime.fromtimestamp(event["timestamp"] / 1000, UTC)
    stamp = moment.isoformat(timespec="milliseconds")
    return f"{stamp} {event['logStreamName']} {event['message'].rstrip()}\n"
