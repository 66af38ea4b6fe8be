"""TagResource, UntagResource, ListTagsForResource (buses and rules, by ARN)."""

from __future__ import annotations

from typing import Any

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.events.members import checked, read_tags, tags_out
from busway.api.request import Request
from busway.service.tags import TagService

__all__ = ["tag_operations"]


def tag_operations(tags: TagService) -> dict[str, Handler]:
    async def tag_resource(context: RequestContext, request: Request) -> dict[str, Any]:
        arn = _read_arn(request)
        new_tags = read_tags(request, required=True)
        request.check()
        await tags.tag(context.scope, checked(arn), checked(new_tags))
        return {}

    async def untag_resource(context: RequestContext, request: Request) -> dict[str, Any]:
        arn = _read_arn(request)
        keys = request.strings("TagKeys", required=True) or []
        for index, key in enumerate(keys, start=1):
            request.check_string(key, f"tagKeys.{index}.member", min_len=1, max_len=128)
        request.check()
        await tags.untag(context.scope, checked(arn), keys)
        return {}

    async def list_tags_for_resource(context: RequestContext, request: Request) -> dict[str, Any]:
        arn = _read_arn(request)
        request.check()
        return {"Tags": tags_out(await tags.list(context.scope, checked(arn)))}

    return {
        "TagResource": tag_resource,
        "UntagResource": untag_resource,
        "ListTagsForResource": list_tags_for_resource,
    }


def _read_arn(request: Request) -> str | None:
    # AWS spells this member with a capital ARN, so its path is "resourceARN".
    return request.string("ResourceARN", required=True, min_len=1, max_len=1600)
