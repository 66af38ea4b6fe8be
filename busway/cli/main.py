"""Entry point of the ``busway`` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from busway import __version__
from busway.cli.connection import (
    add_global_connection_options,
    connection_options,
    error_text,
)
from busway.cli.dlq import add_dlq_command
from busway.cli.events import add_events_command
from busway.cli.logs import add_logs_command
from busway.cli.queues import add_queues_command
from busway.cli.rules import add_rules_command
from busway.config import ConfigError, load_settings

__all__ = ["build_parser", "main"]

_EXAMPLES = """\
examples:
  busway serve --data ./.busway
  busway events put --entry '{"Source": "shop", "DetailType": "OrderPlaced", "Detail": {}}'
  busway events tail --bus default
  busway rules list
  busway rules test --pattern '{"source": ["shop"]}' --event @event.json
  busway queues receive orders --max 10 --delete
  busway dlq redrive orders-dlq
  busway logs tail /aws/events/orders --follow

The client commands talk to a running busway at --endpoint, $BUSWAY_ENDPOINT or
http://127.0.0.1:4747, over the same AWS APIs as boto3 and the aws CLI. Without AWS
credentials configured they sign with dummy ones (busway does not check them), and the
region defaults to us-east-1. Run `busway COMMAND VERB --help` for each command's options.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="busway",
        description="A self-hosted event bus that speaks the Amazon EventBridge API.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"busway {__version__}")
    add_global_connection_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run a busway node",
        description="Run a busway node. Settings: flags, then BUSWAY_* variables, then --config.",
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 4747)")
    serve.add_argument("--data", type=Path, help="folder for the SQLite data (default ./.busway)")
    serve.add_argument(
        "--config", type=Path, help="TOML settings file (default: $BUSWAY_CONFIG if set)"
    )
    serve.add_argument("--account", help="account id of requests (default 000000000000)")
    serve.add_argument("--region", help="region of unsigned requests (default us-east-1)")
    serve.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (default INFO)")
    serve.set_defaults(run=_serve)
    common = connection_options()
    add_events_command(commands, common)
    add_rules_command(commands, common)
    add_queues_command(commands, common)
    add_dlq_command(commands, common)
    add_logs_command(commands, common)
    return parser


def _serve(args: argparse.Namespace) -> int:
    config = args.config or (
        Path(os.environ["BUSWAY_CONFIG"]) if "BUSWAY_CONFIG" in os.environ else None
    )
    flags = {
        "host": args.host,
        "port": args.port,
        "data": args.data,
        "account": args.account,
        "region": args.region,
        "log_level": args.log_level,
    }
    from busway.node import run  # the server's imports are needed only by this command

    try:
        run(load_settings(flags, os.environ, config))
    except ConfigError as exc:
        print(f"busway: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 0
    if args.command == "serve":
        code: int = args.run(args)  # the server reports its own errors, in its own log
        return code
    return _run_client(args)


def _run_client(args: argparse.Namespace) -> int:
    """Run a client command; AWS and connection errors become one line on stderr, exit 1."""
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        print("busway: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if isinstance(exc, ImportError) and (exc.name or "").startswith(("boto3", "botocore")):
            print(f"busway: this command needs boto3 ({exc}): pip install boto3", file=sys.stderr)
            return 2
        text = error_text(exc)
        if text is None:  # a bug of ours, still reported in one line rather than a traceback
            text = f"unexpected {type(exc).__name__}: {exc}"
        print(f"busway: {text}", file=sys.stderr)
        return 1
    return code
