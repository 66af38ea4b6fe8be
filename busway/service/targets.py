"""Targets of a rule: PutTargets' upsert by id, RemoveTargets, ListTargetsByRule."""

from __future__ import annotations

from collections.abc import Sequence

from busway.clock import Clock
from busway.config import Settings
from busway.errors import LimitExceeded, ValidationError
from busway.model import Rule, Scope, Target
from busway.service.buses import DEFAULT_BUS
from busway.service.paging import DEFAULT_PAGE_SIZE, Page, decode_token, encode_token
from busway.service.queue_names import split_queue_arn
from busway.service.routing import RoutingTable
from busway.service.rules import QUOTA_EXCEEDED, RuleService, managed_rule
from busway.store import Store
from busway.transform import InputTransformer, TargetInputError, validate_target_input

__all__ = ["TargetService"]


class TargetService:
    def __init__(
        self, store: Store, routing: RoutingTable, clock: Clock, settings: Settings
    ) -> None:
        self._store = store
        self._routing = routing
        self._settings = settings
        self._rules = RuleService(store, routing, clock, settings)

    async def put(
        self,
        scope: Scope,
        rule_name: str,
        targets: Sequence[Target],
        *,
        bus_name: str = DEFAULT_BUS,
    ) -> None:
        """Add or replace targets by id; within one call the last target with an id wins.

        AWS refuses the whole call for a bad target or a broken quota, so no per-target
        failures are ever reported.
        """
        rule = await self._rules.get(scope, rule_name, bus_name=bus_name)
        if rule.managed_by is not None:
            raise managed_rule(rule)
        by_id = {target.id: target for target in targets}
        for target in by_id.values():
            _check_arns(target)
            _check_input(target)
            _check_queues(target)
            _check_role(target, rule.scope)
        existing = {target.id for target in await self._store.list_targets(rule.arn)}
        if len(existing | by_id.keys()) > self._settings.max_targets_per_rule:
            raise LimitExceeded(QUOTA_EXCEEDED)
        await self._store.put_targets(rule.arn, list(by_id.values()))
        await self._sync_routes(rule)

    async def remove(
        self,
        scope: Scope,
        rule_name: str,
        target_ids: Sequence[str],
        *,
        bus_name: str = DEFAULT_BUS,
        force: bool = False,
    ) -> None:
        """Remove targets by id; ids the rule does not have are ignored."""
        rule = await self._rules.get(scope, rule_name, bus_name=bus_name)
        if rule.managed_by is not None and not force:
            raise managed_rule(rule)
        await self._store.remove_targets(rule.arn, list(target_ids))
        await self._sync_routes(rule)

    async def list(
        self,
        scope: Scope,
        rule_name: str,
        *,
        bus_name: str = DEFAULT_BUS,
        next_token: str | None = None,
        limit: int | None = None,
    ) -> Page[Target]:
        after = decode_token(next_token)
        rule = await self._rules.get(scope, rule_name, bus_name=bus_name)
        targets = [
            target
            for target in await self._store.list_targets(rule.arn)
            if after is None or target.id > after
        ]
        size = limit or DEFAULT_PAGE_SIZE
        if len(targets) <= size:
            return Page(targets)
        return Page(targets[:size], encode_token(targets[size - 1].id))

    async def _sync_routes(self, rule: Rule) -> None:
        self._routing.set_targets(rule, await self._store.list_targets(rule.arn))


def _check_input(target: Target) -> None:
    transformer = target.input_transformer
    try:
        validate_target_input(
            target.id,
            input=target.input,
            input_path=target.input_path,
            input_transformer=(
                None
                if transformer is None
                else InputTransformer(
                    template=transformer.template, paths_map=dict(transformer.paths_map)
                )
            ),
        )
    except TargetInputError as exc:
        raise ValidationError(exc.message) from None


def _check_queues(target: Target) -> None:
    """Refuse now what would fail every delivery later: a FIFO queue takes only messages with
    a group, which a rule target sends only when ``SqsParameters`` names one, and a FIFO queue
    cannot take dead letters, which carry no group (spec sqs.md 5)."""
    if _is_fifo_queue(target.arn) and not target.sqs_message_group_id:
        raise ValidationError(
            f"Parameter(s) SqsParameters must be specified for target: {target.id}."
        )
    if target.dead_letter_arn is not None and _is_fifo_queue(target.dead_letter_arn):
        # AWS's text, as CloudTrail recorded it (a Classmethod article).
        raise ValidationError("SQS FIFO is not supported by Dead Letter Queues.")


def _check_arns(target: Target) -> None:
    """The target's ARN and its dead-letter queue's must be ARNs, the latter an SQS queue's."""
    for arn in (target.arn, target.dead_letter_arn):
        if arn is not None and not _is_arn(arn):
            # AWS's text, quoted from a real answer (terraform-provider-aws #37773).
            raise ValidationError(
                f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format."
            )
    if target.dead_letter_arn is not None:
        service = target.dead_letter_arn.split(":")[2]
        if service != "sqs":
            # AWS's form, as a lint project recorded it against AWS (cdk-preflight).
            raise ValidationError(f"{service} is not supported as a dead letter resource")


def _is_arn(text: str) -> bool:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` (region and account may be
    empty, as in S3's)."""
    parts = text.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and all(parts[i] for i in (1, 2, 5))


def _check_role(target: Target, scope: Scope) -> None:
    """Targets EventBridge invokes only by assuming a role need one, as AWS refuses them
    (its text, quoted from real answers for API destinations, Step Functions, CodeBuild,
    CodePipeline and event buses of other accounts)."""
    if target.role_arn is None and _needs_role(target.arn, scope):
        raise ValidationError(f"RoleArn is required for target {target.arn}.")


def _needs_role(arn: str, scope: Scope) -> bool:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return False
    service, region, account, resource = parts[2], parts[3], parts[4], parts[5]
    if service in _ROLE_SERVICES:
        return True
    if service != "events":
        return False
    if resource.startswith("api-destination/"):
        return True
    # An event bus of another account or region (within one, a bus's policy suffices).
    return resource.startswith("event-bus/") and (account, region) != (
        scope.account,
        scope.region,
    )


# Services whose targets AWS documents as invoked with the target's role (Kinesis streams, ECS
# tasks) or refused without one (state machines, CodeBuild, CodePipeline).
_ROLE_SERVICES = frozenset({"states", "codebuild", "codepipeline", "kinesis", "ecs"})


def _is_fifo_queue(arn: str) -> bool:
    queue = split_queue_arn(arn)
    return queue is not None and queue[1].endswith(".fifo")
