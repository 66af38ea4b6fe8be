"""AddPermission and RemovePermission as edits of a queue's ``Policy`` document (pure).

What AWS makes of them, as LocalStack's AWS-validated ``test_sqs_permission_lifecycle``
recorded it: one statement per label (its ``Sid``), allowing ``SQS:<action>`` on the queue to
the accounts' root principals (a string for one, a list for several), in a policy of version
2008-10-17 whose ``Id`` is the queue ARN followed by ``/SQSDefaultPolicy``. Removing the last
statement removes the policy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from busway import jsontext
from busway.service.queue_errors import InvalidParameterValue

__all__ = ["with_permission", "without_permission"]

_LABEL: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")


def with_permission(
    policy: str | None,
    queue_arn: str,
    label: str,
    accounts: Sequence[str],
    actions: Sequence[str],
) -> str:
    """The policy with a statement for ``label``; the label must be new to it."""
    if _LABEL.fullmatch(label) is None:
        raise _invalid_label(
            label,
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.",
        )
    document = _document(policy, queue_arn)
    statements: list[Any] = document["Statement"]
    if any(isinstance(s, dict) and s.get("Sid") == label for s in statements):
        raise _invalid_label(label, "Already exists.")
    principals = [f"arn:aws:iam::{account}:root" for account in dict.fromkeys(accounts)]
    granted = [f"SQS:{action}" for action in dict.fromkeys(actions)]
    statements.append(
        {
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": _one_or_list(principals)},
            "Action": _one_or_list(granted),
            "Resource": queue_arn,
        }
    )
    return jsontext.dumps(document)


def without_permission(policy: str | None, label: str) -> str | None:
    """The policy without the statement of ``label`` (None once no statement is left)."""
    document = _document(policy, "")
    statements = document["Statement"]
    kept = [s for s in statements if not (isinstance(s, dict) and s.get("Sid") == label)]
    if len(kept) == len(statements):
        raise _invalid_label(label, "can't find label.")
    if not kept:
        return None
    return jsontext.dumps({**document, "Statement": kept})


def _document(policy: str | None, queue_arn: str) -> dict[str, Any]:
    """The stored policy as a document to edit, or a new one for the queue."""
    if not policy:
        return {"Version": "2008-10-17", "Id": f"{queue_arn}/SQSDefaultPolicy", "Statement": []}
    try:
        document = jsontext.loads(policy)
    except (jsontext.JSONDecodeError, ValueError):
        document = None
    statements = document.get("Statement", []) if isinstance(document, dict) else None
    if isinstance(statements, dict):  # a lone statement may stand for a list of one
        statements = [statements]
    if not isinstance(document, dict) or not isinstance(statements, list):
        # busway's wording: the queue's Policy, stored before SetQueueAttributes checked it, is
        # not a document whose statements can be edited.
        raise InvalidParameterValue("The queue's Policy is not a policy document with statements.")
    document["Statement"] = statements
    return document


def _one_or_list(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def _invalid_label(label: str, reason: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Value {label} for parameter Label is invalid. Reason: {reason}")
