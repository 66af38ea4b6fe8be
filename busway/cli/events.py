"""``busway events put`` and ``busway events tail``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TextIO

from busway.cli.connection import Connection, error_text
from busway.cli.entries import MAX_BATCH_BYTES, EntryError, batch_entries, entry_size, parse_entry
from busway.cli.options import bounded_int, positive_float
from busway.cli.table import Progress, shorten

__all__ = ["add_events_command", "format_event_line", "run_put", "run_tail"]

_TAIL_PAGE = 100  # ListRecentEvents' largest Limit
_RECONNECT_S = 1.0  # the least pause between attempts to reach a busway that went away
_SHOWN_ENTRY_CHARS = 200  # how much of a failed entry is echoed back
_MAX_HELD_FAILURES = 100  # unusable entries kept back to be reported in order

_PUT_EXAMPLES = """\
examples:
  busway events put --entry '{"Source": "shop", "DetailType": "OrderPlaced", "Detail": {"id": 7}}'
  busway events put --file events.jsonl --bus orders
  producer | busway events put

An entry is a PutEvents entry: Source, DetailType, Detail (a JSON object, or its JSON text),
and optionally Resources, Time (epoch seconds or ISO-8601), EventBusName, TraceHeader.
A file or stdin holds one entry per line. Entries go in batches of 10 (within the request size
limit). The event ids are printed for --entry; failed entries are printed on stderr, and the
exit status is 1 when any entry failed.
"""

_TAIL_EXAMPLES = """\
examples:
  busway events tail                     # the default bus, until Ctrl-C
  busway events tail --bus orders --json
  busway events tail --bus orders --count 5 --last 0

Each line: time, source, detail-type, event id, then each delivery as rule>target: STATE
(PENDING, RETRYING, DELIVERED, DEAD_LETTERED, DROPPED, FAILED), as they stood when the event
was first seen.
"""


def add_events_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``events put`` and ``events tail`` to the ``busway`` command."""
    events = commands.add_parser(
        "events",
        help="put events on a bus, watch a bus's events",
        description="Put events on a bus and watch what happens to them.",
    )
    verbs = events.add_subparsers(dest="events_command", metavar="VERB", required=True)
    put = verbs.add_parser(
        "put",
        parents=[common],
        help="put events (a JSON entry, a file or stdin of JSON lines)",
        description="Put events on an event bus with PutEvents.",
        epilog=_PUT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = put.add_mutually_exclusive_group()
    source.add_argument(
        "--entry", action="append", metavar="JSON", help="one entry (repeat for more)"
    )
    source.add_argument("--file", metavar="PATH", help="JSON lines, one entry each (- for stdin)")
    put.add_argument("--bus", help="EventBusName for entries that do not name one")
    put.add_argument("--ids", action="store_true", help="print event ids also for a file or stdin")
    put.add_argument(
        "--max-request-bytes",
        type=bounded_int(1),
        default=MAX_BATCH_BYTES,
        metavar="N",
        help=f"entry bytes per request (default {MAX_BATCH_BYTES}; 262144 for a legacy limit)",
    )
    put.set_defaults(run=run_put)
    tail = verbs.add_parser(
        "tail",
        parents=[common],
        help="print a bus's events and their deliveries as they come",
        description="Print a bus's recent events, then new ones as they arrive.",
        epilog=_TAIL_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tail.add_argument("--bus", default="default", help="event bus name (default: default)")
    tail.add_argument("--json", action="store_true", help="print each event as one JSON line")
    tail.add_argument(
        "--last",
        type=bounded_int(0, _TAIL_PAGE),
        default=10,
        metavar="N",
        help=f"recent events to print first, 0..{_TAIL_PAGE} (default 10)",
    )
    tail.add_argument("--count", type=bounded_int(1), metavar="N", help="stop after N events")
    tail.add_argument(
        "--interval",
        type=positive_float,
        default=1.0,
        metavar="SECONDS",
        help="pause between polls when idle (default 1)",
    )
    tail.set_defaults(run=run_tail)


# --- put ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    """One entry read: its place, where it came from, the entry or why it is unusable, and the
    bytes read so far."""

    seq: int
    label: str
    text: str
    entry: dict[str, Any] | None
    problem: str | None
    offset: int


def run_put(args: argparse.Namespace) -> int:
    if args.entry:
        texts = ((f"entry {n}", text, 0) for n, text in enumerate(args.entry, 1))
        return _put(args, texts, total_bytes=0, print_ids=True)
    if args.file in (None, "-"):
        if args.file is None and sys.stdin.isatty():
            print("busway: give --entry JSON, --file PATH or JSON lines on stdin", file=sys.stderr)
            return 2
        return _put(args, _lines(sys.stdin.buffer), total_bytes=0, print_ids=args.ids)
    try:
        stream = open(args.file, "rb")  # noqa: SIM115  # closed below, after the last batch
    except OSError as exc:
        print(f"busway: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    with stream:
        size = os.fstat(stream.fileno()).st_size
        return _put(args, _lines(stream), total_bytes=size, print_ids=args.ids)


def _lines(stream: IO[bytes]) -> Iterator[tuple[str, bytes, int]]:
    """(label, line, bytes read) for each non-blank line; decoded (strictly) when parsed."""
    offset = 0
    for number, raw in enumerate(stream, 1):
        offset += len(raw)
        line = raw.strip()
        if line:
            yield f"line {number}", line, offset


def _put(
    args: argparse.Namespace,
    texts: Iterable[tuple[str, str | bytes, int]],
    *,
    total_bytes: int,
    print_ids: bool,
) -> int:
    progress = Progress(sys.stderr, total_bytes) if total_bytes and sys.stderr.isatty() else None
    putter = _Putter(sys.stdout, sys.stderr, progress, print_ids=print_ids)
    inputs = (
        _read_input(seq, label, text, offset, args.bus)
        for seq, (label, text, offset) in enumerate(texts)
    )
    client = Connection.from_args(args).client("events")
    try:
        for batch in batch_entries(
            putter.usable(inputs), _input_size, max_bytes=args.max_request_bytes
        ):
            putter.send(client, batch)
    finally:
        client.close()
        putter.finish()
    return 1 if putter.failed else 0


def _read_input(seq: int, label: str, line: str | bytes, offset: int, bus: str | None) -> _Input:
    text = line if isinstance(line, str) else line.decode("utf-8", "replace")  # to show it
    try:
        return _Input(seq, label, text, parse_entry(line, default_bus=bus), None, offset)
    except EntryError as exc:
        return _Input(seq, label, text, None, str(exc), offset)


def _input_size(item: _Input) -> int:
    return entry_size(item.entry or {})


class _Putter:
    """Sends batches and keeps the tally; ids on ``out``, failures and progress on ``err``."""

    def __init__(
        self, out: TextIO, err: TextIO, progress: Progress | None, *, print_ids: bool
    ) -> None:
        self._out = out
        self._err = err
        self._progress = progress
        self._print_ids = print_ids
        self.sent = 0
        self.failed = 0
        self._offset = 0
        # Unusable inputs wait here so that failures are reported in input order.
        self._unusable: list[tuple[_Input, str, str]] = []

    def usable(self, inputs: Iterable[_Input]) -> Iterator[_Input]:
        """The inputs that hold an entry; the others are set aside as failed."""
        for item in inputs:
            if item.problem is None:
                yield item
            else:
                self._unusable.append((item, "InvalidEntry", item.problem))
                if len(self._unusable) >= _MAX_HELD_FAILURES:  # a file of nothing but junk
                    self._report([], upto=None)
                    self._advance(item.offset)

    def send(self, client: Any, batch: list[_Input]) -> None:
        from botocore.exceptions import ClientError, ParamValidationError

        failures: list[tuple[_Input, str, str]] = []
        try:
            answer = client.put_events(Entries=[item.entry for item in batch])
        except (ClientError, ParamValidationError) as exc:
            # The request as a whole was refused (too large, a bad member): each entry failed.
            code, _, message = (error_text(exc) or str(exc)).partition(": ")
            failures = [(item, code, message) for item in batch]
        else:
            for item, result in zip(batch, answer["Entries"], strict=True):
                if "EventId" in result:
                    self.sent += 1
                    if self._print_ids:
                        self._out.write(result["EventId"] + "\n")
                else:
                    code, message = result.get("ErrorCode", ""), result.get("ErrorMessage", "")
                    failures.append((item, code, message))
        self._out.flush()
        self._report(failures, upto=batch[-1].seq)
        self._advance(batch[-1].offset)

    def _report(self, failures: list[tuple[_Input, str, str]], *, upto: int | None) -> None:
        """Print ``failures`` and the unusable inputs before ``upto`` (all: None), in order."""
        earlier = [f for f in self._unusable if upto is None or f[0].seq < upto]
        self._unusable = [f for f in self._unusable if upto is not None and f[0].seq >= upto]
        for item, code, message in sorted(earlier + failures, key=lambda f: f[0].seq):
            self._fail(item, code, message)

    def _fail(self, item: _Input, code: str, message: str) -> None:
        self.failed += 1
        if self._progress is not None:
            self._progress.clear()
        shown = shorten(item.text, _SHOWN_ENTRY_CHARS)
        self._err.write(f"failed {item.label}: {code}: {message}\n    {shown}\n")
        self._err.flush()

    def _advance(self, offset: int) -> None:
        self._offset = max(self._offset, offset)
        if self._progress is not None:
            self._progress.update(self._offset, self.sent, self.failed)

    def finish(self) -> None:
        """Report what is left, erase the progress bar, and print the tally."""
        self._report([], upto=None)
        if self._progress is not None:
            self._progress.clear()
        failed = f", {self.failed} failed" if self.failed else ""
        noun = "event" if self.sent == 1 else "events"
        self._err.write(f"put {self.sent} {noun}{failed}\n")
        self._err.flush()


# --- tail --------------------------------------------------------------------------------------


def run_tail(args: argparse.Namespace, *, sleep: Callable[[float], None] = time.sleep) -> int:
    connection = Connection.from_args(args)
    request: dict[str, Any] = {"EventBusName": args.bus, "After": None, "Limit": args.last or 1}
    skip_first = args.last == 0  # the first answer only places the cursor at "now"
    printed = 0
    try:
        answer = connection.call("ListRecentEvents", request)  # fails fast on a wrong endpoint
        while True:
            events = [] if skip_first else answer.get("Events", [])
            for item in events:
                line = json.dumps(item, separators=(",", ":")) if args.json else None
                sys.stdout.write((line or format_event_line(item)) + "\n")
                printed += 1
                if args.count is not None and printed >= args.count:
                    sys.stdout.flush()
                    return 0
            sys.stdout.flush()
            if len(events) < request["Limit"]:  # caught up: wait before asking again
                sleep(args.interval)
            skip_first = False
            after = answer.get("Cursor", request["After"])
            request = {**request, "After": after, "Limit": _TAIL_PAGE}
            answer = _next_page(connection, request, sleep, args.interval)
    except KeyboardInterrupt:
        return 0


def _next_page(
    connection: Connection,
    request: dict[str, Any],
    sleep: Callable[[float], None],
    interval: float,
) -> dict[str, Any]:
    """The next answer; a lost connection (busway restarting) is waited out, said once."""
    said = False
    while True:
        try:
            return connection.call("ListRecentEvents", request)
        except OSError as exc:
            if not said:
                print(f"busway: {error_text(exc)}; trying again", file=sys.stderr, flush=True)
                said = True
            sleep(max(interval, _RECONNECT_S))


def format_event_line(item: dict[str, Any]) -> str:
    """One readable line for a ``ListRecentEvents`` item."""
    deliveries = item.get("Deliveries") or []
    outcome = "  ".join(_delivery_text(d) for d in deliveries) or "(no rule with targets matched)"
    fields = (item.get("Time", ""), item.get("Source", ""), item.get("DetailType", ""))
    return f"{fields[0]}  {fields[1]}  {fields[2]}  {item.get('Id', '')}  {outcome}"


def _delivery_text(delivery: dict[str, Any]) -> str:
    rule = _rule_name(delivery.get("RuleArn", ""))
    state = delivery.get("State", "?")
    text = f"{rule}>{delivery.get('TargetId', '?')}: {state}"
    details = []
    attempts = delivery.get("Attempts")
    if attempts and state != "DELIVERED":
        details.append(f"attempts {attempts}")
    if delivery.get("ErrorCode"):
        details.append(str(delivery["ErrorCode"]))
    if state == "RETRYING" and delivery.get("NextAttemptAt"):
        details.append(f"next {delivery['NextAttemptAt']}")
    return f"{text} ({', '.join(details)})" if details else text


def _rule_name(arn: str) -> str:
    """``orders/ship`` from ``arn:...:rule/orders/ship``; ``ship`` on the default bus."""
    _, _, name = arn.partition(":rule/")
    return name or arn or "?"
