"""Reads off the event loop: a few threads sharing as many read-only connections.

WAL lets readers run beside the writer, each seeing the last committed state when its query
starts. There are exactly as many connections as threads, so a thread always finds one idle.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["ReaderPool"]

T = TypeVar("T")


class ReaderPool:
    def __init__(self, connect: Callable[[], sqlite3.Connection], size: int = 2) -> None:
        if size < 1:
            raise ValueError("a reader pool needs at least one thread")
        self._connect = connect
        self._size = size
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []
        self._executor = ThreadPoolExecutor(size, thread_name_prefix="busway-sqlite-read")

    async def open(self) -> None:
        for _ in range(self._size):
            connection = await asyncio.to_thread(self._connect)
            self._all.append(connection)
            self._idle.put(connection)

    async def run(self, read: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, read)

    def _call(self, read: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._idle.get()
        try:
            return read(connection)
        finally:
            self._idle.put(connection)

    async def close(self) -> None:
        """Wait for running reads, end the threads and close the connections; idempotent."""
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        while self._all:
            self._all.pop().close()
