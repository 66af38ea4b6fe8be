"""Numbered migrations in ``migrations/NNNN_<what>.sql``, applied in order, each in a transaction.

The schema version is the database's ``PRAGMA user_version``: the number of the last migration
applied. It lives in the database header and changes in the same transaction as the migration, so
a crash leaves the database at one version or the next, never in between.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

__all__ = ["Migration", "migrate", "migrations", "schema_version"]

_FILE_NAME = re.compile(r"^(?P<number>\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    number: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The packaged migrations in order; their numbers must run 1, 2, 3, ... without gaps."""
    folder = resources.files("busway.store.sqlite").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            sql = entry.read_text(encoding="utf-8")
            found.append(Migration(int(match["number"]), entry.name, sql))
    found.sort(key=lambda migration: migration.number)
    numbers = [migration.number for migration in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1, 2, 3, ... without gaps: {numbers}")
    return found


def schema_version(connection: sqlite3.Connection) -> int:
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(connection: sqlite3.Connection) -> list[int]:
    """Apply the migrations the database lacks; returns their numbers (empty when up to date)."""
    pending = migrations()
    current = schema_version(connection)
    if current > len(pending):
        raise RuntimeError(
            f"database schema version {current} is newer than this busway ({len(pending)})"
        )
    applied = []
    for migration in pending[current:]:
        _apply(connection, migration)
        applied.append(migration.number)
    return applied


def _apply(connection: sqlite3.Connection, migration: Migration) -> None:
    # executescript commits any open transaction first, then runs the script as given: the
    # explicit BEGIN/COMMIT makes the migration and its version number one transaction.
    script = f"BEGIN;\n{migration.sql}\n;PRAGMA user_version = {migration.number};\nCOMMIT;"
    try:
        connection.executescript(script)
    except sqlite3.Error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
