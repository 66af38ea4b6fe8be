"""CreateApiDestination, DescribeApiDestination, ListApiDestinations, UpdateApiDestination,
DeleteApiDestination."""

from __future__ import annotations

from typing import Any, Final

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.events.connections import HTTPS_ENDPOINT, read_connection_arn, timestamps_out
from busway.api.events.members import (
    NAME_CHARS,
    checked,
    optional,
    read_limit,
    read_next_token,
    with_next_token,
)
from busway.api.request import Request
from busway.service.api_destinations import ApiDestinationService, DestinationView

__all__ = ["api_destination_operations"]

# In the order AWS lists them when it refuses another (recorded by LocalStack's AWS-validated
# test_create_api_destination_invalid_parameters), not the model's.
_HTTP_METHODS: Final = ("HEAD", "POST", "PATCH", "DELETE", "PUT", "GET", "OPTIONS")


def api_destination_operations(destinations: ApiDestinationService) -> dict[str, Handler]:
    async def create_api_destination(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _read_name(request)
        members = _read_members(request, creating=True)
        request.check()
        view = await destinations.create(context.scope, checked(name), **members)
        return _state_out(view)

    async def describe_api_destination(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _read_name(request)
        request.check()
        destination, state = await destinations.get(context.scope, checked(name))
        return {
            **_destination_out((destination, state)),
            **optional(Description=destination.description),
        }

    async def list_api_destinations(context: RequestContext, request: Request) -> dict[str, Any]:
        prefix = request.string("NamePrefix", min_len=1, max_len=64, pattern=NAME_CHARS)
        connection_arn = read_connection_arn(request)
        next_token = read_next_token(request)
        limit = read_limit(request)
        request.check()
        page = await destinations.list(
            context.scope,
            prefix=prefix,
            connection_arn=connection_arn,
            next_token=next_token,
            limit=limit,
        )
        listed = [_destination_out(view) for view in page.items]
        return with_next_token({"ApiDestinations": listed}, page)

    async def update_api_destination(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _read_name(request)
        members = _read_members(request, creating=False)
        request.check()
        return _state_out(await destinations.update(context.scope, checked(name), **members))

    async def delete_api_destination(context: RequestContext, request: Request) -> dict[str, Any]:
        name = _read_name(request)
        request.check()
        await destinations.delete(context.scope, checked(name))
        return {}

    return {
        "CreateApiDestination": create_api_destination,
        "DescribeApiDestination": describe_api_destination,
        "ListApiDestinations": list_api_destinations,
        "UpdateApiDestination": update_api_destination,
        "DeleteApiDestination": delete_api_destination,
    }


def _read_name(request: Request) -> str | None:
    return request.string("Name", required=True, min_len=1, max_len=64, pattern=NAME_CHARS)


def _read_members(request: Request, *, creating: bool) -> dict[str, Any]:
    """The members Create and Update share, as the service's keyword arguments."""
    return {
        "description": request.string("Description", max_len=512),
        "connection_arn": read_connection_arn(request, required=creating),
        "endpoint": request.string(
            "InvocationEndpoint",
            required=creating,
            min_len=1,
            max_len=2048,
            pattern=HTTPS_ENDPOINT,
        ),
        "http_method": request.string("HttpMethod", required=creating, enum=_HTTP_METHODS),
        "rate_limit_per_second": request.integer("InvocationRateLimitPerSecond", min_value=1),
    }


def _state_out(view: DestinationView) -> dict[str, Any]:
    destination, state = view
    return {
        "ApiDestinationArn": destination.arn,
        "ApiDestinationState": state.value,
        **timestamps_out(destination.created_at, destination.modified_at),
    }


def _destination_out(view: DestinationView) -> dict[str, Any]:
    """The ``ApiDestination`` structure of ListApiDestinations."""
    destination, state = view
    return {
        "ApiDestinationArn": destination.arn,
        "Name": destination.name,
        "ApiDestinationState": state.value,
        "ConnectionArn": destination.connection_arn,
        "InvocationEndpoint": destination.endpoint,
        "HttpMethod": destination.http_method,
        "InvocationRateLimitPerSecond": destination.rate_limit_per_second,
        **timestamps_out(destination.created_at, destination.modified_at),
    }
