"""Receipt handles: opaque to clients, new on every receive, naming queue, message and receive.

A handle is URL-safe base64 of ``account/region/queue/message id/receive token``, so a handle of
another queue, or one that was never minted, is recognised as such (ReceiptHandleIsInvalid).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from busway.model import Scope
from busway.service.queue_errors import ReceiptHandleIsInvalid

__all__ = ["Receipt", "parse_receipt_handle", "receipt_handle"]

_PARTS = 5


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    token: str


def receipt_handle(scope: Scope, queue_name: str, message_id: str, token: str) -> str:
    text = "/".join((scope.account, scope.region, queue_name, message_id, token))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def parse_receipt_handle(handle: str, scope: Scope, queue_name: str) -> Receipt:
    """The receive a handle names, if it was minted for this queue."""
    invalid = ReceiptHandleIsInvalid(
        f'The input receipt handle "{handle}" is not a valid receipt handle.'
    )
    try:
        text = base64.urlsafe_b64decode(handle.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise invalid from None
    parts = text.split("/")
    if len(parts) != _PARTS or parts[:3] != [scope.account, scope.region, queue_name]:
        raise invalid
    return Receipt(parts[3], parts[4])
