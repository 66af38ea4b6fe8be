"""``SqliteStore``: the ``Store`` port (configuration, events, outbox) on a ``SqliteDatabase``."""

from __future__ import annotations

import pathlib
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from busway import jsontext
from busway.errors import ResourceNotFound
from busway.model import Delivery, Event, EventBus, IngestRecord, Rule, Scope, Target
from busway.store.protocol import (
    ACTIVITY_PER_BUS,
    RECENT_EVENTS_WINDOW,
    ActivityPage,
    ClaimedDelivery,
    DeliveryActivity,
    DeliveryOutcome,
    DeliveryRetry,
    DeliveryState,
    RecentEvent,
)
from busway.store.pruning import PruneBatch, choose_expired
from busway.store.sql import read_queries
from busway.store.sqlite import rows
from busway.store.sqlite.database import SqliteDatabase
from busway.store.sqlite.writer import Work

__all__ = ["SqliteStore"]

T = TypeVar("T")

_Q = read_queries("busway.store.sqlite", "queries.sql")
_FIRES = read_queries("busway.store.sqlite", "rule_fires.sql")


class SqliteStore:
    """The ``Store`` on a SQLite file; ``database`` is shared with the other SQLite stores.

    Options are those of ``SqliteDatabase``. Rows are built on the caller's side, so the writer
    thread spends its time in SQLite, which releases the GIL.
    """

    def __init__(
        self, path: pathlib.Path, *, activity_per_bus: int = ACTIVITY_PER_BUS, **options: Any
    ) -> None:
        if activity_per_bus < 1:
            raise ValueError("activity_per_bus must be at least 1")
        self.path = path
        self.database = SqliteDatabase(path, **options)
        self._activity_per_bus = activity_per_bus
        # Outcomes recorded per bus since its ring was last cut: a cut costs a walk over the
        # ring, so it is made once a tenth of the bound has come in, not on every write.
        self._since_cut: dict[tuple[str, str, str], int] = {}

    async def open(self) -> None:
        await self.database.open()

    async def close(self) -> None:
        await self.database.close()

    async def _write(self, work: Work[T], *, durable: bool = True) -> T:
        return await self.database.write(work, durable=durable)

    async def _read(self, query: str, params: Mapping[str, Any]) -> list[Any]:
        return await self.database.read(lambda c: c.execute(query, params).fetchall())

    # --- event buses -----------------------------------------------------------------------------
    async def create_bus(self, bus: EventBus) -> bool:
        params = rows.bus_params(bus)
        return await self._write(lambda c: c.execute(_Q["insert_bus"], params).rowcount == 1)

    async def get_bus(self, scope: Scope, name: str) -> EventBus | None:
        found = await self._read(_Q["get_bus"], _key(scope, name=name))
        return rows.bus_from_row(found[0]) if found else None

    async def all_buses(self) -> list[EventBus]:
        return [rows.bus_from_row(row) for row in await self._read(_Q["all_buses"], {})]

    async def list_buses(
        self, scope: Scope, *, prefix: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[EventBus]:
        if limit <= 0:
            return []
        params = _key(scope, prefix=prefix, after=after, limit=limit)
        return [rows.bus_from_row(row) for row in await self._read(_Q["list_buses"], params)]

    async def update_bus(self, bus: EventBus) -> None:
        params = rows.bus_params(bus)
        await self._write(lambda c: c.execute(_Q["update_bus"], params))

    async def delete_bus(self, scope: Scope, name: str) -> None:
        params = _key(scope, name=name)

        def delete(connection: sqlite3.Connection) -> None:
            connection.execute(_Q["delete_bus_tags"], params)
            connection.execute(_Q["delete_bus"], params)  # rules and targets by cascade

        await self._write(delete)

    # --- rules -----------------------------------------------------------------------------------
    async def put_rule(self, rule: Rule) -> None:
        params = rows.rule_params(rule)
        bus = _key(rule.scope, name=rule.bus_name)

        def put(connection: sqlite3.Connection) -> None:
            if connection.execute(_Q["bus_exists"], bus).fetchone() is None:
                raise ResourceNotFound(f"Event bus {rule.bus_name} does not exist.")
            try:
                connection.execute(_Q["upsert_rule"], params)
            except sqlite3.IntegrityError as exc:
                raise ValueError(f"rule {rule.name} already exists with another ARN") from exc

        await self._write(put)

    async def get_rule(self, scope: Scope, bus_name: str, name: str) -> Rule | None:
        found = await self._read(_Q["get_rule"], _key(scope, bus_name=bus_name, name=name))
        return rows.rule_from_row(found[0]) if found else None

    async def list_rules(
        self,
        scope: Scope,
        bus_name: str,
        *,
        prefix: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Rule]:
        if limit <= 0:
            return []
        params = _key(scope, bus_name=bus_name, prefix=prefix, after=after, limit=limit)
        return [rows.rule_from_row(row) for row in await self._read(_Q["list_rules"], params)]

    async def count_rules(self, scope: Scope, bus_name: str) -> int:
        found = await self._read(_Q["count_rules"], _key(scope, bus_name=bus_name))
        count: int = found[0][0]
        return count

    async def delete_rule(self, rule_arn: str) -> None:
        params = {"arn": rule_arn}

        def delete(connection: sqlite3.Connection) -> None:
            connection.execute(_Q["delete_tags_of"], params)
            connection.execute(_Q["delete_rule"], params)  # targets by cascade

        await self._write(delete)

    async def all_rules(self) -> list[Rule]:
        return [rows.rule_from_row(row) for row in await self._read(_Q["all_rules"], {})]

    # --- targets ---------------------------------------------------------------------------------
    async def put_targets(self, rule_arn: str, targets: Sequence[Target]) -> None:
        params = [(rule_arn, target.id, rows.target_to_json(target)) for target in targets]

        def put(connection: sqlite3.Connection) -> None:
            if connection.execute(_Q["rule_exists"], {"arn": rule_arn}).fetchone() is None:
                raise ResourceNotFound(f"Rule {rule_arn} does not exist.")
            connection.executemany(_Q["upsert_target"], params)

        await self._write(put)

    async def remove_targets(self, rule_arn: str, target_ids: Sequence[str]) -> None:
        params = [(rule_arn, target_id) for target_id in target_ids]
        if params:
            await self._write(lambda c: c.executemany(_Q["delete_target"], params))

    async def list_targets(self, rule_arn: str) -> list[Target]:
        found = await self._read(_Q["list_targets"], {"rule_arn": rule_arn})
        return [rows.target_from_json(text) for (text,) in found]

    async def all_targets(self) -> dict[str, list[Target]]:
        by_rule: dict[str, list[Target]] = {}
        for rule_arn, text in await self._read(_Q["all_targets"], {}):
            by_rule.setdefault(rule_arn, []).append(rows.target_from_json(text))
        return by_rule

    # --- tags ------------------------------------------------------------------------------------
    async def get_tags(self, arn: str) -> dict[str, str]:
        return dict(await self._read(_Q["get_tags"], {"arn": arn}))

    async def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        params = [(arn, key, value) for key, value in tags.items()]
        if params:
            await self._write(lambda c: c.executemany(_Q["upsert_tag"], params))

    async def untag(self, arn: str, keys: Sequence[str]) -> None:
        params = [(arn, key) for key in keys]
        if params:
            await self._write(lambda c: c.executemany(_Q["delete_tag"], params))

    # --- events and the delivery outbox ----------------------------------------------------------
    async def append_events(self, records: Sequence[IngestRecord]) -> None:
        if records:
            events, deliveries = _ingest_rows(records, None)
            await self._write(lambda connection: _append(connection, events, deliveries))

    async def append_claimed_events(
        self,
        records: Sequence[IngestRecord],
        lease_until: datetime,
        *,
        on_commit: Callable[[list[ClaimedDelivery]], None] | None = None,
    ) -> list[ClaimedDelivery]:
        if not records:
            if on_commit is not None:
                on_commit([])
            return []
        lease = rows.to_micros(lease_until)
        events, deliveries = _ingest_rows(records, lease)
        claimed: list[ClaimedDelivery] = []

        def committed(first_id: int) -> None:
            claimed.extend(_handed_off(records, first_id, rows.from_micros(lease)))
            if on_commit is not None:
                on_commit(claimed)

        # ``committed`` runs before the write returns: the claims are known by then.
        await self.database.write(
            lambda connection: _append(connection, events, deliveries), on_commit=committed
        )
        return claimed

    async def get_event(self, event_id: str) -> Event | None:
        found = await self._read(_Q["get_event"], {"id": event_id})
        return rows.event_from_row(found[0]) if found else None

    async def count_events(self) -> int:
        count: int = (await self._read(_Q["count_events"], {}))[0][0]
        return count

    async def list_deliveries(self, event_id: str) -> list[Delivery]:
        found = await self._read(_Q["list_deliveries"], {"event_id": event_id})
        return [rows.delivery_from_row(row) for row in found]

    async def prune_events(self, cut: datetime, *, after: int, limit: int) -> PruneBatch:
        params = {"after": after, "limit": max(limit, 0)}

        def prune(connection: sqlite3.Connection) -> PruneBatch:
            batch = [
                (seq, rows.from_micros(ingested_at), bool(pending))
                for seq, ingested_at, pending in connection.execute(_Q["prune_batch"], params)
            ]
            newest = connection.execute(_Q["newest_event"]).fetchone()[0]
            doomed, resume_after = choose_expired(batch, cut, newest)
            connection.executemany(_Q["delete_event"], [(seq,) for seq in doomed])
            return PruneBatch(len(doomed), resume_after)

        rows.to_micros(cut)  # a naive cut is refused here, not on the writer thread
        # Losing a sweep's deletes to a power cut costs nothing: the next sweep makes them again.
        return await self._write(prune, durable=False)

    # --- delivery: claims on the outbox --------------------------------------------------------
    async def claim_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedDelivery]:
        if lease_until <= now:
            raise ValueError("a lease must end after it starts")
        if limit <= 0:
            return []
        params = {"now": rows.to_micros(now), "limit": limit}
        lease = rows.to_micros(lease_until)
        found = await self._write(lambda connection: _claim(connection, params, lease))
        # Records are built here, on the loop, so the writer only spends its time in SQLite.
        return [_claimed_from_row(row, rows.from_micros(lease)) for row in found]

    async def complete_deliveries(self, completed: Sequence[int | DeliveryOutcome]) -> None:
        if not completed:
            return
        params = [(item if isinstance(item, int) else item.id,) for item in completed]
        outcomes = [_outcome_params(item) for item in completed if not isinstance(item, int)]
        cuts = self._cuts_due(outcomes)
        keep = self._activity_per_bus

        def complete(connection: sqlite3.Connection) -> None:
            if outcomes:  # before the rows they are read from go
                connection.executemany(_Q["record_outcome"], outcomes)
            connection.executemany(_Q["complete_delivery"], params)
            for bus in cuts:
                _cut_ring(connection, bus, keep)

        # Not durable: a settlement lost to a power cut leaves its delivery claimed until the
        # lease ends, and it is made again, as at-least-once allows. Syncing it would cost the
        # disk a flush per settled batch, in the writer queue ahead of ingests.
        await self._write(complete, durable=False)

    def _cuts_due(self, outcomes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        every = max(self._activity_per_bus // 10, 1)
        due = []
        for outcome in outcomes:
            key = (outcome["account"], outcome["region"], outcome["bus"])
            count = self._since_cut.get(key, 0) + 1
            if count >= every:
                count = 0
                due.append({"account": key[0], "region": key[1], "bus": key[2]})
            self._since_cut[key] = count
        return due

    async def retry_deliveries(self, retries: Sequence[DeliveryRetry]) -> int:
        params = [
            (
                rows.to_micros(retry.due_at),
                retry.attempts,
                retry.error_code,
                retry.error_message,
                retry.id,
                rows.to_micros(retry.lease_until),
            )
            for retry in retries
        ]
        if not params:
            return 0
        changed: int = await self._write(
            lambda c: c.executemany(_Q["retry_delivery"], params).rowcount,
            durable=False,  # as for completions: a lost retry comes back when its lease ends
        )
        return changed

    async def next_due_at(self) -> datetime | None:
        (due,) = (await self._read(_Q["next_due_at"], {}))[0]
        return None if due is None else rows.from_micros(due)

    async def release_claims(self, now: datetime) -> int:
        params = {"now": rows.to_micros(now)}
        released: int = await self._write(
            lambda c: c.execute(_Q["release_claims"], params).rowcount
        )
        return released

    # --- activity --------------------------------------------------------------------------------
    async def recent_events(
        self, scope: Scope, bus_name: str, *, after: int | None = None, limit: int = 25
    ) -> ActivityPage:
        if limit <= 0:
            raise ValueError("limit must be at least 1")
        key = _key(scope, bus=bus_name)
        head, found, outcomes, pending = await self.database.read(
            lambda connection: _read_activity(connection, key, after, limit)
        )
        outcomes_of: dict[int, list[Any]] = {}
        for row in outcomes:
            outcomes_of.setdefault(row[0], []).append(row)
        pending_of: dict[int, list[Any]] = {}
        for row in pending:
            pending_of.setdefault(row[0], []).append(row)
        events = [
            _recent_event(row, outcomes_of.get(row[0], []), pending_of.get(row[0], []))
            for row in found
        ]
        if events:
            cursor = events[-1].seq if after is not None else max(head, events[-1].seq)
        else:
            cursor = head if after is None else after
        return ActivityPage(events, cursor)

    async def redrive_delivery(
        self, event: Event, rule_arn: str, target_id: str, due_at: datetime
    ) -> bool:
        event_params = rows.event_row(event)
        due = rows.to_micros(due_at)

        def redrive(connection: sqlite3.Connection) -> bool:
            (seq,) = connection.execute(_Q["redrive_event"], event_params).fetchone()
            params = (seq, rule_arn, target_id, due)
            added: bool = connection.execute(_Q["redrive_delivery"], params).rowcount == 1
            return added

        redriven: bool = await self._write(redrive)
        return redriven

    # --- rule schedules --------------------------------------------------------------------------
    async def append_scheduled_event(
        self, rule_arn: str, tick: datetime, record: IngestRecord, *, forget_before: datetime
    ) -> bool:
        tick_micros, forget_micros = rows.to_micros(tick), rows.to_micros(forget_before)
        if forget_micros > tick_micros:
            raise ValueError("a fire must not forget its own tick")
        fire = {
            "rule_arn": rule_arn,
            "tick": tick_micros,
            "event_id": record.event.id,
            "forget_before": forget_micros,
        }
        events, deliveries = _ingest_rows([record], None)

        def append(connection: sqlite3.Connection) -> bool:
            if connection.execute(_FIRES["insert_fire"], fire).rowcount != 1:
                return False
            connection.execute(_FIRES["forget_fires"], fire)
            _append(connection, events, deliveries)
            return True

        fired: bool = await self._write(append)
        return fired


def _outcome_params(outcome: DeliveryOutcome) -> dict[str, Any]:
    return {
        "id": outcome.id,
        "account": outcome.scope.account,
        "region": outcome.scope.region,
        "bus": outcome.bus_name,
        "state": outcome.state.value,
        "attempts": outcome.attempts,
        "error_code": outcome.error_code,
    }


def _cut_ring(connection: sqlite3.Connection, bus: Mapping[str, Any], keep: int) -> None:
    """Drop the outcomes of a bus's oldest events beyond ``keep``; its ring starts after."""
    found = connection.execute(_Q["activity_cut"], {**bus, "keep": keep}).fetchone()
    if found is not None:
        floor = {**bus, "floor": found[0]}
        connection.execute(_Q["prune_outcomes"], floor)
        connection.execute(_Q["raise_floor"], floor)


def _read_activity(
    connection: sqlite3.Connection, key: Mapping[str, Any], after: int | None, limit: int
) -> tuple[int, list[Any], list[Any], list[Any]]:
    """The head seq, the events (oldest first), their outcomes and their pending deliveries."""
    start, head = connection.execute(
        _Q["activity_start"], {**key, "window": RECENT_EVENTS_WINDOW}
    ).fetchone()
    if after is None:
        params = {**key, "start": start, "limit": limit}
        found = connection.execute(_Q["latest_events"], params).fetchall()[::-1]
    else:
        params = {**key, "start": max(start, after), "limit": limit}
        found = connection.execute(_Q["events_after"], params).fetchall()
    if not found:
        return head, found, [], []
    seqs = {"seqs": jsontext.dumps([row[0] for row in found])}
    outcomes = connection.execute(_Q["outcomes_of"], {**key, **seqs}).fetchall()
    pending = connection.execute(_Q["pending_of"], seqs).fetchall()
    return head, found, outcomes, pending


def _recent_event(row: rows.Row, outcomes: list[Any], pending: list[Any]) -> RecentEvent:
    deliveries = [
        DeliveryActivity(rule_arn, target_id, DeliveryState(state), attempts, None, error_code)
        for _, rule_arn, target_id, state, attempts, error_code in outcomes
    ]
    for _, rule_arn, target_id, attempts, due_at, claimed, error_code in pending:
        state = DeliveryState.RETRYING if attempts else DeliveryState.PENDING
        due = None if claimed else rows.from_micros(due_at)
        deliveries.append(DeliveryActivity(rule_arn, target_id, state, attempts, due, error_code))
    return RecentEvent(row[0], rows.event_from_row(row[1:]), tuple(deliveries))


def _claim(connection: sqlite3.Connection, params: Mapping[str, Any], lease: int) -> list[Any]:
    # Select and lease in the writer's transaction: the only writer, so nothing claims between.
    found = connection.execute(_Q["due_deliveries"], params).fetchall()
    connection.executemany(_Q["lease_delivery"], [(lease, row[0]) for row in found])
    return found


def _claimed_from_row(row: rows.Row, lease_until: datetime) -> ClaimedDelivery:
    delivery_id, rule_arn, target_id, attempts, error_code, error_message = row[:6]
    return ClaimedDelivery(
        id=delivery_id,
        event=rows.event_from_row(row[6:]),
        rule_arn=rule_arn,
        target_id=target_id,
        attempts=attempts,
        lease_until=lease_until,
        error_code=error_code,
        error_message=error_message,
    )


def _key(scope: Scope, **params: Any) -> dict[str, Any]:
    return {"account": scope.account, "region": scope.region, **params}


_EventRow = tuple[Any, ...]
# A delivery row without its event's seq, which only the writer learns, and the index of that
# event among the call's events.
_Pending = tuple[int, tuple[Any, ...]]


def _ingest_rows(
    records: Sequence[IngestRecord], lease: int | None
) -> tuple[list[_EventRow], list[_Pending]]:
    """Event rows and deliveries of one ``append_events`` call, built on the caller's side;
    with a ``lease`` (microseconds) the deliveries are claimed until then."""
    events = []
    deliveries = []
    micros = _MicrosMemo()
    for index, record in enumerate(records):
        events.append(rows.event_row(record.event, micros))
        for delivery in record.deliveries:
            if delivery.event_id != record.event.id:
                raise ValueError(
                    f"delivery for event {delivery.event_id} in the record of {record.event.id}"
                )
            rule_arn, target_id, due_at, attempts = rows.delivery_row(delivery, micros)
            if lease is None:
                deliveries.append((index, (rule_arn, target_id, due_at, attempts, 0)))
            else:
                deliveries.append((index, (rule_arn, target_id, lease, attempts, 1)))
    return events, deliveries


class _MicrosMemo:
    """``rows.to_micros`` remembering its last answer: the events of one request and their
    deliveries mostly share one datetime object (the time of the call)."""

    __slots__ = ("_micros", "_moment")

    def __init__(self) -> None:
        self._moment: datetime | None = None
        self._micros = 0

    def __call__(self, moment: datetime) -> int:
        if moment is not self._moment:
            self._micros = rows.to_micros(moment)
            self._moment = moment
        return self._micros


def _handed_off(
    records: Sequence[IngestRecord], first_id: int, lease_until: datetime
) -> list[ClaimedDelivery]:
    """The claims ``append_claimed_events`` made, ids counted from ``first_id`` in order."""
    claimed = []
    delivery_id = first_id
    for record in records:
        event = _as_stored(record.event) if record.deliveries else record.event
        for delivery in record.deliveries:
            # Positional, in ClaimedDelivery's field order: built for every event ingested.
            claimed.append(
                ClaimedDelivery(
                    delivery_id,
                    event,
                    delivery.rule_arn,
                    delivery.target_id,
                    delivery.attempts,
                    lease_until,
                )
            )
            delivery_id += 1
    return claimed


def _as_stored(event: Event) -> Event:
    """The event as reading it back gives it: its datetimes in UTC."""
    if event.time.tzinfo is UTC and event.ingested_at.tzinfo is UTC:
        return event  # the usual case, and the cheap one
    return replace(
        event, time=event.time.astimezone(UTC), ingested_at=event.ingested_at.astimezone(UTC)
    )


def _append(
    connection: sqlite3.Connection, events: list[_EventRow], deliveries: list[_Pending]
) -> int:
    """Insert the events and their deliveries; the id of the first delivery (0 for none)."""
    try:
        connection.executemany(_Q["insert_event"], events)
    except sqlite3.IntegrityError as exc:
        raise ValueError(f"an event id is already stored: {exc}") from exc
    # SQLite gives a new row the largest seq + 1, so the events of one executemany on the only
    # writer have consecutive seqs. Checking the first turns a surprise into an error, not into
    # deliveries attached to the wrong events.
    first: int = connection.execute(_Q["last_seq"]).fetchone()[0] - len(events) + 1
    if connection.execute(_Q["event_id_at"], (first,)).fetchone() != (events[0][0],):
        raise RuntimeError("inserted events did not get consecutive seqs")
    params = [(first + index, *row) for index, row in deliveries]
    if not params:
        return 0
    try:
        connection.executemany(_Q["insert_delivery"], params)
    except sqlite3.IntegrityError as exc:
        raise ValueError(f"a delivery is listed twice: {exc}") from exc
    # As for the events: the deliveries of one executemany get consecutive ids, checked on the
    # first so that a handed-off claim can never name another delivery.
    first_id: int = connection.execute(_Q["last_delivery_id"]).fetchone()[0] - len(params) + 1
    if connection.execute(_Q["delivery_at"], (first_id,)).fetchone() != params[0][:3]:
        raise RuntimeError("inserted deliveries did not get consecutive ids")
    return first_id
