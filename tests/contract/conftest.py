"""The contract suite runs once per ``Store`` implementation: add one to ``_STORES`` to cover it."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

import pytest

from busway.store import Store
from busway.store.memory import MemoryStore
from busway.store.sqlite import SqliteStore

_STORES: dict[str, Callable[[pathlib.Path], Store]] = {
    "memory": lambda _: MemoryStore(),
    "sqlite": lambda tmp_path: SqliteStore(tmp_path / "busway.db"),
}


@pytest.fixture(params=sorted(_STORES))
def store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Store:
    """A store not yet opened: ``support.run`` opens and closes it around a test's body."""
    make: Callable[[pathlib.Path], Store] = _STORES[request.param]
    return make(tmp_path)
