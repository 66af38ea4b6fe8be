"""Named SQL queries kept in ``.sql`` files, one file per dialect.

A file is a series of blocks, each opened by a ``-- name: <identifier>`` line; the block's text up
to the next name line is the query. Comment lines before the first name describe the file.
"""

from __future__ import annotations

import re
from importlib import resources

__all__ = ["parse_queries", "read_queries"]

_NAME_LINE = re.compile(r"^--\s*name:\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*$")


def parse_queries(text: str) -> dict[str, str]:
    """Map each query name to its SQL; raises ``ValueError`` on a malformed file."""
    queries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _NAME_LINE.match(line.strip())
        if match:
            name = match["name"]
            if name in queries:
                raise ValueError(f"line {number}: query {name!r} is defined twice")
            current = queries[name] = []
        elif current is not None:
            current.append(line)
        elif line.strip() and not line.lstrip().startswith("--"):
            raise ValueError(f"line {number}: SQL before the first '-- name:' line")
    parsed = {name: "\n".join(lines).strip() for name, lines in queries.items()}
    empty = sorted(name for name, sql in parsed.items() if not sql)
    if empty:
        raise ValueError(f"queries without SQL: {', '.join(empty)}")
    return parsed


def read_queries(package: str, resource: str) -> dict[str, str]:
    """Parse the named queries of a ``.sql`` file shipped as package data."""
    return parse_queries(resources.files(package).joinpath(resource).read_text(encoding="utf-8"))
