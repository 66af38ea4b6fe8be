"""A bus's resource policy: PutPermission adds statements (or sets a whole document),
RemovePermission takes them away. The policy lives on the bus as JSON text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from busway import jsontext
from busway.arns import partition
from busway.clock import Clock
from busway.errors import PolicyLengthExceeded, ResourceNotFound, ValidationError
from busway.model import EventBus, Scope
from busway.service.buses import DEFAULT_BUS, BusService
from busway.service.routing import RoutingTable
from busway.store import Store

__all__ = ["MAX_POLICY_CHARS", "PermissionService", "PolicyCondition"]

MAX_POLICY_CHARS: Final = 10_240
_POLICY_VERSION: Final = "2012-10-17"
_SUPPORTED_ACTION: Final = "events:PutEvents"


@dataclass(frozen=True, slots=True)
class PolicyCondition:
    """Grants to a whole organization: ``StringEquals aws:PrincipalOrgID <org id>``."""

    type: str
    key: str
    value: str


class PermissionService:
    def __init__(self, store: Store, routing: RoutingTable, clock: Clock) -> None:
        self._buses = BusService(store, routing, clock)

    async def put(
        self,
        scope: Scope,
        *,
        bus_name: str = DEFAULT_BUS,
        action: str | None = None,
        principal: str | None = None,
        statement_id: str | None = None,
        condition: PolicyCondition | None = None,
        policy: str | None = None,
    ) -> EventBus:
        """Add (or replace, by statement id) one statement, or replace the whole policy."""
        bus = await self._buses.get(scope, bus_name)
        if policy is not None:
            document = _parse_policy(policy)
        else:
            statement = _statement(bus, action, principal, statement_id, condition)
            document = _with_statement(bus.policy, statement)
        text = jsontext.dumps(document)
        if len(text) > MAX_POLICY_CHARS:
            # AWS's wording is not recorded; this says which limit was hit.
            raise PolicyLengthExceeded(
                f"The policy of event bus {bus.name} would exceed {MAX_POLICY_CHARS} characters."
            )
        return await self._buses.set_policy(bus, text)

    async def remove(
        self,
        scope: Scope,
        *,
        bus_name: str = DEFAULT_BUS,
        statement_id: str | None = None,
        remove_all: bool = False,
    ) -> EventBus:
        bus = await self._buses.get(scope, bus_name)
        if remove_all:
            return await self._buses.set_policy(bus, None)
        if statement_id is None:
            raise ValidationError("Parameter StatementId must be specified.")
        # Without a policy too, AWS names the statement, not the policy (spec 7.2 [V]).
        document = jsontext.loads(bus.policy) if bus.policy is not None else {}
        statements = _statements(document)
        kept = [item for item in statements if _sid(item) != statement_id]
        if len(kept) == len(statements):
            raise ResourceNotFound("Statement with the provided id does not exist.")
        if not kept:
            # With its last statement gone the policy disappears from DescribeEventBus.
            return await self._buses.set_policy(bus, None)
        document["Statement"] = kept
        return await self._buses.set_policy(bus, jsontext.dumps(document))


def _statement(
    bus: EventBus,
    action: str | None,
    principal: str | None,
    statement_id: str | None,
    condition: PolicyCondition | None,
) -> dict[str, Any]:
    """The statement AWS records for the statement-style arguments (spec 7.2)."""
    if principal is None:
        raise ValidationError("Parameter Principal must be specified.")
    if condition is not None and principal != "*":
        raise ValidationError(
            "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set."
        )
    if action != _SUPPORTED_ACTION:
        raise ValidationError("Provided value in parameter 'action' is not supported.")
    if statement_id is None:
        raise ValidationError("Parameter StatementId must be specified.")
    statement: dict[str, Any] = {
        "Sid": statement_id,
        "Effect": "Allow",
        "Principal": "*"
        if principal == "*"
        else {"AWS": f"arn:{partition(bus.scope.region)}:iam::{principal}:root"},
        "Action": action,
        "Resource": bus.arn,
    }
    if condition is not None:
        statement["Condition"] = {condition.type: {condition.key: condition.value}}
    return statement


def _with_statement(policy: str | None, statement: dict[str, Any]) -> dict[str, Any]:
    document = jsontext.loads(policy) if policy else {"Version": _POLICY_VERSION, "Statement": []}
    others = [item for item in _statements(document) if _sid(item) != statement["Sid"]]
    document["Statement"] = [*others, statement]
    return dict(document)


def _parse_policy(policy: str) -> dict[str, Any]:
    try:
        document = jsontext.loads(policy)
    except jsontext.JSONDecodeError:
        document = None
    if not isinstance(document, dict):
        # AWS's wording is not recorded.
        raise ValidationError("Policy is not a valid JSON policy document.")
    return document


def _statements(document: Any) -> list[Any]:
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):  # IAM allows a single statement without a list
        return [statements]
    return list(statements) if isinstance(statements, list) else []


def _sid(statement: Any) -> Any:
    return statement.get("Sid") if isinstance(statement, dict) else None
