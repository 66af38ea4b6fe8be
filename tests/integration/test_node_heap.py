"""A served node freezes what its start loaded out of the collector's generations."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest

from busway.config import Settings
from busway.node import Node


@pytest.mark.parametrize("freeze", [True, False])
def test_start_freezes_the_heap_only_when_asked(tmp_path: Path, freeze: bool) -> None:
    async def main() -> int:
        node = Node(Settings(data=tmp_path / "data", metrics=False), freeze_heap=freeze)
        await node.start()
        try:
            return gc.get_freeze_count()
        finally:
            await node.stop()

    gc.unfreeze()
    try:
        frozen = asyncio.run(main())
    finally:
        gc.unfreeze()  # the objects of this test process go back to the collector
    assert (frozen > 0) is freeze
