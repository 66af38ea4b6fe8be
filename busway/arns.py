"""Amazon Resource Names of busway's resources (spec section 4.3).

An ARN names its partition, which follows from the region: ``aws`` for most, ``aws-cn`` in
China, ``aws-us-gov`` in GovCloud (and the isolated partitions), as AWS writes them.
"""

from __future__ import annotations

from typing import Final

from busway.model import Scope

__all__ = ["PARTITION_PATTERN", "arn", "bus_arn", "partition", "rule_arn"]

# The partition part of the ARNs busway reads, as AWS's models spell it.
PARTITION_PATTERN: Final = r"aws[\w-]*"
_PARTITIONS: Final = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
)


def partition(region: str) -> str:
    for prefix, name in _PARTITIONS:
        if region.startswith(prefix):
            return name
    return "aws"


def arn(scope: Scope, service: str, resource: str) -> str:
    """The ARN of ``resource`` of ``service`` in ``scope``'s account and region."""
    return f"arn:{partition(scope.region)}:{service}:{scope.region}:{scope.account}:{resource}"


def bus_arn(scope: Scope, bus_name: str) -> str:
    return arn(scope, "events", f"event-bus/{bus_name}")


def rule_arn(scope: Scope, bus_name: str, rule_name: str) -> str:
    if bus_name == "default":
        return arn(scope, "events", f"rule/{rule_name}")
    return arn(scope, "events", f"rule/{bus_name}/{rule_name}")
