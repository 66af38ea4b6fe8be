"""Amazon Resource Names of busway's resources (spec section 4.3)."""

from __future__ import annotations

from busway.model import Scope

__all__ = ["bus_arn", "rule_arn"]


def bus_arn(scope: Scope, bus_name: str) -> str:
    return f"arn:aws:events:{scope.region}:{scope.account}:event-bus/{bus_name}"


def rule_arn(scope: Scope, bus_name: str, rule_name: str) -> str:
    if bus_name == "default":
        return f"arn:aws:events:{scope.region}:{scope.account}:rule/{rule_name}"
    return f"arn:aws:events:{scope.region}:{scope.account}:rule/{bus_name}/{rule_name}"
