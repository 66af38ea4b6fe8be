"""``SqliteQueueStore``: the ``QueueStore`` port on the node's shared ``SqliteDatabase``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from busway.model import Scope
from busway.store.queues import (
    Outgoing,
    Queue,
    QueueCounts,
    QueueMessage,
    ReceiveRequest,
    Sent,
    plan_receive,
)
from busway.store.sql import read_queries
from busway.store.sqlite.database import SqliteDatabase
from busway.store.sqlite.queue_rows import (
    message_from_row,
    message_params,
    queue_from_row,
    queue_params,
)
from busway.store.sqlite.rows import from_micros, to_micros

__all__ = ["SqliteQueueStore"]

T = TypeVar("T")

_Q = read_queries("busway.store.sqlite", "queues.sql")


def _key(scope: Scope, name: str) -> dict[str, Any]:
    return {"account": scope.account, "region": scope.region, "name": name}


def _queue_id(connection: sqlite3.Connection, scope: Scope, name: str) -> int | None:
    row = connection.execute(_Q["queue_id"], _key(scope, name)).fetchone()
    return None if row is None else int(row[0])


class SqliteQueueStore:
    """Queues in the node's SQLite file; opening and closing belong to the database's owner."""

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def _on_queue(
        self, scope: Scope, name: str, work: Callable[[sqlite3.Connection, int], T], default: T
    ) -> T:
        """Run ``work`` in a write transaction with the queue's row id; ``default`` if missing."""

        def run(connection: sqlite3.Connection) -> T:
            queue_id = _queue_id(connection, scope, name)
            return default if queue_id is None else work(connection, queue_id)

        return await self.database.write(run)

    async def _read_on_queue(
        self, scope: Scope, name: str, read: Callable[[sqlite3.Connection, int], T], default: T
    ) -> T:
        def run(connection: sqlite3.Connection) -> T:
            queue_id = _queue_id(connection, scope, name)
            return default if queue_id is None else read(connection, queue_id)

        return await self.database.read(run)

    # --- queues ----------------------------------------------------------------------------------
    async def create_queue(self, queue: Queue) -> bool:
        params = queue_params(queue)
        return await self.database.write(
            lambda c: c.execute(_Q["insert_queue"], params).rowcount == 1
        )

    async def get_queue(self, scope: Scope, name: str) -> Queue | None:
        params = _key(scope, name)
        row = await self.database.read(lambda c: c.execute(_Q["get_queue"], params).fetchone())
        return None if row is None else queue_from_row(row)

    async def list_queues(
        self, scope: Scope, *, prefix: str | None = None, after: str | None = None, limit: int
    ) -> list[Queue]:
        if limit <= 0:
            return []
        params = {**_key(scope, ""), "prefix": prefix, "after": after, "limit": limit}
        found = await self.database.read(lambda c: c.execute(_Q["list_queues"], params).fetchall())
        return [queue_from_row(row) for row in found]

    async def update_queue(self, queue: Queue) -> None:
        params = queue_params(queue)
        await self.database.write(lambda c: c.execute(_Q["update_queue"], params))

    async def delete_queue(self, scope: Scope, name: str) -> bool:
        params = _key(scope, name)
        return await self.database.write(
            lambda c: c.execute(_Q["delete_queue"], params).rowcount == 1
        )

    # --- messages --------------------------------------------------------------------------------
    async def send(
        self, scope: Scope, name: str, outgoing: Sequence[Outgoing], *, dedup_since: datetime
    ) -> list[Sent] | None:
        since = to_micros(dedup_since)

        def send(connection: sqlite3.Connection, queue_id: int) -> list[Sent] | None:
            if all(item.dedup_key is None for item in outgoing):
                return _append_all(connection, queue_id, outgoing)
            connection.execute(_Q["forget_dedup"], {"queue_id": queue_id, "since": since})
            return [_append(connection, queue_id, item) for item in outgoing]

        return await self._on_queue(scope, name, send, None)

    async def receive(self, scope: Scope, name: str, request: ReceiveRequest) -> list[QueueMessage]:
        def receive(connection: sqlite3.Connection, queue_id: int) -> list[QueueMessage]:
            if request.expired_before is not None:
                before = to_micros(request.expired_before)
                connection.execute(_Q["expire_messages"], {"queue_id": queue_id, "before": before})
            return _receive(connection, queue_id, request)

        return await self._on_queue(scope, name, receive, [])

    async def get_message(self, scope: Scope, name: str, message_id: str) -> QueueMessage | None:
        def get(connection: sqlite3.Connection, queue_id: int) -> QueueMessage | None:
            params = {"queue_id": queue_id, "id": message_id}
            row = connection.execute(_Q["get_message"], params).fetchone()
            return None if row is None else message_from_row(row)

        return await self._read_on_queue(scope, name, get, None)

    async def delete_message(self, scope: Scope, name: str, message_id: str) -> bool:
        def delete(connection: sqlite3.Connection, queue_id: int) -> bool:
            params = {"queue_id": queue_id, "id": message_id}
            return connection.execute(_Q["delete_message"], params).rowcount == 1

        return await self._on_queue(scope, name, delete, False)

    async def set_visible_at(
        self, scope: Scope, name: str, message_id: str, receipt: str, visible_at: datetime
    ) -> bool:
        params = {"id": message_id, "receipt": receipt, "visible_at": to_micros(visible_at)}

        def change(connection: sqlite3.Connection, queue_id: int) -> bool:
            return (
                connection.execute(_Q["set_visible_at"], {**params, "queue_id": queue_id}).rowcount
                == 1
            )

        return await self._on_queue(scope, name, change, False)

    async def purge(self, scope: Scope, name: str) -> None:
        def purge(connection: sqlite3.Connection, queue_id: int) -> None:
            connection.execute(_Q["purge"], {"queue_id": queue_id})
            connection.execute(_Q["forget_all_dedup"], {"queue_id": queue_id})

        await self._on_queue(scope, name, purge, None)

    async def redelay(self, scope: Scope, name: str, delay: timedelta) -> None:
        def redelay(connection: sqlite3.Connection, queue_id: int) -> None:
            micros = delay // timedelta(microseconds=1)
            connection.execute(_Q["redelay"], {"queue_id": queue_id, "delay": micros})

        await self._on_queue(scope, name, redelay, None)

    async def peek(self, scope: Scope, name: str, limit: int) -> list[QueueMessage]:
        def peek(connection: sqlite3.Connection, queue_id: int) -> list[QueueMessage]:
            params = {"queue_id": queue_id, "limit": limit}
            return [message_from_row(row) for row in connection.execute(_Q["peek"], params)]

        return await self._read_on_queue(scope, name, peek, [])

    async def counts(self, scope: Scope, name: str, now: datetime) -> QueueCounts:
        at = to_micros(now)

        def count(connection: sqlite3.Connection, queue_id: int) -> QueueCounts:
            row = connection.execute(_Q["counts"], {"queue_id": queue_id, "now": at}).fetchone()
            return QueueCounts(int(row[0]), int(row[1]), int(row[2]))

        return await self._read_on_queue(scope, name, count, QueueCounts(0, 0, 0))

    async def next_visible_at(self, scope: Scope, name: str, now: datetime) -> datetime | None:
        at = to_micros(now)

        def earliest(connection: sqlite3.Connection, queue_id: int) -> datetime | None:
            params = {"queue_id": queue_id, "now": at}
            (micros,) = connection.execute(_Q["next_visible_at"], params).fetchone()
            return None if micros is None else from_micros(micros)

        return await self._read_on_queue(scope, name, earliest, None)


def _next_seq(connection: sqlite3.Connection, queue_id: int) -> int:
    return int(connection.execute(_Q["next_seq"], {"queue_id": queue_id}).fetchone()[0])


def _append_all(
    connection: sqlite3.Connection, queue_id: int, outgoing: Sequence[Outgoing]
) -> list[Sent]:
    """Messages without deduplication (a standard queue's): their sequence numbers taken at
    once, in order, and one insert statement for all."""
    params = {"queue_id": queue_id, "count": len(outgoing)}
    last = int(connection.execute(_Q["next_seqs"], params).fetchone()[0])
    first = last - len(outgoing) + 1
    connection.executemany(
        _Q["insert_message"],
        [
            {**message_params(queue_id, item.message), "seq": first + n}
            for n, item in enumerate(outgoing)
        ],
    )
    return [Sent(item.message.id, first + n) for n, item in enumerate(outgoing)]


def _append(connection: sqlite3.Connection, queue_id: int, item: Outgoing) -> Sent:
    if item.dedup_key is not None:
        params = {"queue_id": queue_id, "dedup_key": item.dedup_key}
        found = connection.execute(_Q["find_dedup"], params).fetchone()
        if found is not None:
            return Sent(found[0], found[1], duplicate=True)
    seq = _next_seq(connection, queue_id)
    message = item.message
    connection.execute(_Q["insert_message"], {**message_params(queue_id, message), "seq": seq})
    if item.dedup_key is not None:
        at = to_micros(message.sent_at)
        connection.execute(
            _Q["insert_dedup"],
            {"queue_id": queue_id, "dedup_key": item.dedup_key, "message_id": message.id,
             "seq": seq, "at": at},
        )  # fmt: skip
    return Sent(message.id, seq)


def _move(
    connection: sqlite3.Connection, queue_id: int, target_id: int, moved: Sequence[QueueMessage]
) -> None:
    for message in moved:
        connection.execute(_Q["delete_message"], {"queue_id": queue_id, "id": message.id})
        seq = _next_seq(connection, target_id)
        connection.execute(_Q["insert_message"], {**message_params(target_id, message), "seq": seq})


def _receive(
    connection: sqlite3.Connection, queue_id: int, request: ReceiveRequest
) -> list[QueueMessage]:
    """Apply ``plan_receive`` until the batch is full or no candidate is left.

    A candidate moved to the dead-letter queue frees its place, so the next round reads on.
    """
    redrive = request.redrive
    target_id = None
    if redrive is not None:
        target_id = _queue_id(connection, redrive.dead_letter_scope, redrive.dead_letter_name)
    query = _Q["visible_fifo_messages"] if request.fifo else _Q["visible_messages"]
    taken: list[QueueMessage] = []
    while len(taken) < request.max_messages:
        wanted = request.max_messages - len(taken)
        params = {"queue_id": queue_id, "now": to_micros(request.now), "limit": wanted + 16}
        rows = connection.execute(query, params).fetchall()
        step = ReceiveRequest(
            now=request.now,
            max_messages=wanted,
            visible_until=request.visible_until,
            receipts=request.receipts[len(taken) :],
            fifo=request.fifo,
            redrive=redrive,
        )
        plan = plan_receive(
            [message_from_row(row) for row in rows], step, can_move=target_id is not None
        )
        for message in plan.taken:
            connection.execute(_Q["take_message"], message_params(queue_id, message))
        if target_id is not None:
            _move(connection, queue_id, target_id, plan.moved)
        taken.extend(plan.taken)
        if not plan.moved or len(rows) == 0:
            break
    return taken
