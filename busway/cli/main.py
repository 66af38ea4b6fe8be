"""Entry point of the ``busway`` command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from busway import __version__

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="busway",
        description="A self-hosted event bus that speaks the Amazon EventBridge API.",
    )
    parser.add_argument("--version", action="version", version=f"busway {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
    return 0
