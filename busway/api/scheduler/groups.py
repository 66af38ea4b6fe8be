"""Schedule groups (Create, Get, Delete, List) and the tags on them."""

from __future__ import annotations

from typing import Any, Final

from busway.api.request import Request
from busway.api.scheduler.protocol import Call, Route
from busway.api.scheduler.wire import (
    CLIENT_TOKEN,
    GROUP_NAME,
    epoch,
    read_max_results,
    read_next_token,
    required,
    tags_out,
    with_next_token,
)
from busway.service.schedules import ScheduleService
from busway.store.schedules import ScheduleGroup

__all__ = ["group_routes"]

_GROUP_ARN: Final = r"arn:aws[a-z-]*:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+"


def group_routes(service: ScheduleService) -> list[Route]:
    async def create(call: Call) -> dict[str, Any]:
        name = _read_group_label(call, call.body)
        tags = _read_tags(call.body, required=False)
        token = call.body.string("ClientToken", min_len=1, max_len=64, pattern=CLIENT_TOKEN)
        call.body.check()
        arn = await service.create_group(call.scope, required(name), tags or {}, client_token=token)
        return {"ScheduleGroupArn": arn}

    async def get(call: Call) -> dict[str, Any]:
        name = _read_group_label(call, call.body)
        call.body.check()
        return _group_out(await service.get_group(call.scope, required(name)))

    async def delete(call: Call) -> dict[str, Any]:
        query = _query(call)
        name = _read_group_label(call, query)
        token = query.string("clientToken", min_len=1, max_len=64, pattern=CLIENT_TOKEN)
        query.check()
        await service.delete_group(call.scope, required(name), client_token=token)
        return {}

    async def list_(call: Call) -> dict[str, Any]:
        query = _query(call)
        prefix = query.string("NamePrefix", min_len=1, max_len=64, pattern=GROUP_NAME)
        token = read_next_token(query)
        limit = read_max_results(query)
        query.check()
        page = await service.list_groups(call.scope, prefix=prefix, token=token, limit=limit)
        return with_next_token({"ScheduleGroups": [_group_out(g) for g in page.items]}, page)

    async def list_tags(call: Call) -> dict[str, Any]:
        arn = _read_arn(call, call.body)
        call.body.check()
        return {"Tags": tags_out(await service.list_tags(call.scope, arn))}

    async def tag(call: Call) -> dict[str, Any]:
        arn = _read_arn(call, call.body)
        tags = _read_tags(call.body, required=True)
        call.body.check()
        await service.tag(call.scope, arn, required(tags))
        return {}

    async def untag(call: Call) -> dict[str, Any]:
        query = Request({"TagKeys": call.query.get("TagKeys")}, violations=call.body.violations)
        arn = _read_arn(call, query)
        keys = query.strings("TagKeys", required=True, max_items=200)
        for key in keys or ():
            query.check_string(key, "tagKeys.member", min_len=1, max_len=128)
        query.check()
        await service.untag(call.scope, arn, required(keys))
        return {}

    return [
        Route("POST", "schedule-groups", True, create, "CreateScheduleGroup"),
        Route("GET", "schedule-groups", True, get, "GetScheduleGroup"),
        Route("DELETE", "schedule-groups", True, delete, "DeleteScheduleGroup"),
        Route("GET", "schedule-groups", False, list_, "ListScheduleGroups"),
        Route("GET", "tags", True, list_tags, "ListTagsForResource"),
        Route("POST", "tags", True, tag, "TagResource"),
        Route("DELETE", "tags", True, untag, "UntagResource"),
    ]


def _query(call: Call) -> Request:
    values = {key: call.query_value(key) for key in call.query}
    return Request(values, violations=call.body.violations)


def _read_group_label(call: Call, request: Request) -> str:
    name = call.label or ""
    request.check_string(name, "name", min_len=1, max_len=64, pattern=GROUP_NAME)
    return name


def _read_arn(call: Call, request: Request) -> str:
    arn = call.label or ""
    request.check_string(arn, "resourceArn", min_len=1, max_len=1011, pattern=_GROUP_ARN)
    return arn


def _read_tags(body: Request, *, required: bool) -> dict[str, str] | None:
    """A TagList as a mapping; a key given twice keeps its last value."""
    if body.body.get("Tags") is None:
        body.array("Tags", required=required)
        return None
    tags: dict[str, str] = {}
    for item in body.structs("Tags", max_items=200):
        key = item.string("Key", required=True, min_len=1, max_len=128)
        value = item.string("Value", required=True, min_len=1, max_len=256)
        if key is not None and value is not None:
            tags[key] = value
    return tags


def _group_out(group: ScheduleGroup) -> dict[str, Any]:
    return {
        "Arn": group.arn,
        "Name": group.name,
        "State": "ACTIVE",
        "CreationDate": epoch(group.created_at),
        "LastModificationDate": epoch(group.modified_at),
    }
