"""Queue names and ARNs (sqs.md 1.3, 2.1)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from busway.arns import arn
from busway.model import Scope
from busway.service.queue_errors import InvalidParameterValue

__all__ = ["check_queue_name", "queue_arn", "split_queue_arn"]

_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")
_FIFO_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
_ARN_PARTS: Final = 6


def check_queue_name(name: str, *, fifo: bool) -> None:
    if fifo and _FIFO_NAME.fullmatch(name) is None:
        raise InvalidParameterValue(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
            "underscores, must end with .fifo suffix and be 1 to 80 in length"
        )
    if not fifo and _NAME.fullmatch(name) is None:
        raise InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )


def queue_arn(scope: Scope, name: str) -> str:
    return arn(scope, "sqs", name)


# Every delivery to a queue target splits its target's ARN: the few ARNs in use are kept.
@lru_cache(maxsize=1024)
def split_queue_arn(arn: str) -> tuple[Scope, str] | None:
    """The scope and name an SQS queue ARN names; None for anything else."""
    parts = arn.split(":")
    if (
        len(parts) != _ARN_PARTS
        or parts[0] != "arn"
        or not parts[1].startswith("aws")  # a partition: aws, aws-cn, aws-us-gov...
        or parts[2] != "sqs"
        or not all(parts[3:])
    ):
        return None
    return Scope(parts[4], parts[3]), parts[5]
