from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from busway import jsontext
from busway.transform import RenderContext
from tests.unit.transform.samples import EVENT_TEXT, RULE_ARN


@pytest.fixture
def event() -> dict[str, Any]:
    loaded: dict[str, Any] = jsontext.loads(EVENT_TEXT)
    return loaded


@pytest.fixture
def context() -> RenderContext:
    return RenderContext(
        rule_arn=RULE_ARN,
        rule_name="my-rule",
        ingestion_time=datetime(2024, 6, 11, 8, 33, 12, 345678, tzinfo=UTC),
    )
