"""``MemoryScheduleStore``: the ``ScheduleStore`` port in memory, its outbox a ``Store``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from busway.errors import ResourceNotFound
from busway.model import IngestRecord, Scope, Target
from busway.store.memory.tags import MemoryTags
from busway.store.protocol import Store
from busway.store.schedules import (
    Schedule,
    ScheduleFire,
    ScheduleGroup,
    ScheduleKey,
    ScheduleState,
)

__all__ = ["MemoryScheduleStore"]

_GroupKey = tuple[str, str, str]  # account, region, group name


class MemoryScheduleStore:
    """Fires append their events to ``outbox``, which must be an in-memory store too: nothing
    else could take part in the "transaction" of one event-loop step."""

    def __init__(self, outbox: Store) -> None:
        self._outbox = outbox
        self._groups: dict[_GroupKey, ScheduleGroup] = {}
        self._schedules: dict[_GroupKey, dict[str, Schedule]] = {}
        self._tags = MemoryTags()
        self._fires: dict[tuple[str, datetime], ScheduleFire] = {}

    # --- schedule groups -------------------------------------------------------------------------
    async def create_group(self, group: ScheduleGroup) -> bool:
        key = _group_key(group.scope, group.name)
        if key in self._groups:
            return False
        self._groups[key] = group
        self._schedules[key] = {}
        return True

    async def get_group(self, scope: Scope, name: str) -> ScheduleGroup | None:
        return self._groups.get(_group_key(scope, name))

    async def list_groups(
        self, scope: Scope, *, prefix: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[ScheduleGroup]:
        found = sorted(
            (group for group in self._groups.values() if group.scope == scope),
            key=lambda group: group.name,
        )
        return [
            group
            for group in found
            if (prefix is None or group.name.startswith(prefix))
            and (after is None or group.name > after)
        ][: max(limit, 0)]

    async def count_groups(self, scope: Scope) -> int:
        return sum(1 for group in self._groups.values() if group.scope == scope)

    async def delete_group(self, scope: Scope, name: str) -> list[str]:
        key = _group_key(scope, name)
        group = self._groups.pop(key, None)
        schedules = self._schedules.pop(key, {})
        if group is not None:
            self._tags.forget(group.arn)
        return sorted(schedule.arn for schedule in schedules.values())

    # --- tags ------------------------------------------------------------------------------------
    async def get_tags(self, arn: str) -> dict[str, str]:
        return self._tags.get(arn)

    async def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        self._tags.tag(arn, tags)

    async def untag(self, arn: str, keys: Sequence[str]) -> None:
        self._tags.untag(arn, keys)

    # --- schedules -------------------------------------------------------------------------------
    async def create_schedule(self, schedule: Schedule) -> bool:
        group = self._schedules.get(_group_key(schedule.scope, schedule.group_name))
        if group is None:
            raise ResourceNotFound(f"Schedule group {schedule.group_name} does not exist.")
        if schedule.name in group:
            return False
        group[schedule.name] = schedule
        return True

    async def update_schedule(self, schedule: Schedule) -> bool:
        group = self._schedules.get(_group_key(schedule.scope, schedule.group_name), {})
        stored = group.get(schedule.name)
        if stored is None or stored.arn != schedule.arn:
            return False
        group[schedule.name] = schedule
        return True

    async def get_schedule(self, scope: Scope, group: str, name: str) -> Schedule | None:
        return self._schedules.get(_group_key(scope, group), {}).get(name)

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
        found = sorted(
            (
                schedule
                for (account, region, group_name), schedules in self._schedules.items()
                if Scope(account, region) == scope and group in (None, group_name)
                for schedule in schedules.values()
            ),
            key=lambda schedule: schedule.key,
        )
        return [
            schedule
            for schedule in found
            if (prefix is None or schedule.name.startswith(prefix))
            and (state is None or schedule.state is state)
            and (after is None or schedule.key > after)
        ][: max(limit, 0)]

    async def count_schedules(self, scope: Scope) -> int:
        return sum(
            len(schedules)
            for (account, region, _), schedules in self._schedules.items()
            if Scope(account, region) == scope
        )

    async def delete_schedule(self, scope: Scope, group: str, name: str) -> bool:
        return self._schedules.get(_group_key(scope, group), {}).pop(name, None) is not None

    async def all_schedules(self) -> list[Schedule]:
        return [
            schedule
            for key in sorted(self._schedules)
            for _, schedule in sorted(self._schedules[key].items())
        ]

    # --- firing ----------------------------------------------------------------------------------
    async def fire(
        self, fire: ScheduleFire, record: IngestRecord, *, delete_schedule: bool = False
    ) -> bool:
        key = (fire.schedule_arn, fire.tick)
        if key in self._fires:
            return False
        await self._outbox.append_events([record])  # no await point before it writes
        self._fires[key] = fire
        if delete_schedule:
            for schedules in self._schedules.values():
                for name, schedule in list(schedules.items()):
                    if schedule.arn == fire.schedule_arn:
                        del schedules[name]
        return True

    async def pending_fire_targets(self) -> dict[str, Target]:
        live = {schedule.arn for schedule in await self.all_schedules()}
        targets: dict[str, Target] = {}
        for fire in sorted(self._fires.values(), key=lambda fire: fire.tick):
            if fire.schedule_arn in live:
                continue
            if await self._outbox.list_deliveries(fire.event_id):
                targets[fire.schedule_arn] = fire.target
        return targets

    async def prune_fires(self, before: datetime) -> int:
        old = [key for key, fire in self._fires.items() if fire.tick < before]
        for key in old:
            del self._fires[key]
        return len(old)


def _group_key(scope: Scope, name: str) -> _GroupKey:
    return (scope.account, scope.region, name)
