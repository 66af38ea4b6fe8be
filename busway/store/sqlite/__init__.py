"""The SQLite store: one file, WAL, a single group-committing writer thread."""

from __future__ import annotations

from busway.store.sqlite.database import SqliteDatabase
from busway.store.sqlite.store import SqliteStore

__all__ = ["SqliteDatabase", "SqliteStore"]
