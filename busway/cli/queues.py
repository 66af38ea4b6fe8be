"""``busway queues list``, ``busway queues receive`` and ``busway queues purge``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from busway.cli.connection import READ_TIMEOUT_S, Connection
from busway.cli.options import bounded_int
from busway.cli.table import format_table

__all__ = ["add_queues_command", "queue_rows", "queue_url", "run_list", "run_purge", "run_receive"]

_MAX_WAIT_S = 20  # SQS's longest long poll
_RECEIVE_BATCH = 10  # SQS's most messages per receive
_MAX_RECEIVE = 10_000
_HEADERS = ("NAME", "MESSAGES", "IN FLIGHT", "DELAYED", "DEAD-LETTER QUEUE")
_COUNTS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)

_LIST_EXAMPLES = """\
examples:
  busway queues list
  busway queues list --prefix orders
"""

_RECEIVE_EXAMPLES = """\
examples:
  busway queues receive orders                  # one message, if one is waiting
  busway queues receive orders --max 50 --wait 5 --delete
  busway queues receive orders-dlq --json       # with RULE_ARN, ERROR_CODE, ... attributes

QUEUE is a queue name or URL. Without --delete, received messages stay in the queue and
become visible again after the queue's visibility timeout.
"""


def add_queues_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``queues list|receive|purge`` to the ``busway`` command."""
    queues = commands.add_parser(
        "queues",
        help="list queues, read and purge their messages",
        description="Look into busway's SQS queues.",
    )
    verbs = queues.add_subparsers(dest="queues_command", metavar="VERB", required=True)
    listing = verbs.add_parser(
        "list",
        parents=[common],
        help="a table of queues and their message counts",
        description="List queues with their message counts and dead-letter queue.",
        epilog=_LIST_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument("--prefix", help="only queues whose name starts with this")
    listing.set_defaults(run=run_list)
    receive = verbs.add_parser(
        "receive",
        parents=[common],
        help="print a queue's messages",
        description="Receive messages from a queue and print their bodies, one a line.",
        epilog=_RECEIVE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    receive.add_argument("queue", metavar="QUEUE", help="queue name or URL")
    receive.add_argument(
        "--max",
        type=bounded_int(1, _MAX_RECEIVE),
        default=1,
        metavar="N",
        help=f"at most N messages, 1..{_MAX_RECEIVE} (default 1)",
    )
    receive.add_argument(
        "--wait",
        type=bounded_int(0, _MAX_WAIT_S),
        default=0,
        metavar="SECONDS",
        help=f"long-poll for up to SECONDS, 0..{_MAX_WAIT_S} (default 0)",
    )
    receive.add_argument("--delete", action="store_true", help="delete the messages received")
    receive.add_argument(
        "--json", action="store_true", help="print each whole message (attributes too) as JSON"
    )
    receive.set_defaults(run=run_receive)
    purge = verbs.add_parser(
        "purge",
        parents=[common],
        help="delete every message in a queue",
        description="Delete every message in a queue (PurgeQueue).",
        epilog="examples:\n  busway queues purge orders\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    purge.add_argument("queue", metavar="QUEUE", help="queue name or URL")
    purge.set_defaults(run=run_purge)


def queue_url(client: Any, queue: str) -> str:
    """The URL of a queue given by name or URL."""
    if "://" in queue:
        return queue
    url: str = client.get_queue_url(QueueName=queue)["QueueUrl"]
    return url


def run_list(args: argparse.Namespace) -> int:
    client = Connection.from_args(args).client("sqs")
    try:
        params: dict[str, Any] = {"MaxResults": 1000}
        if args.prefix:
            params["QueueNamePrefix"] = args.prefix
        urls: list[str] = []
        while True:
            page = client.list_queues(**params)
            urls.extend(page.get("QueueUrls", []))
            if not page.get("NextToken"):
                break
            params["NextToken"] = page["NextToken"]
        attributes = [_attributes(client, url) for url in urls]
    finally:
        client.close()
    for line in format_table(_HEADERS, queue_rows(urls, attributes)):
        print(line)
    return 0


def _attributes(client: Any, url: str) -> dict[str, str]:
    names = [*_COUNTS, "RedrivePolicy"]
    found: dict[str, str] = client.get_queue_attributes(QueueUrl=url, AttributeNames=names).get(
        "Attributes", {}
    )
    return found


def queue_rows(urls: list[str], attributes: list[dict[str, str]]) -> list[list[str]]:
    """Table rows: the queue name, its counts and the name of its dead-letter queue."""
    rows = []
    for url, found in zip(urls, attributes, strict=True):
        dead_letter = "-"
        if "RedrivePolicy" in found:
            arn = json.loads(found["RedrivePolicy"]).get("deadLetterTargetArn", "")
            dead_letter = arn.rpartition(":")[2] or "-"
        counts = [found.get(name, "?") for name in _COUNTS]
        rows.append([url.rstrip("/").rpartition("/")[2], *counts, dead_letter])
    return rows


def run_receive(args: argparse.Namespace) -> int:
    client = Connection.from_args(args).client("sqs", read_timeout=READ_TIMEOUT_S + args.wait)
    try:
        url = queue_url(client, args.queue)
        received = 0
        while received < args.max:
            messages = _receive(client, url, min(_RECEIVE_BATCH, args.max - received), args.wait)
            if not messages:
                break
            for message in messages:
                print(_message_text(message, as_json=args.json), flush=True)
            received += len(messages)
            if args.delete:
                _delete(client, url, messages)
    finally:
        client.close()
    if received == 0:
        print("no messages", file=sys.stderr)
    return 0


def _receive(client: Any, url: str, count: int, wait: int) -> list[dict[str, Any]]:
    answer = client.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=count,
        WaitTimeSeconds=wait,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
    )
    messages: list[dict[str, Any]] = answer.get("Messages", [])
    return messages


def _delete(client: Any, url: str, messages: list[dict[str, Any]]) -> None:
    entries = [
        {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
        for n, message in enumerate(messages)
    ]
    answer = client.delete_message_batch(QueueUrl=url, Entries=entries)
    for failure in answer.get("Failed", []):
        message = messages[int(failure["Id"])]
        print(
            f"busway: could not delete {message['MessageId']}: "
            f"{failure.get('Code')}: {failure.get('Message', '')}",
            file=sys.stderr,
        )


def _message_text(message: dict[str, Any], *, as_json: bool) -> str:
    if not as_json:
        body: str = message.get("Body", "")
        return body.replace("\n", " ")
    shown = {
        key: message[key]
        for key in ("MessageId", "Body", "Attributes", "MessageAttributes")
        if key in message
    }
    return json.dumps(shown, separators=(",", ":"), ensure_ascii=False)


def run_purge(args: argparse.Namespace) -> int:
    client = Connection.from_args(args).client("sqs")
    try:
        url = queue_url(client, args.queue)
        client.purge_queue(QueueUrl=url)
    finally:
        client.close()
    print(f"purged {url}")
    return 0
