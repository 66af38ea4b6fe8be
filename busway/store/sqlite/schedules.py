"""``SqliteScheduleStore``: the ``ScheduleStore`` port on the node's shared ``SqliteDatabase``.

A fire appends its event and delivery to the same database's outbox (the core store's tables,
written with the core store's own queries) in the transaction that takes the fire's key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from busway import jsontext
from busway.errors import ResourceNotFound
from busway.model import IngestRecord, RetryPolicy, Scope, Target
from busway.store.schedules import (
    EventBridgeTarget,
    Schedule,
    ScheduleFire,
    ScheduleGroup,
    ScheduleKey,
    ScheduleState,
    ScheduleTarget,
)
from busway.store.sql import read_queries
from busway.store.sqlite.database import SqliteDatabase
from busway.store.sqlite.rows import (
    delivery_row,
    event_row,
    from_micros,
    target_from_json,
    target_to_json,
    to_micros,
)

__all__ = ["SqliteScheduleStore", "schedule_from_json", "schedule_to_json"]

_Q = read_queries("busway.store.sqlite", "schedules.sql")
_OUTBOX = read_queries("busway.store.sqlite", "queries.sql")


class SqliteScheduleStore:
    """Schedules in the node's SQLite file; opening and closing belong to the database's owner."""

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database

    async def _read(self, query: str, params: Mapping[str, Any]) -> list[Any]:
        return await self.database.read(lambda c: c.execute(query, params).fetchall())

    # --- schedule groups -------------------------------------------------------------------------
    async def create_group(self, group: ScheduleGroup) -> bool:
        params = {
            **_key(group.scope, name=group.name),
            "arn": group.arn,
            "created_at": to_micros(group.created_at),
            "modified_at": to_micros(group.modified_at),
        }
        return await self.database.write(
            lambda c: c.execute(_Q["insert_group"], params).rowcount == 1
        )

    async def get_group(self, scope: Scope, name: str) -> ScheduleGroup | None:
        found = await self._read(_Q["get_group"], _key(scope, name=name))
        return _group_from_row(found[0]) if found else None

    async def list_groups(
        self, scope: Scope, *, prefix: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[ScheduleGroup]:
        if limit <= 0:
            return []
        params = _key(scope, prefix=prefix, after=after, limit=limit)
        return [_group_from_row(row) for row in await self._read(_Q["list_groups"], params)]

    async def count_groups(self, scope: Scope) -> int:
        count: int = (await self._read(_Q["count_groups"], _key(scope)))[0][0]
        return count

    async def delete_group(self, scope: Scope, name: str) -> list[str]:
        params = _key(scope, name=name)

        def delete(connection: sqlite3.Connection) -> list[str]:
            arns = [arn for (arn,) in connection.execute(_Q["schedules_of_group"], params)]
            connection.execute(_Q["delete_group_tags"], params)
            connection.execute(_Q["delete_group"], params)
            return arns

        return await self.database.write(delete)

    # --- tags ------------------------------------------------------------------------------------
    async def get_tags(self, arn: str) -> dict[str, str]:
        return dict(await self._read(_Q["get_tags"], {"arn": arn}))

    async def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        params = [(arn, key, value) for key, value in tags.items()]
        if params:
            await self.database.write(lambda c: c.executemany(_Q["upsert_tag"], params))

    async def untag(self, arn: str, keys: Sequence[str]) -> None:
        params = [(arn, key) for key in keys]
        if params:
            await self.database.write(lambda c: c.executemany(_Q["delete_tag"], params))

    # --- schedules -------------------------------------------------------------------------------
    async def create_schedule(self, schedule: Schedule) -> bool:
        params = _schedule_params(schedule)

        def create(connection: sqlite3.Connection) -> bool:
            if connection.execute(_Q["group_exists"], params).fetchone() is None:
                raise ResourceNotFound(f"Schedule group {schedule.group_name} does not exist.")
            return connection.execute(_Q["insert_schedule"], params).rowcount == 1

        return await self.database.write(create)

    async def update_schedule(self, schedule: Schedule) -> bool:
        params = _schedule_params(schedule)
        return await self.database.write(
            lambda c: c.execute(_Q["update_schedule"], params).rowcount == 1
        )

    async def get_schedule(self, scope: Scope, group: str, name: str) -> Schedule | None:
        found = await self._read(_Q["get_schedule"], _key(scope, group_name=group, name=name))
        return schedule_from_json(found[0][0]) if found else None

    async def list_schedules(
        self,
        scope: Scope,
        *,
        group: str | None = None,
        prefix: str | None = None,
        state: ScheduleState | None = None,
        after: ScheduleKey | None = None,
        limit: int = 100,
    ) -> list[Schedule]:
        if limit <= 0:
            return []
        after_group, after_name = after if after is not None else (None, None)
        params = _key(
            scope,
            group_name=group,
            prefix=prefix,
            state=None if state is None else state.value,
            after_group=after_group,
            after_name=after_name,
            limit=limit,
        )
        return [
            schedule_from_json(text) for (text,) in await self._read(_Q["list_schedules"], params)
        ]

    async def count_schedules(self, scope: Scope) -> int:
        count: int = (await self._read(_Q["count_schedules"], _key(scope)))[0][0]
        return count

    async def delete_schedule(self, scope: Scope, group: str, name: str) -> bool:
        params = _key(scope, group_name=group, name=name)
        return await self.database.write(
            lambda c: c.execute(_Q["delete_schedule"], params).rowcount == 1
        )

    async def all_schedules(self) -> list[Schedule]:
        return [schedule_from_json(text) for (text,) in await self._read(_Q["all_schedules"], {})]

    # --- firing ----------------------------------------------------------------------------------
    async def fire(
        self, fire: ScheduleFire, record: IngestRecord, *, delete_schedule: bool = False
    ) -> bool:
        fire_params = {
            "schedule_arn": fire.schedule_arn,
            "tick": to_micros(fire.tick),
            "fired_at": to_micros(fire.fired_at),
            "event_id": fire.event_id,
            "target": target_to_json(fire.target),
        }
        event = event_row(record.event)
        deliveries = [delivery_row(delivery) for delivery in record.deliveries]

        def write(connection: sqlite3.Connection) -> bool:
            if connection.execute(_Q["insert_fire"], fire_params).rowcount != 1:
                return False
            connection.execute(_OUTBOX["insert_event"], event)
            seq = connection.execute(_OUTBOX["last_seq"]).fetchone()[0]
            connection.executemany(
                _OUTBOX["insert_delivery"], [(seq, *row, 0) for row in deliveries]
            )
            if delete_schedule:
                connection.execute(_Q["delete_schedule_by_arn"], {"arn": fire.schedule_arn})
            return True

        return await self.database.write(write)

    async def pending_fire_targets(self) -> dict[str, Target]:
        found = await self._read(_Q["pending_fire_targets"], {})
        return {arn: target_from_json(text) for arn, text in found}

    async def prune_fires(self, before: datetime) -> int:
        params = {"before": to_micros(before)}
        pruned: int = await self.database.write(
            lambda c: c.execute(_Q["prune_fires"], params).rowcount
        )
        return pruned


def _key(scope: Scope, **params: Any) -> dict[str, Any]:
    return {"account": scope.account, "region": scope.region, **params}


def _group_from_row(row: Sequence[Any]) -> ScheduleGroup:
    account, region, name, arn, created_at, modified_at = row
    return ScheduleGroup(
        Scope(account, region), name, arn, from_micros(created_at), from_micros(modified_at)
    )


def _schedule_params(schedule: Schedule) -> dict[str, Any]:
    return _key(
        schedule.scope,
        arn=schedule.arn,
        group_name=schedule.group_name,
        name=schedule.name,
        state=schedule.state.value,
        schedule=schedule_to_json(schedule),
    )


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else to_micros(moment)


def _moment(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(micros)


def schedule_to_json(schedule: Schedule) -> str:
    target = schedule.target
    event_bridge = target.event_bridge
    return jsontext.dumps(
        {
            "account": schedule.scope.account,
            "region": schedule.scope.region,
            "group_name": schedule.group_name,
            "name": schedule.name,
            "arn": schedule.arn,
            "expression": schedule.expression,
            "timezone": schedule.timezone,
            "created_at": to_micros(schedule.created_at),
            "modified_at": to_micros(schedule.modified_at),
            "state": schedule.state.value,
            "flexible_window_minutes": schedule.flexible_window_minutes,
            "start_date": _micros(schedule.start_date),
            "end_date": _micros(schedule.end_date),
            "description": schedule.description,
            "kms_key_arn": schedule.kms_key_arn,
            "delete_after_completion": schedule.delete_after_completion,
            "target": {
                "arn": target.arn,
                "role_arn": target.role_arn,
                "input": target.input,
                "maximum_retry_attempts": target.retry_policy.maximum_retry_attempts,
                "maximum_event_age_seconds": target.retry_policy.maximum_event_age_seconds,
                "dead_letter_arn": target.dead_letter_arn,
                "sqs_message_group_id": target.sqs_message_group_id,
                "event_bridge": None
                if event_bridge is None
                else {"source": event_bridge.source, "detail_type": event_bridge.detail_type},
                "other_parameters": dict(target.other_parameters),
            },
        }
    )


def schedule_from_json(text: str | bytes) -> Schedule:
    data = jsontext.loads(text)
    target = data["target"]
    event_bridge = target["event_bridge"]
    return Schedule(
        scope=Scope(data["account"], data["region"]),
        group_name=data["group_name"],
        name=data["name"],
        arn=data["arn"],
        expression=data["expression"],
        timezone=data["timezone"],
        target=ScheduleTarget(
            arn=target["arn"],
            role_arn=target["role_arn"],
            input=target["input"],
            retry_policy=RetryPolicy(
                target["maximum_retry_attempts"], target["maximum_event_age_seconds"]
            ),
            dead_letter_arn=target["dead_letter_arn"],
            sqs_message_group_id=target["sqs_message_group_id"],
            event_bridge=None
            if event_bridge is None
            else EventBridgeTarget(event_bridge["source"], event_bridge["detail_type"]),
            other_parameters=target["other_parameters"],
        ),
        created_at=from_micros(data["created_at"]),
        modified_at=from_micros(data["modified_at"]),
        state=ScheduleState(data["state"]),
        flexible_window_minutes=data["flexible_window_minutes"],
        start_date=_moment(data["start_date"]),
        end_date=_moment(data["end_date"]),
        description=data["description"],
        kms_key_arn=data["kms_key_arn"],
        delete_after_completion=data["delete_after_completion"],
    )
