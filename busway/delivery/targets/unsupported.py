"""Targets busway keeps but cannot deliver to: SNS, Step Functions, ECS, Kinesis, ...

PutTargets accepts them, as AWS does, so configurations written for AWS load unchanged; each
event for one fails at once with ``NO_RESOURCE`` (there is no such resource here), which is not
retried and goes to the target's dead-letter queue.
"""

from __future__ import annotations

from busway.delivery.target import Invocation, Outcome, TargetKind, target_kind

__all__ = ["UnsupportedTarget", "unsupported_kind"]

ERROR_CODE = "NO_RESOURCE"


class UnsupportedTarget:
    """Also the dispatcher's stand-in for a kind this node has no implementation for."""

    async def invoke(self, invocation: Invocation) -> Outcome:
        kind = unsupported_kind(invocation.target.arn)
        return Outcome.failure(
            ERROR_CODE, f"busway does not deliver to {kind} targets", retryable=False
        )

    async def close(self) -> None:
        return None


def unsupported_kind(arn: str) -> str:
    """A short name for the kind of target: the ARN's service, ``sns``, ``states``, ..."""
    kind = target_kind(arn)
    if kind is not TargetKind.UNSUPPORTED:
        return str(kind.value)
    parts = arn.split(":", 3)
    if len(parts) < 3 or parts[0] != "arn" or not parts[2]:
        return "unrecognised"
    return parts[2]
