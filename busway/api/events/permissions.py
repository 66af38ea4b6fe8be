"""PutPermission and RemovePermission: a bus's resource policy."""

from __future__ import annotations

from typing import Any, Final

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.events.members import NAME_CHARS
from busway.api.request import Request
from busway.service.buses import DEFAULT_BUS
from busway.service.permissions import PermissionService, PolicyCondition

__all__ = ["permission_operations"]

_STATEMENT_ID: Final = r"[a-zA-Z0-9-_]+"


def permission_operations(permissions: PermissionService) -> dict[str, Handler]:
    async def put_permission(context: RequestContext, request: Request) -> dict[str, Any]:
        bus_name = _read_bus_name(request)
        action = request.string("Action", min_len=1, max_len=64, pattern=r"events:[a-zA-Z]+")
        principal = request.string("Principal", min_len=1, max_len=12, pattern=r"(\d{12}|\*)")
        statement_id = _read_statement_id(request)
        condition = _read_condition(request)
        policy = request.string("Policy")
        request.check()
        await permissions.put(
            context.scope,
            bus_name=bus_name,
            action=action,
            principal=principal,
            statement_id=statement_id,
            condition=condition,
            policy=policy,
        )
        return {}

    async def remove_permission(context: RequestContext, request: Request) -> dict[str, Any]:
        statement_id = _read_statement_id(request)
        remove_all = request.boolean("RemoveAllPermissions") or False
        bus_name = _read_bus_name(request)
        request.check()
        await permissions.remove(
            context.scope, bus_name=bus_name, statement_id=statement_id, remove_all=remove_all
        )
        return {}

    return {"PutPermission": put_permission, "RemovePermission": remove_permission}


def _read_bus_name(request: Request) -> str:
    # NonPartnerEventBusName: a plain name, no ARN and no partner '/'.
    name = request.string("EventBusName", min_len=1, max_len=256, pattern=NAME_CHARS)
    return DEFAULT_BUS if name is None else name


def _read_statement_id(request: Request) -> str | None:
    return request.string("StatementId", min_len=1, max_len=64, pattern=_STATEMENT_ID)


def _read_condition(request: Request) -> PolicyCondition | None:
    condition = request.struct("Condition")
    if condition is None:
        return None
    kind = condition.string("Type", required=True)
    key = condition.string("Key", required=True)
    value = condition.string("Value", required=True)
    if kind is None or key is None or value is None:
        return None  # reported as missing; check() refuses the request
    return PolicyCondition(kind, key, value)
