"""Which HTTP endpoints busway may call for API destinations and OAuth token requests.

https:// is always allowed. http:// sends credentials in the clear, so it is allowed only to
loopback hosts (local development and tests), or anywhere when ``allow_http`` is set.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["endpoint_refusal", "is_loopback"]


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_refusal(url: str, *, allow_http: bool) -> str | None:
    """Why ``url`` may not be called, or None when it may."""
    parts = urlsplit(url)
    try:
        host = parts.hostname
    except ValueError:
        host = None
    if parts.scheme not in ("https", "http") or not host:
        return f"Endpoint {url} is not an http(s) URL with a host."
    if parts.scheme == "http" and not allow_http and not is_loopback(host):
        return (
            f"Endpoint {url} must use https://; http:// is allowed only for loopback hosts "
            "unless the node allows http endpoints (allow_http_endpoints)."
        )
    return None
