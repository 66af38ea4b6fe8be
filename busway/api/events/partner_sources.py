"""The partner event source operations, which busway does not offer: they answer as AWS does
in a region without them (``OperationDisabledException``, spec 1.4 and 7.3), so an SDK that
probes for them gets the refusal it handles, not an unknown operation."""

from __future__ import annotations

from typing import Any

from busway.api.awsjson import Handler
from busway.api.context import RequestContext
from busway.api.request import Request
from busway.errors import ServiceError

__all__ = ["partner_source_operations"]

_OPERATIONS = (
    "ActivateEventSource",
    "CreatePartnerEventSource",
    "DeactivateEventSource",
    "DeletePartnerEventSource",
    "DescribeEventSource",
    "DescribePartnerEventSource",
    "ListEventSources",
    "ListPartnerEventSourceAccounts",
    "ListPartnerEventSources",
    "PutPartnerEvents",
)


class OperationDisabled(ServiceError):
    code = "OperationDisabledException"


def partner_source_operations() -> dict[str, Handler]:
    async def disabled(context: RequestContext, request: Request) -> dict[str, Any]:
        raise OperationDisabled("Partner event sources are not available on this busway node.")

    return dict.fromkeys(_OPERATIONS, disabled)
