"""EventBridge Scheduler: schedule groups, schedules and the tags on groups (spec 5.2).

Every scope has the group ``default``; it is stored the first time the scope uses the
Scheduler and cannot be deleted. Deleting a group deletes its schedules. UpdateSchedule is a
full replace: what the request leaves out reverts to its default (the API layer fills those in).
The firing service learns of every change through ``ScheduleListener``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Final, Protocol

from busway.arns import PARTITION_PATTERN, arn
from busway.clock import Clock
from busway.errors import ResourceNotFound, ServiceError, ValidationError
from busway.model import Scope
from busway.schedule import InvalidSchedule, parse_scheduler_expression
from busway.service.idempotency import RecentTokens
from busway.service.paging import DEFAULT_PAGE_SIZE, Page, decode_token, page_of
from busway.service.schedules_invocation import check_input
from busway.store.schedules import (
    DEFAULT_GROUP,
    Schedule,
    ScheduleGroup,
    ScheduleState,
    ScheduleStore,
    ScheduleTarget,
)

__all__ = [
    "MAX_GROUP_TAGS",
    "Conflict",
    "ScheduleListener",
    "ScheduleService",
    "ScheduleSpec",
    "ServiceQuotaExceeded",
    "group_arn",
    "schedule_arn",
]

MAX_GROUP_TAGS: Final = 200  # TagList's maximum in the model
_UNIVERSAL_TARGET: Final = re.compile(rf"arn:{PARTITION_PATTERN}:scheduler:::aws-sdk:")


class Conflict(ServiceError):
    code: ClassVar[str] = "ConflictException"
    status: ClassVar[int] = 409


class ServiceQuotaExceeded(ServiceError):
    code: ClassVar[str] = "ServiceQuotaExceededException"
    status: ClassVar[int] = 402


def schedule_arn(scope: Scope, group: str, name: str) -> str:
    return arn(scope, "scheduler", f"schedule/{group}/{name}")


def group_arn(scope: Scope, name: str) -> str:
    return arn(scope, "scheduler", f"schedule-group/{name}")


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """What CreateSchedule and UpdateSchedule carry, defaults already filled in."""

    name: str
    group_name: str
    expression: str
    timezone: str
    target: ScheduleTarget
    state: ScheduleState = ScheduleState.ENABLED
    flexible_window_minutes: int | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    description: str | None = None
    kms_key_arn: str | None = None
    delete_after_completion: bool = False


class ScheduleListener(Protocol):
    """Told of every schedule stored or deleted, after the store has it."""

    def scheduled(self, schedule: Schedule) -> None: ...

    def unscheduled(self, arns: Sequence[str]) -> None: ...


class ScheduleService:
    def __init__(
        self,
        store: ScheduleStore,
        clock: Clock,
        *,
        listener: ScheduleListener | None = None,
        max_schedules: int = 1_000_000,
        max_groups: int = 500,
    ) -> None:
        self._store = store
        self._clock = clock
        self.listener = listener
        self._max_schedules = max_schedules
        self._max_groups = max_groups
        self._default_known: set[Scope] = set()
        self._tokens = RecentTokens()

    # --- schedule groups -------------------------------------------------------------------------
    async def create_group(
        self,
        scope: Scope,
        name: str,
        tags: Mapping[str, str],
        *,
        client_token: str | None = None,
    ) -> str:
        call = ("CreateScheduleGroup", scope, name, client_token)
        await self._ensure_default_group(scope)
        if await self._store.count_groups(scope) >= self._max_groups:
            raise ServiceQuotaExceeded(
                f"The number of schedule groups in this account has reached the limit of "
                f"{self._max_groups}."
            )
        now = self._clock.now()
        group = ScheduleGroup(scope, name, group_arn(scope, name), now, now)
        if not await self._store.create_group(group):
            if client_token is not None and self._tokens.seen(call):
                return group.arn  # a retry of the call that created it
            raise Conflict(f"Schedule group {name} already exists.")
        await self._store.tag(group.arn, tags)
        self._tokens.remember(call)
        return group.arn

    async def get_group(self, scope: Scope, name: str) -> ScheduleGroup:
        await self._ensure_default_group(scope)
        group = await self._store.get_group(scope, name)
        if group is None:
            raise _group_not_found(name)
        return group

    async def delete_group(
        self, scope: Scope, name: str, *, client_token: str | None = None
    ) -> None:
        if name == DEFAULT_GROUP:
            raise ValidationError("The default schedule group cannot be deleted.")
        call = ("DeleteScheduleGroup", scope, name, client_token)
        try:
            await self.get_group(scope, name)
        except ResourceNotFound:
            if client_token is not None and self._tokens.seen(call):
                return  # a retry of the call that deleted it
            raise
        deleted = await self._store.delete_group(scope, name)
        self._tokens.remember(call)
        if self.listener is not None:
            self.listener.unscheduled(deleted)

    async def list_groups(
        self, scope: Scope, *, prefix: str | None, token: str | None, limit: int | None
    ) -> Page[ScheduleGroup]:
        await self._ensure_default_group(scope)
        size = limit or DEFAULT_PAGE_SIZE
        found = await self._store.list_groups(
            scope, prefix=prefix, after=decode_token(token), limit=size + 1
        )
        return page_of(found, size, lambda group: group.name)

    # --- tags ------------------------------------------------------------------------------------
    async def list_tags(self, scope: Scope, arn: str) -> dict[str, str]:
        await self._tagged_group(scope, arn)
        return await self._store.get_tags(arn)

    async def tag(self, scope: Scope, arn: str, tags: Mapping[str, str]) -> None:
        await self._tagged_group(scope, arn)
        current = await self._store.get_tags(arn)
        if len(current.keys() | tags.keys()) > MAX_GROUP_TAGS:
            raise ValidationError(f"A schedule group can have at most {MAX_GROUP_TAGS} tags.")
        await self._store.tag(arn, tags)

    async def untag(self, scope: Scope, arn: str, keys: Sequence[str]) -> None:
        await self._tagged_group(scope, arn)
        await self._store.untag(arn, keys)

    async def _tagged_group(self, scope: Scope, arn: str) -> ScheduleGroup:
        prefix = group_arn(scope, "")
        if not arn.startswith(prefix):
            raise ResourceNotFound(f"Resource {arn} does not exist.")
        return await self.get_group(scope, arn.removeprefix(prefix))

    # --- schedules -------------------------------------------------------------------------------
    async def create_schedule(
        self, scope: Scope, spec: ScheduleSpec, *, client_token: str | None = None
    ) -> str:
        call = ("CreateSchedule", scope, spec.group_name, spec.name, client_token)
        await self._ensure_default_group(scope)
        _check(spec)
        if await self._store.count_schedules(scope) >= self._max_schedules:
            raise ServiceQuotaExceeded(
                f"The number of schedules in this account has reached the limit of "
                f"{self._max_schedules}."
            )
        now = self._clock.now()
        schedule = _schedule(scope, spec, created_at=now, modified_at=now)
        try:
            created = await self._store.create_schedule(schedule)
        except ResourceNotFound:
            raise _group_not_found(spec.group_name) from None
        if not created:
            if client_token is not None and self._tokens.seen(call):
                return schedule.arn  # a retry of the call that created it
            raise Conflict(f"Schedule {spec.name} already exists.")
        self._tokens.remember(call)
        self._tell(schedule)
        return schedule.arn

    async def update_schedule(self, scope: Scope, spec: ScheduleSpec) -> str:
        current = await self.get_schedule(scope, spec.group_name, spec.name)
        _check(spec)
        schedule = _schedule(
            scope, spec, created_at=current.created_at, modified_at=self._clock.now()
        )
        if not await self._store.update_schedule(schedule):
            raise _schedule_not_found(spec.name)  # deleted meanwhile
        self._tell(schedule)
        return schedule.arn

    async def get_schedule(self, scope: Scope, group: str, name: str) -> Schedule:
        await self._ensure_default_group(scope)
        schedule = await self._store.get_schedule(scope, group, name)
        if schedule is None:
            if await self._store.get_group(scope, group) is None:
                raise _group_not_found(group)
            raise _schedule_not_found(name)
        return schedule

    async def delete_schedule(
        self, scope: Scope, group: str, name: str, *, client_token: str | None = None
    ) -> None:
        call = ("DeleteSchedule", scope, group, name, client_token)
        try:
            schedule = await self.get_schedule(scope, group, name)
        except ResourceNotFound:
            if client_token is not None and self._tokens.seen(call):
                return  # a retry of the call that deleted it
            raise
        await self._store.delete_schedule(scope, group, name)
        self._tokens.remember(call)
        if self.listener is not None:
            self.listener.unscheduled([schedule.arn])

    async def list_schedules(
        self,
        scope: Scope,
        *,
        group: str | None,
        prefix: str | None,
        state: ScheduleState | None,
        token: str | None,
        limit: int | None,
    ) -> Page[Schedule]:
        await self._ensure_default_group(scope)
        if group is not None and await self._store.get_group(scope, group) is None:
            raise _group_not_found(group)
        after = decode_token(token)
        after_key = None
        if after is not None:
            group_name, _, name = after.partition("/")
            after_key = (group_name, name)
        size = limit or DEFAULT_PAGE_SIZE
        found = await self._store.list_schedules(
            scope, group=group, prefix=prefix, state=state, after=after_key, limit=size + 1
        )
        return page_of(found, size, lambda schedule: f"{schedule.group_name}/{schedule.name}")

    # --- helpers ---------------------------------------------------------------------------------
    async def _ensure_default_group(self, scope: Scope) -> None:
        if scope in self._default_known:
            return
        now = self._clock.now()
        group = ScheduleGroup(scope, DEFAULT_GROUP, group_arn(scope, DEFAULT_GROUP), now, now)
        await self._store.create_group(group)  # False when it is there already: fine
        self._default_known.add(scope)

    def _tell(self, schedule: Schedule) -> None:
        if self.listener is not None:
            self.listener.scheduled(schedule)


def _schedule(
    scope: Scope, spec: ScheduleSpec, *, created_at: datetime, modified_at: datetime
) -> Schedule:
    return Schedule(
        scope=scope,
        group_name=spec.group_name,
        name=spec.name,
        arn=schedule_arn(scope, spec.group_name, spec.name),
        expression=spec.expression,
        timezone=spec.timezone,
        target=spec.target,
        created_at=created_at,
        modified_at=modified_at,
        state=spec.state,
        flexible_window_minutes=spec.flexible_window_minutes,
        start_date=spec.start_date,
        end_date=spec.end_date,
        description=spec.description,
        kms_key_arn=spec.kms_key_arn,
        delete_after_completion=spec.delete_after_completion,
    )


def _check(spec: ScheduleSpec) -> None:
    """What the model's constraints cannot say: the expression, the timezone, the dates and
    the kinds of target busway can invoke."""
    try:
        parse_scheduler_expression(
            spec.expression,
            spec.timezone,
            start_date=spec.start_date,
            end_date=spec.end_date,
        )
    except InvalidSchedule as error:
        raise ValidationError(error.message) from None
    if (
        spec.start_date is not None
        and spec.end_date is not None
        and spec.end_date <= spec.start_date
    ):
        raise ValidationError("The EndDate must be later than the StartDate.")
    if _UNIVERSAL_TARGET.match(spec.target.arn):
        raise ValidationError(
            f"Universal targets are not supported by busway: {spec.target.arn}. Use a templated "
            "target (an SQS queue, a Lambda function, an event bus, ...) instead."
        )
    check_input(spec.target)


def _group_not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(f"Schedule group {name} does not exist.")


def _schedule_not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(f"Schedule {name} does not exist.")
