"""Log groups as a use case: create, describe, expire, append and read log events.

Retention is enforced twice: reads never return an event older than its group's retention (so
expiry is exact even between sweeps), and ``sweep_retention`` deletes such events in bounded
batches, for the node to call periodically.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from busway.arns import arn
from busway.clock import Clock
from busway.errors import LimitExceeded, ResourceAlreadyExists, ResourceNotFound, ServiceError
from busway.model import Scope
from busway.service.log_batches import Screened, UnorderedBatch, WideBatch, screen
from busway.store.log_groups import (
    BY_NAME,
    EventQuery,
    LogEvent,
    LogGroup,
    LogGroupStore,
    LogStream,
    NewLogEvent,
    ResourcePolicy,
    StreamOrder,
)

__all__ = [
    "MAX_EVENTS_PER_READ",
    "MAX_RESOURCE_POLICIES",
    "MAX_TAGS",
    "RETENTION_DAYS",
    "InvalidParameter",
    "LogService",
    "epoch_ms",
    "filter_terms",
    "log_group_arn",
    "parse_log_group_arn",
]

# The values PutRetentionPolicy accepts.
RETENTION_DAYS: tuple[int, ...] = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545)
RETENTION_DAYS += (731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
MAX_EVENTS_PER_READ = 10_000
MAX_RESOURCE_POLICIES = 10  # per account and region, as CloudWatch Logs' quota
MAX_TAGS = 50  # per log group, as CloudWatch Logs documents
_DAY_MS = 86_400_000


class InvalidParameter(ServiceError):
    code = "InvalidParameterException"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def log_group_arn(scope: Scope, name: str) -> str:
    return arn(scope, "logs", f"log-group:{name}")


def parse_log_group_arn(arn: str) -> tuple[Scope, str] | None:
    """(scope, group name) of a log-group ARN; a trailing ``:*`` is allowed, as AWS prints it."""
    parts = arn.split(":", 6)
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "logs" or parts[5] != "log-group":
        return None
    name = parts[6].removesuffix(":*")
    return (Scope(parts[4], parts[3]), name) if name else None


def filter_terms(pattern: str | None) -> tuple[str, ...]:
    """The terms of a filter pattern, each of which a message must contain (case-sensitive).

    busway understands the plain forms: space-separated words and "quoted phrases". The JSON,
    space-delimited, ``%regex%``, ``?`` (or) and ``-`` (not) forms are refused rather than
    misread.
    """
    text = (pattern or "").strip()
    if not text:
        return ()
    if text[0] in "{[%":
        raise InvalidParameter("busway supports only word and quoted-phrase filter patterns.")
    try:
        terms = shlex.split(text, posix=True)
    except ValueError as exc:
        raise InvalidParameter("Invalid character(s) in term") from exc
    if any(term[:1] in "?-" for term in terms):
        raise InvalidParameter("busway supports only word and quoted-phrase filter patterns.")
    return tuple(term for term in terms if term)


class LogService:
    """Groups whose names start with one of ``auto_create_prefixes`` are created by ``append``
    when missing (as AWS does for ``/aws/lambda/<function>``); others must exist."""

    def __init__(
        self,
        store: LogGroupStore,
        clock: Clock,
        *,
        auto_create_prefixes: Sequence[str] = ("/aws/events/", "/aws/lambda/"),
    ) -> None:
        self._store = store
        self._clock = clock
        self._auto_create = tuple(auto_create_prefixes)

    def _now(self) -> int:
        return epoch_ms(self._clock.now())

    # --- groups ----------------------------------------------------------------------------------
    async def create_group(
        self,
        scope: Scope,
        name: str,
        *,
        kms_key_id: str | None = None,
        log_group_class: str = "STANDARD",
        tags: Mapping[str, str] | None = None,
    ) -> LogGroup:
        group = LogGroup(
            scope, name, self._now(), kms_key_id=kms_key_id, log_group_class=log_group_class
        )
        if not await self._store.create_group(group, tags):
            raise ResourceAlreadyExists("The specified log group already exists")
        return group

    async def tags(self, scope: Scope, name: str) -> dict[str, str]:
        return await self._store.group_tags(scope, name)

    async def tag(self, scope: Scope, name: str, tags: Mapping[str, str]) -> None:
        if not await self._store.tag_group(scope, name, tags, limit=MAX_TAGS):
            # busway's wording: AWS's answer to a 51st tag is not recorded.
            raise InvalidParameter(f"A log group can have at most {MAX_TAGS} tags.")

    async def untag(self, scope: Scope, name: str, keys: Sequence[str]) -> None:
        await self._store.untag_group(scope, name, keys)

    async def get_group(self, scope: Scope, name: str) -> LogGroup:
        group = await self._store.get_group(scope, name)
        if group is None:
            raise ResourceNotFound("The specified log group does not exist.")
        return group

    async def list_groups(
        self,
        scope: Scope,
        *,
        prefix: str | None = None,
        pattern: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> list[LogGroup]:
        return await self._store.list_groups(
            scope, prefix=prefix, pattern=pattern, offset=offset, limit=limit
        )

    async def delete_group(self, scope: Scope, name: str) -> None:
        if not await self._store.delete_group(scope, name):
            raise ResourceNotFound("The specified log group does not exist.")

    async def set_retention(self, scope: Scope, name: str, days: int | None) -> None:
        if days is not None and days not in RETENTION_DAYS:
            raise InvalidParameter(
                f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to "
                "satisfy constraint: Member must satisfy enum value set: "
                f"[{', '.join(str(value) for value in RETENTION_DAYS)}]"
            )
        if not await self._store.set_retention(scope, name, days):
            raise ResourceNotFound("The specified log group does not exist.")

    # --- streams and events ----------------------------------------------------------------------
    async def create_stream(self, scope: Scope, group_name: str, stream_name: str) -> None:
        stream = LogStream(group_name, stream_name, self._now())
        if not await self._store.create_stream(scope, group_name, stream):
            raise ResourceAlreadyExists("The specified log stream already exists")

    async def delete_stream(self, scope: Scope, group_name: str, stream_name: str) -> None:
        if not await self._store.delete_stream(scope, group_name, stream_name):
            raise ResourceNotFound("The specified log stream does not exist.")

    async def list_streams(
        self,
        scope: Scope,
        group_name: str,
        *,
        prefix: str | None = None,
        order: StreamOrder = BY_NAME,
        offset: int = 0,
        limit: int = 50,
    ) -> list[LogStream]:
        return await self._store.list_streams(
            scope, group_name, prefix=prefix, order=order, offset=offset, limit=limit
        )

    async def append(
        self, scope: Scope, group_name: str, stream_name: str, events: Sequence[NewLogEvent]
    ) -> None:
        """Raises ``ResourceNotFound`` when the group is missing and not auto-created."""
        try:
            await self._store.append(scope, group_name, stream_name, events, self._now())
        except ResourceNotFound:
            if not group_name.startswith(self._auto_create):
                raise
            await self._store.create_group(LogGroup(scope, group_name, self._now()))
            await self._store.append(scope, group_name, stream_name, events, self._now())

    async def put_events(
        self, scope: Scope, group_name: str, stream_name: str, events: Sequence[NewLogEvent]
    ) -> Screened:
        """PutLogEvents: the batch must pass AWS's rules for its timestamps (``log_batches``);
        of a batch that does, what is neither too new, too old nor expired is appended. Returns
        what was kept and rejected. Busway's own writers (targets, functions) use ``append``."""
        group = await self.get_group(scope, group_name)
        try:
            screened = screen([e.timestamp for e in events], self._now(), group.retention_days)
        except UnorderedBatch:
            raise InvalidParameter(
                "Log events in a single PutLogEvents request must be in chronological order."
            ) from None
        except WideBatch:
            raise InvalidParameter(
                "The batch of log events in a single PutLogEvents request cannot span more "
                "than 24 hours."
            ) from None
        kept = events[screened.start : screened.stop]
        if kept:
            await self.append(scope, group_name, stream_name, kept)
        return screened

    # --- resource policies -----------------------------------------------------------------------
    async def put_resource_policy(self, scope: Scope, name: str, document: str) -> ResourcePolicy:
        """Create or replace an account-level policy. busway lets every service write anyway;
        the policy is kept so that the setup AWS asks for (a policy letting EventBridge write
        to log groups) runs unchanged, and reads back as written."""
        try:
            parsed = json.loads(document)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python goes
            parsed = None
        if not isinstance(parsed, dict):
            raise InvalidParameter("The policyDocument is not a JSON object.")
        policy = ResourcePolicy(scope, name, document, self._now())
        if not await self._store.put_resource_policy(policy, limit=MAX_RESOURCE_POLICIES):
            raise LimitExceeded("Resource limit exceeded.")
        return policy

    async def resource_policies(self, scope: Scope) -> list[ResourcePolicy]:
        return await self._store.list_resource_policies(scope)

    async def delete_resource_policy(self, scope: Scope, name: str) -> None:
        if not await self._store.delete_resource_policy(scope, name):
            raise ResourceNotFound(f"Policy with name [{name}] does not exist")

    async def read_events(self, scope: Scope, group_name: str, query: EventQuery) -> list[LogEvent]:
        """Events as the store orders them, with the group's expired events left out."""
        group = await self.get_group(scope, group_name)
        bounded = replace(query, limit=min(query.limit, MAX_EVENTS_PER_READ))
        if group.retention_days is not None:
            cutoff = self._now() - group.retention_days * _DAY_MS
            bounded = replace(bounded, start=max(query.start or cutoff, cutoff))
        return await self._store.read_events(scope, group_name, bounded)

    async def sweep_retention(self, *, max_groups: int = 100, batch: int = 1000) -> int:
        """Delete up to ``batch`` expired events in each of up to ``max_groups`` groups; returns
        how many went. Call it again while it returns a positive number to catch up."""
        deleted = 0
        now = self._now()
        for group in await self._store.groups_with_retention(limit=max_groups):
            if group.retention_days is None:
                continue
            cutoff = now - group.retention_days * _DAY_MS
            deleted += await self._store.delete_events_before(
                group.scope, group.name, cutoff, limit=batch
            )
        return deleted
