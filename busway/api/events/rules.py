"""PutRule, DescribeRule, ListRules, EnableRule, DisableRule, DeleteRule, ListRuleNamesByTarget."""

from __future__ import annotations

from typing import Any

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.events.members import (
    NAME_CHARS,
    checked,
    optional,
    read_bus_name_or_arn,
    read_limit,
    read_next_token,
    read_rule_name,
    read_tags,
    with_next_token,
)
from busway.api.request import Request
from busway.model import Rule, RuleState
from busway.service.rules import RuleService

__all__ = ["rule_operations"]

_STATES = tuple(state.value for state in RuleState)


def rule_operations(rules: RuleService) -> dict[str, Handler]:
    async def put_rule(context: RequestContext, request: Request) -> dict[str, Any]:
        name = read_rule_name(request, "Name")
        schedule = request.string("ScheduleExpression", max_len=256)
        pattern = request.string("EventPattern", max_len=4096)
        state = request.string("State", enum=_STATES)
        description = request.string("Description", max_len=512)
        role_arn = request.string("RoleArn", min_len=1, max_len=1600)
        tags = read_tags(request)
        bus_name = read_bus_name_or_arn(request)
        request.check()
        rule = await rules.put(
            context.scope,
            checked(name),
            bus_name=bus_name,
            event_pattern=pattern,
            schedule_expression=schedule,
            state=RuleState.ENABLED if state is None else RuleState(state),
            description=description,
            role_arn=role_arn,
            tags=tags,
        )
        return {"RuleArn": rule.arn}

    async def describe_rule(context: RequestContext, request: Request) -> dict[str, Any]:
        name, bus_name = _read_rule_address(request)
        rule = await rules.get(context.scope, name, bus_name=bus_name)
        return {**_rule_out(rule), **optional(CreatedBy=rule.created_by)}

    async def list_rules(context: RequestContext, request: Request) -> dict[str, Any]:
        prefix = request.string("NamePrefix", min_len=1, max_len=64, pattern=NAME_CHARS)
        bus_name = read_bus_name_or_arn(request)
        next_token = read_next_token(request)
        limit = read_limit(request)
        request.check()
        page = await rules.list(
            context.scope, bus_name=bus_name, prefix=prefix, next_token=next_token, limit=limit
        )
        return with_next_token({"Rules": [_rule_out(rule) for rule in page.items]}, page)

    async def enable_rule(context: RequestContext, request: Request) -> dict[str, Any]:
        name, bus_name = _read_rule_address(request)
        await rules.enable(context.scope, name, bus_name=bus_name)
        return {}

    async def disable_rule(context: RequestContext, request: Request) -> dict[str, Any]:
        name, bus_name = _read_rule_address(request)
        await rules.disable(context.scope, name, bus_name=bus_name)
        return {}

    async def delete_rule(context: RequestContext, request: Request) -> dict[str, Any]:
        force = request.boolean("Force") or False
        name, bus_name = _read_rule_address(request)
        await rules.delete(context.scope, name, bus_name=bus_name, force=force)
        return {}

    async def list_rule_names_by_target(
        context: RequestContext, request: Request
    ) -> dict[str, Any]:
        target_arn = request.string("TargetArn", required=True, min_len=1, max_len=1600)
        bus_name = read_bus_name_or_arn(request)
        next_token = read_next_token(request)
        limit = read_limit(request)
        request.check()
        page = await rules.names_by_target(
            context.scope,
            checked(target_arn),
            bus_name=bus_name,
            next_token=next_token,
            limit=limit,
        )
        return with_next_token({"RuleNames": page.items}, page)

    return {
        "PutRule": put_rule,
        "DescribeRule": describe_rule,
        "ListRules": list_rules,
        "EnableRule": enable_rule,
        "DisableRule": disable_rule,
        "DeleteRule": delete_rule,
        "ListRuleNamesByTarget": list_rule_names_by_target,
    }


def _read_rule_address(request: Request) -> tuple[str, str]:
    """``Name`` and ``EventBusName``, checked: what most rule operations take."""
    name = read_rule_name(request, "Name")
    bus_name = read_bus_name_or_arn(request)
    request.check()
    return checked(name), bus_name


def _rule_out(rule: Rule) -> dict[str, Any]:
    return optional(
        Name=rule.name,
        Arn=rule.arn,
        EventPattern=rule.event_pattern,
        ScheduleExpression=rule.schedule_expression,
        State=rule.state.value,
        Description=rule.description,
        RoleArn=rule.role_arn,
        ManagedBy=rule.managed_by,
        EventBusName=rule.bus_name,
    )
