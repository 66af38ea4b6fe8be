from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.logs.support import LogsApi


@pytest.fixture
def api() -> Iterator[LogsApi]:
    logs = LogsApi()
    try:
        yield logs
    finally:
        logs.close()
