"""Entry point of the ``busway`` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from busway import __version__
from busway.cli.logs import add_logs_command, run_logs
from busway.config import ConfigError, load_settings

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="busway",
        description="A self-hosted event bus that speaks the Amazon EventBridge API.",
    )
    parser.add_argument("--version", action="version", version=f"busway {__version__}")
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
    add_logs_command(commands)
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
    if args.command == "serve":
        return _serve(args)
    if args.command == "logs":
        return run_logs(args)
    parser.print_help()
    return 0
