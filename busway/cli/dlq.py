"""``busway dlq redrive QUEUE``: send a dead-letter queue's events back to their rules' targets."""

from __future__ import annotations

import argparse
from typing import Any

from busway.cli.connection import Connection
from busway.cli.options import bounded_int
from busway.cli.queues import queue_url

__all__ = ["add_dlq_command", "run_redrive"]

_SKIPPED = "not dead letters of a rule target that still exists; left in the queue"

_MAX_MESSAGES = 10_000
_REDRIVE_TIMEOUT_S = 120.0  # up to 10,000 messages re-queued in one call

_REDRIVE_EXAMPLES = """\
examples:
  busway dlq redrive orders-dlq
  busway dlq redrive http://127.0.0.1:4747/000000000000/orders-dlq --max 100

Each message that busway dead-lettered (it carries RULE_ARN and TARGET_ARN attributes) is
delivered again to that rule's target, as a new delivery of the same event, and removed from
the queue. Messages whose rule or target no longer exists stay in the queue (counted as skipped).
"""


def add_dlq_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``dlq redrive`` to the ``busway`` command."""
    dlq = commands.add_parser(
        "dlq",
        help="redrive dead-lettered events",
        description="Work with dead-letter queues.",
    )
    verbs = dlq.add_subparsers(dest="dlq_command", metavar="VERB", required=True)
    redrive = verbs.add_parser(
        "redrive",
        parents=[common],
        help="deliver a dead-letter queue's events to their targets again",
        description="Deliver the events in a dead-letter queue to their rules' targets again.",
        epilog=_REDRIVE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    redrive.add_argument("queue", metavar="QUEUE", help="dead-letter queue name or URL")
    redrive.add_argument(
        "--max",
        type=bounded_int(1, _MAX_MESSAGES),
        default=1000,
        metavar="N",
        help=f"redrive at most N messages, 1..{_MAX_MESSAGES} (default 1000)",
    )
    redrive.set_defaults(run=run_redrive)


def run_redrive(args: argparse.Namespace) -> int:
    connection = Connection.from_args(args)
    client = connection.client("sqs")
    try:
        url = queue_url(client, args.queue)
    finally:
        client.close()
    answer = connection.call(
        "RedriveDeadLetters",
        {"QueueUrl": url, "MaxMessages": args.max},
        read_timeout=_REDRIVE_TIMEOUT_S,
    )
    redriven, skipped = answer.get("Redriven", 0), answer.get("Skipped", 0)
    line = f"redrove {redriven} {'message' if redriven == 1 else 'messages'}"
    if skipped:
        line += f"; {skipped} skipped ({_SKIPPED})"
    print(line)
    return 0
