"""The ``LogGroupStore`` contract, held by the in-memory store and SQLite (a real file)."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from busway.errors import ResourceNotFound
from busway.model import Scope
from busway.store.log_groups import (
    Cursor,
    EventQuery,
    LogGroup,
    LogGroupStore,
    LogStream,
    NewLogEvent,
    ResourcePolicy,
    StreamOrder,
)
from busway.store.memory.log_groups import MemoryLogGroupStore
from busway.store.sqlite import SqliteDatabase
from busway.store.sqlite.log_groups import SqliteLogGroupStore

SCOPE = Scope("123456789012", "us-east-1")
OTHER = Scope("210987654321", "eu-west-1")
T0 = 1_700_000_000_000

Body = Callable[[LogGroupStore], Awaitable[None]]


@asynccontextmanager
async def _memory(_: pathlib.Path) -> AsyncIterator[LogGroupStore]:
    yield MemoryLogGroupStore()


@asynccontextmanager
async def _sqlite(tmp_path: pathlib.Path) -> AsyncIterator[LogGroupStore]:
    database = SqliteDatabase(tmp_path / "busway.db")
    await database.open()
    try:
        yield SqliteLogGroupStore(database)
    finally:
        await database.close()


_STORES = {"memory": _memory, "sqlite": _sqlite}


@pytest.fixture(params=sorted(_STORES))
def run(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Callable[[Body], None]:
    def runner(body: Body) -> None:
        async def main() -> None:
            async with _STORES[request.param](tmp_path) as store:
                await body(store)

        asyncio.run(main())

    return runner


def group(name: str, scope: Scope = SCOPE, **fields: int) -> LogGroup:
    return LogGroup(scope, name, T0, **fields)  # type: ignore[arg-type]


def events(*pairs: tuple[int, str]) -> list[NewLogEvent]:
    return [NewLogEvent(T0 + offset, message) for offset, message in pairs]


def test_groups_are_created_once_per_scope(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        assert await store.create_group(group("/a"))
        assert not await store.create_group(group("/a", retention_days=7))
        assert await store.create_group(group("/a", OTHER))
        assert await store.get_group(SCOPE, "/a") == group("/a")
        assert await store.get_group(SCOPE, "/missing") is None

    run(body)


def test_groups_list_by_name_with_prefix_and_offset(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        for name in ["/b/2", "/a", "/b/1", "/c"]:
            await store.create_group(group(name))
        await store.create_group(group("/b/0", OTHER))
        names = [g.name for g in await store.list_groups(SCOPE)]
        assert names == ["/a", "/b/1", "/b/2", "/c"]
        listed = await store.list_groups(SCOPE, prefix="/b/", offset=1, limit=5)
        assert [g.name for g in listed] == ["/b/2"]
        assert await store.list_groups(SCOPE, limit=0) == []

    run(body)


def test_groups_list_by_a_case_sensitive_substring(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        for name in ["DataLogs", "aws/DataLogs", "GroupDataLogs", "datalogs", "Data/log/s"]:
            await store.create_group(group(name))
        await store.create_group(group("OtherDataLogs", OTHER))
        listed = await store.list_groups(SCOPE, pattern="DataLogs")
        assert [g.name for g in listed] == ["DataLogs", "GroupDataLogs", "aws/DataLogs"]
        assert await store.list_groups(SCOPE, pattern="%") == []
        assert await store.list_groups(SCOPE, pattern="_") == []

    run(body)


def test_retention_is_set_listed_and_removed(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        await store.create_group(group("/a"))
        await store.create_group(group("/b"))
        assert await store.set_retention(SCOPE, "/a", 7)
        assert not await store.set_retention(SCOPE, "/missing", 7)
        assert [g.name for g in await store.groups_with_retention(limit=10)] == ["/a"]
        assert (await store.get_group(SCOPE, "/a")) == group("/a", retention_days=7)
        await store.set_retention(SCOPE, "/a", None)
        assert await store.groups_with_retention(limit=10) == []

    run(body)


def test_append_creates_streams_and_tracks_them(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        await store.create_group(group("/a"))
        await store.append(SCOPE, "/a", "s1", events((5, "hello"), (2, "hi")), T0 + 10)
        await store.append(SCOPE, "/a", "s1", events((9, "later")), T0 + 20)
        (stream,) = await store.list_streams(SCOPE, "/a")
        assert stream == LogStream("/a", "s1", T0 + 10, T0 + 2, T0 + 9, T0 + 20, 12)
        found = await store.get_group(SCOPE, "/a")
        assert found is not None
        assert found.stored_bytes == 12

    run(body)


def test_append_needs_the_group(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        with pytest.raises(ResourceNotFound):
            await store.append(SCOPE, "/missing", "s", events((0, "x")), T0)
        with pytest.raises(ResourceNotFound):
            await store.read_events(SCOPE, "/missing", EventQuery(limit=1))
        with pytest.raises(ResourceNotFound):
            await store.list_streams(SCOPE, "/missing")

    run(body)


def test_streams_are_created_once(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        await store.create_group(group("/a"))
        assert await store.create_stream(SCOPE, "/a", LogStream("/a", "s", T0))
        assert not await store.create_stream(SCOPE, "/a", LogStream("/a", "s", T0 + 1))
        assert await store.list_streams(SCOPE, "/a") == [LogStream("/a", "s", T0)]
        with pytest.raises(ResourceNotFound):
            await store.create_stream(SCOPE, "/missing", LogStream("/missing", "s", T0))

    run(body)


def test_streams_order_by_name_or_last_event(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        await store.create_group(group("/a"))
        await store.append(SCOPE, "/a", "b", events((3, "x")), T0)
        await store.append(SCOPE, "/a", "a", events((7, "x")), T0)
        await store.append(SCOPE, "/a", "c", events((1, "x")), T0)

        async def names(order: StreamOrder, **options: int | str) -> list[str]:
            found = await store.list_streams(SCOPE, "/a", order=order, **options)  # type: ignore[arg-type]
            return [stream.name for stream in found]

        assert await names(StreamOrder()) == ["a", "b", "c"]
        assert await names(StreamOrder(descending=True)) == ["c", "b", "a"]
        assert await names(StreamOrder(by_last_event=True)) == ["c", "b", "a"]
        assert await names(StreamOrder(by_last_event=True, descending=True)) == ["a", "b", "c"]
        assert await names(StreamOrder(), offset=1, limit=1) == ["b"]
        assert await names(StreamOrder(), prefix="c") == ["c"]

    run(body)


def test_events_read_in_time_order_with_filters(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        await store.create_group(group("/a"))
        await store.append(SCOPE, "/a", "s1", events((3, "three apples"), (1, "one")), T0)
        await store.append(SCOPE, "/a", "s2", events((2, "two apples"), (3, "three pears")), T0)

        async def read(**options: object) -> list[str]:
            query = EventQuery(**{"limit": 100, **options})  # type: ignore[arg-type]
            return [event.message for event in await store.read_events(SCOPE, "/a", query)]

        assert await read() == ["one", "two apples", "three apples", "three pears"]
        assert await read(streams=("s2",)) == ["two apples", "three pears"]
        assert await read(stream_prefix="s1") == ["one", "three apples"]
        assert await read(start=T0 + 2, end=T0 + 3) == ["two apples"]
        assert await read(terms=("apples",)) == ["two apples", "three apples"]
        assert await read(terms=("three", "apples")) == ["three apples"]
        assert await read(terms=("Apples",)) == []
        assert await read(descending=True, limit=2) == ["three pears", "three apples"]
        assert await read(limit=0) == []

    run(body)


def test_cursors_resume_reading_exactly(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        await store.create_group(group("/a"))
        await store.append(SCOPE, "/a", "s", events(*[(1, f"m{i}") for i in range(5)]), T0)
        first = await store.read_events(SCOPE, "/a", EventQuery(limit=2))
        rest = await store.read_events(SCOPE, "/a", EventQuery(limit=10, after=first[-1].cursor))
        assert [e.message for e in first + rest] == [f"m{i}" for i in range(5)]
        before = await store.read_events(
            SCOPE, "/a", EventQuery(limit=10, before=rest[0].cursor, descending=True)
        )
        assert [e.message for e in before] == ["m1", "m0"]
        assert first[0].cursor < Cursor(T0 + 1, first[1].id)

    run(body)


def test_old_events_are_deleted_in_bounded_batches(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        await store.create_group(group("/a"))
        await store.append(SCOPE, "/a", "s", events((1, "a"), (2, "b"), (3, "c"), (9, "d")), T0)
        assert await store.delete_events_before(SCOPE, "/a", T0 + 5, limit=2) == 2
        assert await store.delete_events_before(SCOPE, "/a", T0 + 5, limit=2) == 1
        assert await store.delete_events_before(SCOPE, "/a", T0 + 5, limit=2) == 0
        assert await store.delete_events_before(SCOPE, "/missing", T0 + 5, limit=2) == 0
        left = await store.read_events(SCOPE, "/a", EventQuery(limit=10))
        assert [event.message for event in left] == ["d"]

    run(body)


def test_deleting_a_group_deletes_its_streams_and_events(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        await store.create_group(group("/a"))
        await store.append(SCOPE, "/a", "s", events((1, "a")), T0)
        assert await store.delete_group(SCOPE, "/a")
        assert not await store.delete_group(SCOPE, "/a")
        await store.create_group(group("/a"))
        assert await store.list_streams(SCOPE, "/a") == []
        assert await store.read_events(SCOPE, "/a", EventQuery(limit=10)) == []

    run(body)


def test_groups_keep_their_key_class_and_tags(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        made = LogGroup(SCOPE, "/a", T0, kms_key_id="arn:k", log_group_class="INFREQUENT_ACCESS")
        assert await store.create_group(made, {"env": "test", "team": "a"})
        assert not await store.create_group(group("/a"), {"other": "x"})
        assert await store.get_group(SCOPE, "/a") == made
        assert [g.kms_key_id for g in await store.list_groups(SCOPE)] == ["arn:k"]
        assert await store.group_tags(SCOPE, "/a") == {"env": "test", "team": "a"}
        assert await store.tag_group(SCOPE, "/a", {"env": "prod", "x": "1"}, limit=3)
        assert not await store.tag_group(SCOPE, "/a", {"y": "2"}, limit=3)
        assert await store.group_tags(SCOPE, "/a") == {"env": "prod", "team": "a", "x": "1"}
        await store.untag_group(SCOPE, "/a", ["team", "missing"])
        assert await store.group_tags(SCOPE, "/a") == {"env": "prod", "x": "1"}
        for call in (
            store.group_tags(SCOPE, "/b"),
            store.tag_group(SCOPE, "/b", {"k": "v"}, limit=50),
            store.untag_group(SCOPE, "/b", ["k"]),
        ):
            with pytest.raises(ResourceNotFound):
                await call
        assert await store.delete_group(SCOPE, "/a")
        await store.create_group(group("/a"))
        assert await store.group_tags(SCOPE, "/a") == {}

    run(body)


def test_deleting_a_stream_deletes_its_events_only(run: Callable[[Body], None]) -> None:
    async def body(store: LogGroupStore) -> None:
        await store.create_group(group("/a"))
        await store.append(SCOPE, "/a", "gone", events((1, "a")), T0)
        await store.append(SCOPE, "/a", "kept", events((2, "b")), T0)
        assert await store.delete_stream(SCOPE, "/a", "gone")
        assert not await store.delete_stream(SCOPE, "/a", "gone")
        assert [s.name for s in await store.list_streams(SCOPE, "/a")] == ["kept"]
        read = await store.read_events(SCOPE, "/a", EventQuery(limit=10))
        assert [e.message for e in read] == ["b"]
        await store.append(SCOPE, "/a", "gone", events((3, "c")), T0)
        read = await store.read_events(SCOPE, "/a", EventQuery(limit=10, streams=("gone",)))
        assert [e.message for e in read] == ["c"]
        with pytest.raises(ResourceNotFound):
            await store.delete_stream(SCOPE, "/missing", "gone")

    run(body)


def test_resource_policies_are_kept_per_scope_up_to_a_limit(run: Callable[[Body], None]) -> None:
    def policy(name: str, document: str = "{}", scope: Scope = SCOPE) -> ResourcePolicy:
        return ResourcePolicy(scope, name, document, T0)

    async def body(store: LogGroupStore) -> None:
        assert await store.put_resource_policy(policy("b"), limit=2)
        assert await store.put_resource_policy(policy("a"), limit=2)
        assert not await store.put_resource_policy(policy("c"), limit=2)
        assert await store.put_resource_policy(policy("a", '{"v": 2}'), limit=2)  # a replacement
        assert await store.put_resource_policy(policy("c", scope=OTHER), limit=2)
        assert await store.list_resource_policies(SCOPE) == [policy("a", '{"v": 2}'), policy("b")]
        assert await store.delete_resource_policy(SCOPE, "a")
        assert not await store.delete_resource_policy(SCOPE, "a")
        assert await store.list_resource_policies(SCOPE) == [policy("b")]
        assert await store.list_resource_policies(OTHER) == [policy("c", scope=OTHER)]

    run(body)
