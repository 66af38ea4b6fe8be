"""CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes, PurgeQueue,
TagQueue, UntagQueue, ListQueueTags, ListDeadLetterSourceQueues, AddPermission,
RemovePermission."""

from __future__ import annotations

from typing import Any

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.request import Request
from busway.api.sqs.members import (
    queue_url,
    read_queue,
    read_range,
    read_string_map,
    required_string,
)
from busway.model import Scope
from busway.service.queue_errors import InvalidParameterValue, MissingParameter
from busway.service.queues import QueueService

__all__ = ["queue_operations"]

_MAX_TAG_KEY = 128
_MAX_TAG_VALUE = 256


def _check_tags(tags: dict[str, str]) -> None:
    for key, value in tags.items():
        if not 1 <= len(key) <= _MAX_TAG_KEY:
            raise InvalidParameterValue("Tag keys must be between 1 and 128 characters in length.")
        if len(value) > _MAX_TAG_VALUE:
            raise InvalidParameterValue(
                "Tag values must be between 0 and 256 characters in length."
            )


def _required_strings(request: Request, name: str) -> list[str]:
    values = request.strings(name)
    if not values:
        raise MissingParameter.named(name)
    return values


def queue_operations(queues: QueueService) -> dict[str, Handler]:
    async def create_queue(context: RequestContext, request: Request) -> dict[str, Any]:
        name = required_string(request, "QueueName")
        tags = read_string_map(request, "tags")
        _check_tags(tags)
        attributes = read_string_map(request, "Attributes")
        queue = await queues.create_queue(context.scope, name, attributes, tags)
        return {"QueueUrl": queue_url(context, queue.scope, queue.name)}

    async def get_queue_url(context: RequestContext, request: Request) -> dict[str, Any]:
        name = required_string(request, "QueueName")
        owner = request.string("QueueOwnerAWSAccountId") or context.scope.account
        queue = await queues.get_queue(Scope(owner, context.scope.region), name)
        return {"QueueUrl": queue_url(context, queue.scope, queue.name)}

    async def list_queues(context: RequestContext, request: Request) -> dict[str, Any]:
        prefix = request.string("QueueNamePrefix")
        limit = read_range(
            request, "MaxResults", 1, 1000, "Reason: MaxResults must be >= 1 and <= 1000."
        )
        page = await queues.list_queues(
            context.scope, prefix=prefix, next_token=request.string("NextToken"), limit=limit
        )
        answer: dict[str, Any] = {}
        if page.items:
            answer["QueueUrls"] = [queue_url(context, q.scope, q.name) for q in page.items]
        if page.next_token is not None:
            answer["NextToken"] = page.next_token
        return answer

    async def delete_queue(context: RequestContext, request: Request) -> dict[str, Any]:
        await queues.delete_queue(*read_queue(context, request))
        return {}

    async def get_queue_attributes(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        names = request.strings("AttributeNames") or []
        attributes = await queues.attributes(scope, name, names)
        return {"Attributes": attributes} if attributes else {}

    async def set_queue_attributes(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        attributes = request.string_map("Attributes")
        if attributes is None:
            raise InvalidParameterValue("The request must contain the parameter Attributes.")
        await queues.set_attributes(scope, name, attributes)
        return {}

    async def purge_queue(context: RequestContext, request: Request) -> dict[str, Any]:
        await queues.purge(*read_queue(context, request))
        return {}

    async def tag_queue(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        tags = read_string_map(request, "Tags")
        _check_tags(tags)
        await queues.tag(scope, name, tags)
        return {}

    async def untag_queue(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        await queues.untag(scope, name, request.strings("TagKeys") or [])
        return {}

    async def list_queue_tags(context: RequestContext, request: Request) -> dict[str, Any]:
        queue = await queues.get_queue(*read_queue(context, request))
        return {"Tags": dict(queue.tags)} if queue.tags else {}

    async def list_dead_letter_source_queues(
        context: RequestContext, request: Request
    ) -> dict[str, Any]:
        limit = read_range(
            request, "MaxResults", 1, 1000, "Reason: MaxResults must be >= 1 and <= 1000."
        )
        scope, name = read_queue(context, request)
        page = await queues.dead_letter_sources(
            scope, name, next_token=request.string("NextToken"), limit=limit
        )
        answer: dict[str, Any] = {
            "queueUrls": [queue_url(context, q.scope, q.name) for q in page.items]
        }
        if page.next_token is not None:
            answer["NextToken"] = page.next_token
        return answer

    async def add_permission(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        label = required_string(request, "Label")
        accounts = _required_strings(request, "AWSAccountIds")
        actions = _required_strings(request, "Actions")
        await queues.add_permission(scope, name, label, accounts, actions)
        return {}

    async def remove_permission(context: RequestContext, request: Request) -> dict[str, Any]:
        scope, name = read_queue(context, request)
        await queues.remove_permission(scope, name, required_string(request, "Label"))
        return {}

    return {
        "AddPermission": add_permission,
        "RemovePermission": remove_permission,
        "CreateQueue": create_queue,
        "GetQueueUrl": get_queue_url,
        "ListQueues": list_queues,
        "DeleteQueue": delete_queue,
        "GetQueueAttributes": get_queue_attributes,
        "SetQueueAttributes": set_queue_attributes,
        "PurgeQueue": purge_queue,
        "TagQueue": tag_queue,
        "UntagQueue": untag_queue,
        "ListQueueTags": list_queue_tags,
        "ListDeadLetterSourceQueues": list_dead_letter_source_queues,
    }
