"""A minimal CloudWatch Logs API (``Logs_20140328``, AWS JSON 1.1) over busway's log groups.

Enough for the AWS CLI, boto3 and ``busway logs tail`` to manage groups and read what targets
and functions wrote: groups, retention, streams, PutLogEvents, GetLogEvents, FilterLogEvents.
Paging tokens are opaque to clients: ``o<offset>`` for lists, ``f/<ts>/<id>`` and ``b/<ts>/<id>``
(forward and backward) for events.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any, Final

from busway.api.awsjson import Handler, JsonResponse, JsonService, encode_error
from busway.api.context import RequestContext
from busway.api.request import ModelViolations, Request
from busway.errors import ResourceNotFound, ServiceError, ValidationError
from busway.model import Scope
from busway.service.logs import (
    MAX_EVENTS_PER_READ,
    MAX_TAGS,
    InvalidParameter,
    LogService,
    filter_terms,
    log_group_arn,
    parse_log_group_arn,
)
from busway.store.log_groups import (
    Cursor,
    EventQuery,
    LogEvent,
    LogGroup,
    LogStream,
    ResourcePolicy,
    StreamOrder,
)
from busway.store.log_groups import NewLogEvent as _NewLogEvent

__all__ = ["logs_api"]

_GROUP_NAME: Final = r"[\.\-_/#A-Za-z0-9]+"
_GROUP_PATTERN: Final = r"[\.\-_/#A-Za-z0-9]*"
_STREAM_NAME: Final = r"[^:*]*"
_MAX_RESPONSE_BYTES: Final = 1024 * 1024  # as AWS: a page of events holds at most 1 MB
_BAD_TOKEN: Final = "The specified nextToken is invalid."  # noqa: S105 - not a secret
_MAX_NAME: Final = 512
_MOST_DIGITS: Final = 18  # of numbers in paging tokens: below 2**62, with room to add 1
_LATEST_MS: Final = 10**18  # about 31 million years on: later times read as this one
_MAX_TAG_KEY: Final = 128
_MAX_TAG_VALUE: Final = 256
_LOG_GROUP_CLASSES: Final = ("STANDARD", "INFREQUENT_ACCESS", "DELIVERY")


def logs_api(logs: LogService) -> JsonService:
    operations = {**_group_operations(logs), **_stream_operations(logs)}
    operations.update(_event_operations(logs))
    operations.update(_policy_operations(logs))
    return JsonService(
        "Logs_20140328", "application/x-amz-json-1.1", operations, errors=_encode_error
    )


def _encode_error(error: ServiceError, content_type: str) -> JsonResponse:
    """CloudWatch Logs reports the model's constraint violations as InvalidParameterException
    (recorded on AWS for GetLogEvents' and FilterLogEvents' ``limit`` in LocalStack's
    AWS-validated tests); its other errors are as usual."""
    if isinstance(error, ModelViolations):
        error = InvalidParameter(error.message)
    return encode_error(error, content_type)


# --- reading members ---------------------------------------------------------------------------
def _group_name(request: Request, *, required: bool = True) -> str:
    name = request.string(
        "logGroupName", required=required, min_len=1, max_len=512, pattern=_GROUP_NAME
    )
    return name or ""


def _new_name(request: Request, member: str) -> None:
    """A group or stream name to create, over AWS's length: its own text for both (AWS's,
    recorded for CreateLogGroup), before the model's checks."""
    value = request.body.get(member)
    if isinstance(value, str) and len(value) > _MAX_NAME:
        raise InvalidParameter(
            "Invalid LogGroup or LogStream, both must have length less than or equal to 512."
        )


def _tags(request: Request, member: str, *, required: bool = False) -> dict[str, str] | None:
    tags = request.string_map(member)
    if tags is None:
        if required:
            request.string(member, required=True)  # reports it missing
        return None
    path = request.member_path(member)
    if not 1 <= len(tags) <= MAX_TAGS:
        bound = f"less than or equal to {MAX_TAGS}" if tags else "greater than or equal to 1"
        request.violations.add(tags, path, f"Member must have length {bound}")
    for key, value in tags.items():
        if not 1 <= len(key) <= _MAX_TAG_KEY:
            request.violations.add(
                key, f"{path}.key", f"Member must have length less than or equal to {_MAX_TAG_KEY}"
            )
        if len(value) > _MAX_TAG_VALUE:
            request.violations.add(
                value,
                f"{path}.value",
                f"Member must have length less than or equal to {_MAX_TAG_VALUE}",
            )
    return tags


def _group_of(request: Request) -> str:
    """``logGroupName`` or ``logGroupIdentifier`` (a name or an ARN), exactly one of them."""
    name = _group_name(request, required=False)
    identifier = request.string("logGroupIdentifier", min_len=1, max_len=2048)
    request.check()
    if name and identifier:
        # AWS's text and code (recorded for DescribeLogStreams).
        raise ValidationError("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if not (name or identifier):
        raise InvalidParameter("Exactly one of logGroupName or logGroupIdentifier must be given.")
    if identifier and identifier.startswith("arn:"):
        located = parse_log_group_arn(identifier)
        if located is None:
            raise InvalidParameter(f"Invalid logGroupIdentifier: {identifier}")
        return located[1]
    return name or identifier or ""


def _stream_name(request: Request, member: str, *, required: bool = True) -> str | None:
    return request.string(member, required=required, min_len=1, max_len=512, pattern=_STREAM_NAME)


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    digits = token[1:]
    if not token.startswith("o") or not _small_number(digits):
        raise InvalidParameter(_BAD_TOKEN)
    return int(digits)


def _page(items: Sequence[Any], offset: int, limit: int) -> tuple[Sequence[Any], str | None]:
    """Split off the extra item fetched to know whether another page exists."""
    if len(items) > limit:
        return items[:limit], f"o{offset + limit}"
    return items, None


def _cursor(token: str, direction: str) -> Cursor:
    parts = token.split("/")
    if len(parts) == 3 and parts[0] == direction and all(map(_small_number, parts[1:])):
        return Cursor(int(parts[1]), int(parts[2]))
    raise InvalidParameter(_BAD_TOKEN)


def _time(request: Request, member: str) -> int | None:
    """A time in epoch milliseconds; one past any event's (AWS takes up to 2**63 - 1) reads as
    the latest busway stores, so that a bound on it still fits SQLite's integers."""
    value = request.integer(member, min_value=0)
    return None if value is None else min(value, _LATEST_MS)


def _small_number(text: str) -> bool:
    """ASCII digits, maybe after a minus, of a number far inside SQLite's 64-bit integers."""
    digits = text.removeprefix("-")
    return digits.isascii() and digits.isdigit() and len(digits) <= _MOST_DIGITS


def _token(direction: str, cursor: Cursor) -> str:
    return f"{direction}/{cursor.timestamp}/{cursor.id}"


def _at_an_end(token: str | None) -> tuple[str, str]:
    """The tokens of a page with no events. The token read with comes back (AWS: "the same
    token you passed in"); the other one turns round at the same place, so what was read can
    be read again the other way."""
    if token is None:
        return "f/-1/0", "b/-1/0"
    if token.startswith("f/"):
        after = _cursor(token, "f")
        return token, _token("b", Cursor(after.timestamp, after.id + 1))
    before = _cursor(token, "b")
    return _token("f", Cursor(before.timestamp, before.id - 1)), token


def _within_response(events: Sequence[LogEvent]) -> list[LogEvent]:
    """The leading events whose messages fit one response."""
    kept: list[LogEvent] = []
    size = 0
    for event in events:
        size += len(event.message.encode()) + 26  # AWS counts 26 bytes of overhead per event
        if kept and size > _MAX_RESPONSE_BYTES:
            break
        kept.append(event)
    return kept


# --- output --------------------------------------------------------------------------------------
def _group_out(group: LogGroup, *, by_pattern: bool = False) -> dict[str, Any]:
    """A group as DescribeLogGroups lists it; found by ``logGroupNamePattern``, without its
    size, retention and deletion protection (AWS lists only these keys then)."""
    arn = log_group_arn(group.scope, group.name)
    out: dict[str, Any] = {
        "logGroupName": group.name,
        "creationTime": group.created_at,
        "metricFilterCount": 0,
        "arn": f"{arn}:*",
        "logGroupClass": group.log_group_class,
        "logGroupArn": arn,
    }
    if by_pattern:
        return out
    out["storedBytes"] = group.stored_bytes
    out["deletionProtectionEnabled"] = False
    if group.retention_days is not None:
        out["retentionInDays"] = group.retention_days
    if group.kms_key_id is not None:
        out["kmsKeyId"] = group.kms_key_id
    return out


def _stream_out(context: RequestContext, stream: LogStream) -> dict[str, Any]:
    arn = log_group_arn(context.scope, stream.group_name)
    out: dict[str, Any] = {
        "logStreamName": stream.name,
        "creationTime": stream.created_at,
        "arn": f"{arn}:log-stream:{stream.name}",
        "storedBytes": 0,  # as AWS: no longer reported for streams (since 2019), always 0
    }
    optional = {
        "firstEventTimestamp": stream.first_event_at,
        "lastEventTimestamp": stream.last_event_at,
        "lastIngestionTime": stream.last_ingestion_at,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    return out


def _event_out(event: LogEvent) -> dict[str, Any]:
    return {
        "timestamp": event.timestamp,
        "message": event.message,
        "ingestionTime": event.ingested_at,
    }


# --- operations ----------------------------------------------------------------------------------
def _group_operations(logs: LogService) -> dict[str, Handler]:
    async def create_log_group(context: RequestContext, request: Request) -> dict[str, Any]:
        _new_name(request, "logGroupName")
        name = _group_name(request)
        kms_key_id = request.string("kmsKeyId", max_len=256)
        log_class = request.string("logGroupClass", enum=_LOG_GROUP_CLASSES) or "STANDARD"
        tags = _tags(request, "tags")
        request.check()
        await logs.create_group(
            context.scope, name, kms_key_id=kms_key_id, log_group_class=log_class, tags=tags
        )
        return {}

    async def delete_log_group(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _group_name(request)
        request.check()
        await logs.delete_group(context.scope, name)
        return {}

    async def describe_log_groups(context: RequestContext, request: Request) -> dict[str, Any]:
        prefix = request.string("logGroupNamePrefix", min_len=1, max_len=512, pattern=_GROUP_NAME)
        pattern = request.string("logGroupNamePattern", max_len=512, pattern=_GROUP_PATTERN)
        limit = request.integer("limit", min_value=1, max_value=50) or 50
        token = request.string("nextToken", min_len=1)
        request.check()
        if prefix is not None and pattern is not None:
            raise InvalidParameter(
                "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
            )
        offset = _offset(token)
        found = await logs.list_groups(
            context.scope, prefix=prefix, pattern=pattern, offset=offset, limit=limit + 1
        )
        groups, next_token = _page(found, offset, limit)
        by_pattern = pattern is not None
        out: dict[str, Any] = {
            "logGroups": [_group_out(group, by_pattern=by_pattern) for group in groups]
        }
        if next_token:
            out["nextToken"] = next_token
        return out

    async def put_retention_policy(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _group_name(request)
        days = request.integer("retentionInDays", required=True)
        request.check()
        await logs.set_retention(context.scope, name, days)
        return {}

    async def delete_retention_policy(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _group_name(request)
        request.check()
        await logs.set_retention(context.scope, name, None)
        return {}

    return {
        "CreateLogGroup": create_log_group,
        "DeleteLogGroup": delete_log_group,
        "DescribeLogGroups": describe_log_groups,
        "PutRetentionPolicy": put_retention_policy,
        "DeleteRetentionPolicy": delete_retention_policy,
        **_tag_operations(logs),
    }


def _tagged_group(context: RequestContext, request: Request) -> str:
    """The group a ``resourceArn`` names, in the caller's account and region."""
    resource = request.string("resourceArn", required=True, min_len=1, max_len=1011) or ""
    request.check()
    located = parse_log_group_arn(resource)
    if located is None:
        raise InvalidParameter(f"Invalid resourceArn: {resource}")  # busway's wording
    if located[0] != context.scope:
        raise ResourceNotFound("The specified log group does not exist.")
    return located[1]


def _tag_operations(logs: LogService) -> dict[str, Handler]:
    """Tags by group name (the older calls) and by ARN (TagResource and the like)."""

    async def tag_log_group(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _group_name(request)
        tags = _tags(request, "tags", required=True)
        request.check()
        await logs.tag(context.scope, name, tags or {})
        return {}

    async def untag_log_group(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _group_name(request)
        keys = request.strings("tags", required=True, min_items=1, max_items=MAX_TAGS)
        request.check()
        await logs.untag(context.scope, name, keys or [])
        return {}

    async def list_tags_log_group(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _group_name(request)
        request.check()
        return {"tags": await logs.tags(context.scope, name)}

    async def tag_resource(context: RequestContext, request: Request) -> dict[str, Any]:
        tags = _tags(request, "tags", required=True)
        name = _tagged_group(context, request)
        await logs.tag(context.scope, name, tags or {})
        return {}

    async def untag_resource(context: RequestContext, request: Request) -> dict[str, Any]:
        keys = request.strings("tagKeys", required=True, min_items=1, max_items=MAX_TAGS)
        name = _tagged_group(context, request)
        await logs.untag(context.scope, name, keys or [])
        return {}

    async def list_tags_for_resource(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _tagged_group(context, request)
        return {"tags": await logs.tags(context.scope, name)}

    return {
        "TagLogGroup": tag_log_group,
        "UntagLogGroup": untag_log_group,
        "ListTagsLogGroup": list_tags_log_group,
        "TagResource": tag_resource,
        "UntagResource": untag_resource,
        "ListTagsForResource": list_tags_for_resource,
    }


def _stream_operations(logs: LogService) -> dict[str, Handler]:
    async def create_log_stream(context: RequestContext, request: Request) -> dict[str, Any]:
        _new_name(request, "logStreamName")
        group = _group_name(request)
        stream = _stream_name(request, "logStreamName")
        request.check()
        await logs.create_stream(context.scope, group, stream or "")
        return {}

    async def delete_log_stream(context: RequestContext, request: Request) -> dict[str, Any]:
        group = _group_name(request)
        stream = _stream_name(request, "logStreamName")
        request.check()
        await logs.delete_stream(context.scope, group, stream or "")
        return {}

    async def describe_log_streams(context: RequestContext, request: Request) -> dict[str, Any]:
        prefix = _stream_name(request, "logStreamNamePrefix", required=False)
        order_by = request.string("orderBy", enum=("LogStreamName", "LastEventTime"))
        descending = bool(request.boolean("descending"))
        limit = request.integer("limit", min_value=1, max_value=50) or 50
        token = request.string("nextToken", min_len=1)
        group = _group_of(request)
        by_last_event = order_by == "LastEventTime"
        if by_last_event and prefix:
            raise InvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
        offset = _offset(token)
        found = await logs.list_streams(
            context.scope,
            group,
            prefix=prefix,
            order=StreamOrder(by_last_event, descending),
            offset=offset,
            limit=limit + 1,
        )
        streams, next_token = _page(found, offset, limit)
        out: dict[str, Any] = {"logStreams": [_stream_out(context, s) for s in streams]}
        if next_token:
            out["nextToken"] = next_token
        return out

    async def put_log_events(context: RequestContext, request: Request) -> dict[str, Any]:
        group = _group_name(request)
        stream = _stream_name(request, "logStreamName") or ""
        entries = request.structs("logEvents", required=True, min_items=1, max_items=10_000)
        events = []
        for entry in entries:
            timestamp = entry.integer("timestamp", required=True, min_value=0)
            message = entry.string("message", required=True, min_len=1)
            events.append(_NewLogEvent(timestamp or 0, message or ""))
        request.check()
        await _require_stream(logs, context.scope, group, stream)
        screened = await logs.put_events(context.scope, group, stream, events)
        rejected = {
            name: index
            for name, index in (
                ("tooNewLogEventStartIndex", screened.too_new_start),
                ("tooOldLogEventEndIndex", screened.too_old_end),
                ("expiredLogEventEndIndex", screened.expired_end),
            )
            if index is not None
        }
        # Sequence tokens are no longer needed (AWS ignores the one sent) but still answered.
        out: dict[str, Any] = {"nextSequenceToken": f"{secrets.randbelow(10**56):056d}"}
        if rejected:
            out["rejectedLogEventsInfo"] = rejected
        return out

    return {
        "CreateLogStream": create_log_stream,
        "DeleteLogStream": delete_log_stream,
        "DescribeLogStreams": describe_log_streams,
        "PutLogEvents": put_log_events,
    }


async def _require_stream(logs: LogService, scope: Scope, group: str, stream: str) -> None:
    """ResourceNotFound for a missing group (its own message) or stream."""
    existing = await logs.list_streams(scope, group, prefix=stream, limit=1)
    if not existing or existing[0].name != stream:
        raise ResourceNotFound("The specified log stream does not exist.")


def _event_operations(logs: LogService) -> dict[str, Handler]:
    async def get_log_events(context: RequestContext, request: Request) -> dict[str, Any]:
        stream = _stream_name(request, "logStreamName") or ""
        start, end = _time(request, "startTime"), _time(request, "endTime")
        limit = request.integer("limit", min_value=1, max_value=MAX_EVENTS_PER_READ)
        token = request.string("nextToken", min_len=1)
        from_head = bool(request.boolean("startFromHead"))
        group = _group_of(request)
        await _require_stream(logs, context.scope, group, stream)
        # Without a token, startFromHead=false reads the newest events: backwards from the end.
        backwards = token.startswith("b/") if token else not from_head
        query = EventQuery(
            limit or MAX_EVENTS_PER_READ,
            streams=(stream,),
            start=start,
            end=end,
            after=_cursor(token, "f") if token and not backwards else None,
            before=_cursor(token, "b") if token and backwards else None,
            descending=backwards,
        )
        found = await logs.read_events(context.scope, group, query)
        events = _within_response(found)
        if backwards:
            events.reverse()
        if not events:
            forward, backward = _at_an_end(token)
        else:
            forward = _token("f", events[-1].cursor)
            backward = _token("b", events[0].cursor)
        return {
            "events": [_event_out(event) for event in events],
            "nextForwardToken": forward,
            "nextBackwardToken": backward,
        }

    async def filter_log_events(context: RequestContext, request: Request) -> dict[str, Any]:
        names = request.strings("logStreamNames", min_items=1, max_items=100)
        prefix = _stream_name(request, "logStreamNamePrefix", required=False)
        start, end = _time(request, "startTime"), _time(request, "endTime")
        pattern = request.string("filterPattern", max_len=1024)
        limit = request.integer("limit", min_value=1, max_value=MAX_EVENTS_PER_READ)
        token = request.string("nextToken", min_len=1)
        group = _group_of(request)
        if names and prefix:
            raise InvalidParameter(
                "You cannot specify both LogStreamNames and LogStreamNamePrefix."
            )
        wanted = limit or MAX_EVENTS_PER_READ
        query = EventQuery(
            wanted + 1,
            streams=tuple(names or ()),
            stream_prefix=prefix,
            start=start,
            end=None if end is None else end + 1,  # FilterLogEvents includes endTime itself
            terms=filter_terms(pattern),
            after=_cursor(token, "n") if token else None,
        )
        found = await logs.read_events(context.scope, group, query)
        events = _within_response(found[:wanted])
        out: dict[str, Any] = {
            "events": [
                {
                    **_event_out(event),
                    "logStreamName": event.stream_name,
                    "eventId": f"{event.id:056d}",  # the length of AWS's event ids
                }
                for event in events
            ],
            "searchedLogStreams": [],
        }
        if len(events) < len(found):
            out["nextToken"] = _token("n", events[-1].cursor)
        return out

    return {"GetLogEvents": get_log_events, "FilterLogEvents": filter_log_events}


def _policy_out(policy: ResourcePolicy) -> dict[str, Any]:
    return {
        "policyName": policy.name,
        "policyDocument": policy.document,
        "lastUpdatedTime": policy.updated_at,
        "policyScope": "ACCOUNT",
    }


def _policy_operations(logs: LogService) -> dict[str, Handler]:
    """Account-level resource policies; those of one log group (``resourceArn``) are not kept."""

    def no_resource_arn(request: Request) -> None:
        if request.string("resourceArn") is not None:
            raise InvalidParameter("busway keeps account-level resource policies only.")

    async def put_resource_policy(context: RequestContext, request: Request) -> dict[str, Any]:
        name = request.string("policyName", required=True, min_len=1)
        document = request.string("policyDocument", required=True, min_len=1, max_len=51_200)
        request.check()
        no_resource_arn(request)
        policy = await logs.put_resource_policy(context.scope, name or "", document or "")
        return {"resourcePolicy": _policy_out(policy)}

    async def describe_resource_policies(
        context: RequestContext, request: Request
    ) -> dict[str, Any]:
        limit = request.integer("limit", min_value=1, max_value=50) or 50
        token = request.string("nextToken", min_len=1)
        scope = request.string("policyScope", enum=("ACCOUNT", "RESOURCE"))
        request.check()
        no_resource_arn(request)
        found = [] if scope == "RESOURCE" else await logs.resource_policies(context.scope)
        offset = _offset(token)
        policies, next_token = _page(found[offset : offset + limit + 1], offset, limit)
        out: dict[str, Any] = {"resourcePolicies": [_policy_out(p) for p in policies]}
        if next_token:
            out["nextToken"] = next_token
        return out

    async def delete_resource_policy(context: RequestContext, request: Request) -> dict[str, Any]:
        name = request.string("policyName", required=True, min_len=1)
        request.check()
        no_resource_arn(request)
        await logs.delete_resource_policy(context.scope, name or "")
        return {}

    return {
        "PutResourcePolicy": put_resource_policy,
        "DescribeResourcePolicies": describe_resource_policies,
        "DeleteResourcePolicy": delete_resource_policy,
    }
