"""What busway reads from a SigV4 ``Authorization`` header (signatures are not verified yet)."""

from __future__ import annotations

import re

__all__ = ["credential_region"]

_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/[^/,\s]+/aws4_request")


def credential_region(authorization: str | None) -> str | None:
    """The region of the credential scope, or None for an unsigned request."""
    if not authorization:
        return None
    found = _CREDENTIAL.search(authorization)
    return found.group(1) if found else None
