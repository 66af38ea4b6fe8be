"""EventBridge Scheduler invocations on the delivery path.

A schedule's delivery names the schedule's ARN where a rule's names the rule's, so resolving
its target needs the schedules, not the routing table: ``ResolveTargets`` asks the one or the
other by ARN. ``ScheduledAttempts`` wraps a target kind to fill in a schedule invocation's
``<aws.scheduler.attempt-number>``, which only the attempt knows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from busway.delivery.target import DeliveryTarget, Invocation, Outcome
from busway.model import Scope, Target
from busway.service.schedules_invocation import ATTEMPT_NUMBER, is_schedule_arn, render_attempt

__all__ = ["ResolveTargets", "ScheduledAttempts", "TargetResolver"]


class TargetResolver(Protocol):
    def target(self, scope: Scope, bus_name: str, rule_arn: str, target_id: str) -> Target | None:
        """The delivery's target as configured now; None once it is gone."""
        ...


class ResolveTargets:
    """Schedule ARNs to ``schedules``, everything else to ``rules`` (the routing table)."""

    def __init__(self, rules: TargetResolver, schedules: TargetResolver) -> None:
        self._rules = rules
        self._schedules = schedules

    def target(self, scope: Scope, bus_name: str, rule_arn: str, target_id: str) -> Target | None:
        resolver = self._schedules if is_schedule_arn(rule_arn) else self._rules
        return resolver.target(scope, bus_name, rule_arn, target_id)


class ScheduledAttempts:
    """``inner``, with the attempt number filled into schedule invocations: into the payload,
    and into the event body, which an event-bus target reads instead."""

    def __init__(self, inner: DeliveryTarget) -> None:
        self.inner = inner

    async def invoke(self, invocation: Invocation) -> Outcome:
        if (
            is_schedule_arn(invocation.rule_arn)
            and ATTEMPT_NUMBER.encode() in invocation.event.body
        ):
            body = render_attempt(invocation.event.body.decode(), invocation.attempt)
            invocation = replace(
                invocation,
                event=replace(invocation.event, body=body.encode()),
                payload=render_attempt(invocation.payload, invocation.attempt),
            )
        return await self.inner.invoke(invocation)

    async def close(self) -> None:
        await self.inner.close()
