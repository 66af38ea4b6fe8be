"""The digests SQS clients check: MD5 of a body and of message attributes, and the SHA-256 of a
body that content-based deduplication uses (sqs.md section 3)."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping

from busway.store.queues import MessageAttribute

__all__ = ["attributes_md5", "body_md5", "content_dedup_id"]

_STRING_TRANSPORT = b"\x01"
_BINARY_TRANSPORT = b"\x02"


def body_md5(body: str) -> str:
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def _framed(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def attributes_md5(attributes: Mapping[str, MessageAttribute]) -> str | None:
    """The MD5 the SDKs recompute; None for no attributes (AWS leaves the field out)."""
    if not attributes:
        return None
    buffer = bytearray()
    for name in sorted(attributes):
        attribute = attributes[name]
        buffer += _framed(name.encode("utf-8")) + _framed(attribute.data_type.encode("utf-8"))
        if attribute.binary_value is not None:
            buffer += _BINARY_TRANSPORT + _framed(attribute.binary_value)
        else:
            buffer += _STRING_TRANSPORT + _framed((attribute.string_value or "").encode("utf-8"))
    return hashlib.md5(bytes(buffer), usedforsecurity=False).hexdigest()


def content_dedup_id(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
