"""CreateEventBus, DescribeEventBus, ListEventBuses, UpdateEventBus, DeleteEventBus."""

from __future__ import annotations

from typing import Any, Final

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.events.members import (
    checked,
    epoch,
    log_config_out,
    optional,
    read_bus_name,
    read_bus_name_or_arn,
    read_dead_letter_arn,
    read_limit,
    read_log_config,
    read_next_token,
    read_tags,
    with_next_token,
)
from busway.api.request import Request
from busway.model import EventBus
from busway.service.buses import DEFAULT_BUS, BusService

__all__ = ["bus_operations"]

_EVENT_SOURCE_NAME: Final = r"aws\.partner(/[\.\-_A-Za-z0-9]+){2,}"
_KMS_KEY: Final = r"^[a-zA-Z0-9_\-/:]*$"


def bus_operations(buses: BusService) -> dict[str, Handler]:
    async def create_event_bus(context: RequestContext, request: Request) -> dict[str, Any]:
        name = read_bus_name(request, "Name", required=True)
        source = request.string(
            "EventSourceName", min_len=1, max_len=256, pattern=_EVENT_SOURCE_NAME
        )
        description = _read_description(request)
        kms_key = _read_kms_key(request)
        dead_letter_arn = read_dead_letter_arn(request)
        log_config = read_log_config(request)
        tags = read_tags(request)
        request.check()
        bus = await buses.create(
            context.scope,
            checked(name),
            event_source_name=source,
            description=description,
            kms_key_identifier=kms_key,
            dead_letter_arn=dead_letter_arn,
            log_config=log_config,
            tags=tags,
        )
        return {"EventBusArn": bus.arn, **_config_out(bus)}

    async def describe_event_bus(context: RequestContext, request: Request) -> dict[str, Any]:
        name = read_bus_name_or_arn(request, "Name")
        request.check()
        bus = await buses.get(context.scope, name)
        return optional(
            Name=bus.name,
            Arn=bus.arn,
            Description=bus.description,
            KmsKeyIdentifier=bus.kms_key_identifier,
            DeadLetterConfig=_dead_letter_out(bus),
            Policy=bus.policy,
            LogConfig=None if bus.log_config is None else log_config_out(bus.log_config),
            CreationTime=epoch(bus.created_at),
            LastModifiedTime=epoch(bus.modified_at),
        )

    async def list_event_buses(context: RequestContext, request: Request) -> dict[str, Any]:
        prefix = read_bus_name(request, "NamePrefix")
        next_token = read_next_token(request)
        limit = read_limit(request)
        request.check()
        page = await buses.list(context.scope, prefix=prefix, next_token=next_token, limit=limit)
        return with_next_token({"EventBuses": [_listed(bus) for bus in page.items]}, page)

    async def update_event_bus(context: RequestContext, request: Request) -> dict[str, Any]:
        name = read_bus_name(request, "Name") or DEFAULT_BUS
        kms_key = _read_kms_key(request)
        description = _read_description(request)
        dead_letter_arn = read_dead_letter_arn(request)
        log_config = read_log_config(request)
        request.check()
        bus = await buses.update(
            context.scope,
            name,
            description=description,
            kms_key_identifier=kms_key,
            dead_letter_arn=dead_letter_arn,
            log_config=log_config,
        )
        return {"Arn": bus.arn, "Name": bus.name, **_config_out(bus)}

    async def delete_event_bus(context: RequestContext, request: Request) -> dict[str, Any]:
        name = read_bus_name(request, "Name", required=True)
        request.check()
        await buses.delete(context.scope, checked(name))
        return {}

    return {
        "CreateEventBus": create_event_bus,
        "DescribeEventBus": describe_event_bus,
        "ListEventBuses": list_event_buses,
        "UpdateEventBus": update_event_bus,
        "DeleteEventBus": delete_event_bus,
    }


def _read_description(request: Request) -> str | None:
    return request.string("Description", max_len=512)


def _read_kms_key(request: Request) -> str | None:
    return request.string("KmsKeyIdentifier", max_len=2048, pattern=_KMS_KEY)


def _dead_letter_out(bus: EventBus) -> dict[str, str] | None:
    return None if bus.dead_letter_arn is None else {"Arn": bus.dead_letter_arn}


def _config_out(bus: EventBus) -> dict[str, Any]:
    """The configuration members Create/UpdateEventBus echo, where set."""
    return optional(
        Description=bus.description,
        KmsKeyIdentifier=bus.kms_key_identifier,
        DeadLetterConfig=_dead_letter_out(bus),
        LogConfig=None if bus.log_config is None else log_config_out(bus.log_config),
    )


def _listed(bus: EventBus) -> dict[str, Any]:
    return optional(
        Name=bus.name,
        Arn=bus.arn,
        Description=bus.description,
        Policy=bus.policy,
        CreationTime=epoch(bus.created_at),
        LastModifiedTime=epoch(bus.modified_at),
    )
